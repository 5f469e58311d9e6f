"""The rules for the relative themself: the self-check's advice, and what a contact request must hold.

The self-check, "Hvordan har du det?": from a handful of answers to what may help.

Not a clinical test and not a score: each answer the relative gives points to kinds of offers, to the
coordinator for their close one's illness, to asking the municipality to get in touch, and, when an answer
suggests a crisis, to the emergency numbers. The questions are written from the policies' own words
(Haderslev theme 2 and 4, Ballerup "Understøtte et liv som pårørende", Aabenraa on relatives' own strain).
Nothing here is stored: `advice` is a plain function of the answers.

"Ring mig op" / "Skriv til mig": `contact_request_problems` (asked by contacts.services) and `erase_date`.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ContactRequest, Offer
from .validators import normalize_phone, validate_email

Kind = Offer.Kind
ForWhom = Offer.ForWhom

# The answers, as the form sends them.
STRAIN_OK, STRAIN_HARD, STRAIN_TOO_MUCH = "ok", "hard", "too_much"
YES, SOMETIMES, NO = "yes", "sometimes", "no"
OWN_TIME_YES, OWN_TIME_LITTLE, OWN_TIME_NO = "yes", "little", "no"

# Words of a coordinator's name for the close one's illness (Hvidovre's Demens-, Kræft-, Hjerneskadekoordinator).
COORDINATOR_WORDS = {
    ForWhom.DEMENTIA: "demens",
    ForWhom.CANCER: "kræft",
    ForWhom.BRAIN_INJURY: "hjerneskade",
}

# The emergency numbers shown when an answer suggests a crisis: national numbers, with their source.
EMERGENCY_NUMBERS = (
    ("112", _("Call 112 if a life is in danger."), "https://politi.dk/alarm-112"),
    (
        "70201201",
        _("Livslinien: call 70 201 201 if life feels too hard or you think of taking your own life (anonymous)."),
        "https://www.livslinien.dk",
    ),
)


@dataclass(frozen=True)
class Answers:
    strain: str  # STRAIN_*
    alone: str  # YES, SOMETIMES, NO
    sleep: str  # YES, SOMETIMES, NO
    own_time: str  # OWN_TIME_*
    knows_whom_to_ask: bool
    in_danger: bool
    illness: str = ""  # an Offer.ForWhom value, or "" (other, or rather not say)


@dataclass(frozen=True)
class Advice:
    kinds: tuple[str, ...] = ()  # kinds of offers, most fitting first
    for_whom: str = ""  # offers for these relatives (and for all)
    coordinator_word: str = ""  # a word of the name of the coordinator for the illness
    crisis: bool = False  # show the emergency numbers first
    suggest_contact: bool = False  # suggest asking the municipality to get in touch
    suggest_directory: bool = False  # suggest "Find rundt"
    reasons: tuple[str, ...] = field(default=())  # why, in the relative's terms


def advice(answers: Answers) -> Advice:
    kinds: list[str] = []
    reasons: list[str] = []

    def add(*new_kinds):
        kinds.extend(kind for kind in new_kinds if kind not in kinds)

    crisis = answers.in_danger or answers.strain == STRAIN_TOO_MUCH
    if crisis:
        reasons.append(_("You say that it is too much right now. You do not have to manage alone: call for help."))
    worn_out = answers.strain in (STRAIN_HARD, STRAIN_TOO_MUCH)
    if answers.own_time in (OWN_TIME_NO, OWN_TIME_LITTLE) or worn_out:
        add(Kind.RESPITE, Kind.DAY_CENTRE)
        reasons.append(_("You have little time for yourself. Respite or a day centre can give you a break."))
    if answers.alone in (YES, SOMETIMES):
        add(Kind.PEER_GROUP, Kind.NETWORK, Kind.VOLUNTEERS)
        reasons.append(_("You feel alone with it. Here you can meet others in the same situation."))
    if answers.sleep == YES or worn_out:
        add(Kind.COUNSELLING, Kind.COURSE)
        reasons.append(_("Worries take up a lot of room. Talking to someone can help."))
    if not answers.knows_whom_to_ask:
        add(Kind.COUNSELLING)
        reasons.append(_("You do not know whom to ask. The municipality can help you find your way."))
    coordinator_word = COORDINATOR_WORDS.get(answers.illness, "")
    if coordinator_word:
        reasons.append(_("A coordinator knows your close one's illness and can advise you too."))
    return Advice(
        kinds=tuple(kinds),
        for_whom=answers.illness if answers.illness in ForWhom.values and answers.illness != ForWhom.ALL else "",
        coordinator_word=coordinator_word,
        crisis=crisis,
        suggest_contact=worn_out or answers.alone == YES or not answers.knows_whom_to_ask,
        suggest_directory=not answers.knows_whom_to_ask,
        reasons=tuple(reasons),
    )


# --- "Ring mig op" / "Skriv til mig" -----------------------------------------------------------------

WAY_CALL, WAY_WRITE = ContactRequest.Way.CALL, ContactRequest.Way.WRITE
MESSAGE_MAX_LENGTH = 1000
NAME_MAX_LENGTH = 100
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|\[url|https?://|www\.", re.IGNORECASE)


def contact_request_problems(*, way: str, name: str, phone: str, email: str, message: str, consent: bool) -> dict:
    """What is wrong with a relative's contact request: {field: message}, empty when it may be kept.

    `phone` is as typed; a Danish number has 8 digits and does not start with 0 or 1 (those are short
    numbers and prefixes), and is not one digit eight times. Links and HTML are refused: the request is
    read by staff, and nobody needs them to ask for a call.
    """
    problems = {
        **_name_problems(name),
        **_address_problems(way, phone, email),
        **_message_problems(message),
    }
    if not consent:
        problems["consent"] = _("We can only contact you if you agree. Tick the box.")
    return problems


def _name_problems(name: str) -> dict:
    if not name.strip():
        return {"name": _("Write your name, so we know whom to ask for.")}
    if len(name) > NAME_MAX_LENGTH or _MARKUP.search(name):
        return {"name": _("Write only your name (at most 100 letters).")}
    return {}


def _address_problems(way: str, phone: str, email: str) -> dict:
    problems = {}
    if phone:
        try:
            digits = normalize_phone(phone)
        except ValidationError as error:
            problems["phone"] = error.messages[0]
        else:
            if digits[0] in "01" or len(set(digits)) == 1:
                problems["phone"] = _("That is not a Danish phone number. Check the number, e.g. 36 39 28 80.")
    elif way == WAY_CALL:
        problems["phone"] = _("Write the phone number we should call.")
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            problems["email"] = error.messages[0]
    elif way == WAY_WRITE:
        problems["email"] = _("Write the e-mail address we should write to.")
    return problems


def _message_problems(message: str) -> dict:
    if len(message) > MESSAGE_MAX_LENGTH:
        return {"message": _("Write at most 1,000 characters; you can tell us more when we talk.")}
    if _MARKUP.search(message):
        return {"message": _("Write without links or HTML, just a few words in plain text.")}
    return {}


def erase_date(sent_on, retention_days: int):
    """The day after which a contact request is erased: `retention_days` after it was sent."""
    return sent_on + timedelta(days=retention_days)


WAY_QUESTION = _("Choose whether we should call you or write to you.")
ALREADY_CLOSED = _("Someone else has already answered and closed this request.")
NOTE_NEEDED = _("Write briefly how the relative was answered (at most 1,000 characters).")
