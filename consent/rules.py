"""The consent app's rules, each once, as plain functions: testable without HTTP and without a database.

- A consent's state on a day (`consent_state`) and which versions are current (`current_versions`,
  with `current_only` as the same rule for a query). Reads, the FHIR export, views and the receipt
  all ask these.
- May staff tell this relative this kind of information (`may_disclose`)? The answer comes from the
  consents recorded for the relative (all versions, so that the reason for a "no" can be told:
  revoked, expired, not yet valid). Of the versions, only the current ones count. A refusal in force
  covering the kind of information overrides any permission (the citizen's "no" wins), a permission
  in force covering it allows, anything else is a "no" with its reason.
- What a new consent version, a dialogue, an agreement and a follow-up must meet (`validate_*`, as
  {field: [messages]}, empty when it is fine). consent.services checks them before it writes.
- How the citizen search reads its query (`searches_by_cpr`, `validate_name_search`).
"""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Agreement, Consent, Dialogue, FollowUp, HelpChange, InformationCategory, Relative, RelativeTold

# Sundhedsloven § 44: a consent to disclose health information to private persons lapses at the
# latest one year after it was GIVEN (not after it took effect). The portal applies the cap to every
# consent about a relative, counted from `given_on`.
CONSENT_MAX_DAYS = 365
# A permission in force that ends within this many days is shown as "expires soon".
EXPIRES_SOON_DAYS = 30
NAME_SEARCH_MIN_LETTERS = 2
NO_DATE = "\N{EN DASH}"

Problems = Iterator[tuple[str, str]]


def default_valid_until(given_on: date) -> date:
    """The last day a consent given on `given_on` can be in force (sundhedsloven § 44): one year after it was given."""
    return given_on + timedelta(days=CONSENT_MAX_DAYS)


# --- State and current version --------------------------------------------------------------------


class ConsentState(StrEnum):
    IN_FORCE = "in_force"
    NOT_YET = "not_yet"
    EXPIRED = "expired"
    REVOKED = "revoked"


def consent_state(consent: Consent, on: date) -> ConsentState:
    """Where one version stands on the day `on`: a permission or refusal is in force from its first to its last day."""
    if consent.decision == Consent.Decision.REVOKED:
        return ConsentState.REVOKED
    if consent.valid_from > on:
        return ConsentState.NOT_YET
    if consent.valid_until is not None and consent.valid_until < on:
        return ConsentState.EXPIRED
    return ConsentState.IN_FORCE


def current_versions(consents: Iterable[Consent]) -> list[Consent]:
    """The current version of each chain: those no other version supersedes."""
    consents = list(consents)
    replaced = {consent.supersedes_id for consent in consents if consent.supersedes_id}
    return [consent for consent in consents if consent.pk not in replaced]


def current_only(consents: QuerySet[Consent]) -> QuerySet[Consent]:
    """`current_versions` as a query, for the database to filter: the versions no other version supersedes."""
    return consents.filter(superseded_by__isnull=True)


def current_decisions(consents: Iterable[Consent]) -> list[Consent]:
    """The current versions that still decide something: permissions and refusals, not revocations."""
    return [consent for consent in current_versions(consents) if consent.decision != Consent.Decision.REVOKED]


def current_version_of(consent: Consent, versions: Iterable[Consent]) -> Consent:
    """The current version of the chain `consent` belongs to, among `versions` (the relative's versions)."""
    replaced_by = {version.supersedes_id: version for version in versions if version.supersedes_id}
    while consent.pk in replaced_by:
        consent = replaced_by[consent.pk]
    return consent


# --- May I tell? -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    allowed: bool
    code: str
    reason: str
    consent: Consent | None = None


def dd_mm_yyyy(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def may_disclose(*, relative: Relative, category: str, on: date, consents: Iterable[Consent]) -> Answer:
    """The answer to "may I tell `relative` about `category` on `on`?" from the relative's consents."""
    if barred := never_told(relative):
        return barred
    current = [consent for consent in current_versions(consents) if consent.relative_id == relative.pk]
    in_force = [consent for consent in current if consent_state(consent, on) == ConsentState.IN_FORCE]
    return _answer_in_force(relative, category, in_force) or _answer_without_consent_in_force(relative, current, on)


def never_told(relative: Relative) -> Answer | None:
    """The "no" that no consent changes: a relative under 18 (they have other rights and duties than other
    relatives). `may_disclose` asks it first; every page that shows a permission asks it too
    (`permission_allows_nothing`), so no page shows "Permitted" where "May I tell?" answers no."""
    if relative.is_minor:
        return Answer(
            False,
            "minor",
            _(
                "No. The relative is under 18, and relatives under 18 have other rights and duties than "
                "other relatives. Talk with the citizen and your manager before you tell them anything."
            ),
        )
    return None


def permission_allows_nothing(consent: Consent) -> bool:
    """A recorded permission about a relative "May I tell?" always answers no for (under 18): one recorded
    before such permissions were refused at entry. Pages show it as not in force, never as "Permitted"."""
    return consent.decision == Consent.Decision.PERMIT and never_told(consent.relative) is not None


def _answer_in_force(relative: Relative, category: str, in_force: list[Consent]) -> Answer | None:
    """The answer from the consents in force, or None when none of them decides it."""
    names = {"name": relative.name, "category": InformationCategory(category).label.lower()}
    refusal = next((c for c in in_force if c.decision == Consent.Decision.REFUSE and c.covers(category)), None)
    if refusal:
        return Answer(
            False,
            "refused",
            _("No. The citizen has refused that you tell %(name)s about %(category)s.") % names,
            refusal,
        )
    permission = next((c for c in in_force if c.decision == Consent.Decision.PERMIT and c.covers(category)), None)
    if permission:
        return Answer(
            True,
            "permitted",
            _(
                "Yes. You may tell %(name)s about %(category)s: consent given %(form)s on %(given)s, "
                "valid until %(until)s."
            )
            % {
                **names,
                "form": permission.get_form_display().lower(),
                "given": dd_mm_yyyy(permission.given_on),
                "until": dd_mm_yyyy(permission.valid_until) if permission.valid_until else NO_DATE,
            },
            permission,
        )
    if any(c.decision == Consent.Decision.PERMIT for c in in_force):
        return Answer(False, "outside_scope", _("No. The consent for %(name)s does not cover %(category)s.") % names)
    return None


def _answer_without_consent_in_force(relative: Relative, current: list[Consent], on: date) -> Answer:
    """Why the answer is "no" when no consent in force decides it: revoked, not yet valid, expired, or none."""
    first_in_state = {consent_state(consent, on): consent for consent in reversed(current)}
    if revoked := first_in_state.get(ConsentState.REVOKED):
        reason = _("No. The consent for %(name)s was revoked on %(date)s.")
        return Answer(
            False, "revoked", reason % {"name": relative.name, "date": dd_mm_yyyy(revoked.valid_from)}, revoked
        )
    if future := first_in_state.get(ConsentState.NOT_YET):
        reason = _("No. The consent for %(name)s is valid only from %(date)s.")
        return Answer(
            False, "not_yet_valid", reason % {"name": relative.name, "date": dd_mm_yyyy(future.valid_from)}, future
        )
    if expired := first_in_state.get(ConsentState.EXPIRED):
        reason = _("No. The consent for %(name)s expired on %(date)s. Ask the citizen again.")
        return Answer(
            False, "expired", reason % {"name": relative.name, "date": dd_mm_yyyy(expired.valid_until)}, expired
        )
    return Answer(
        False,
        "no_consent",
        _("No. There is no consent for %(name)s. Information about the citizen is confidential.")
        % {"name": relative.name},
    )


# --- When the help changes: who may be told, and what ---------------------------------------------

# The kind of information a change in the help is about: what its first sentence tells the relative. Only a
# consent that covers this kind lets staff tell them (a hospital stay is health; a move, social circumstances).
CHANGE_CATEGORY = {
    HelpChange.Kind.NEW_HELP: InformationCategory.PRACTICAL,
    HelpChange.Kind.ENDED_HELP: InformationCategory.PRACTICAL,
    HelpChange.Kind.CHANGED_TIMES: InformationCategory.PRACTICAL,
    HelpChange.Kind.CARE_HOME: InformationCategory.SOCIAL,
    HelpChange.Kind.HOSPITAL: InformationCategory.HEALTH,
}
HELP_CHANGE_SUMMARY_MAX = 2000
TOLD_MESSAGE_MAX = 4000
_CPR_LIKE = re.compile(r"(?<!\d)\d{6}[ -]?\d{4}(?!\d)")


def category_of_change(kind: str) -> str:
    return CHANGE_CATEGORY[HelpChange.Kind(kind)]


@dataclass(frozen=True)
class Recipient:
    """May staff tell `relative` about a change in the help? `answer` is "Må jeg oplyse?"'s own answer."""

    relative: Relative
    answer: Answer
    may_tell: bool
    code: str
    reason: str

    @property
    def consent(self) -> Consent | None:
        return self.answer.consent


def may_tell_about_change(*, relative: Relative, category: str, on: date, consents: Iterable[Consent]) -> Recipient:
    """ "Må jeg oplyse?" (`may_disclose`) for the change's kind of information, and then: may staff contact them?

    A permission whose consent says the citizen contacts the relative themself does not let staff do it.
    """
    answer = may_disclose(relative=relative, category=category, on=on, consents=consents)
    if not answer.allowed:
        return Recipient(relative, answer, False, answer.code, answer.reason)
    if answer.consent.contact != Consent.Contact.STAFF_MAY_CONTACT:
        reason = _(
            "No. The consent for %(name)s covers %(category)s, but the citizen wants to contact %(name)s "
            "themself: staff do not contact them."
        ) % {"name": relative.name, "category": InformationCategory(category).label.lower()}
        return Recipient(relative, answer, False, "citizen_contacts", reason)
    return Recipient(relative, answer, True, answer.code, answer.reason)


def help_change_recipients(
    relatives: Iterable[Relative], consents: Iterable[Consent], category: str, on: date
) -> tuple[list[Recipient], list[Recipient]]:
    """(those who may be told, those who may not), every relative of the citizen in one of them."""
    consents = list(consents)
    may, may_not = [], []
    for relative in relatives:
        theirs = [consent for consent in consents if consent.relative_id == relative.pk]
        recipient = may_tell_about_change(relative=relative, category=category, on=on, consents=theirs)
        (may if recipient.may_tell else may_not).append(recipient)
    return may, may_not


def change_sentence(change: HelpChange, citizen_name: str) -> str:
    """The one sentence that says what changed, in plain Danish: nothing of another kind of information."""
    sentences = {
        HelpChange.Kind.NEW_HELP: _("%(name)s gets new help from %(date)s."),
        HelpChange.Kind.ENDED_HELP: _("The help for %(name)s ends on %(date)s."),
        HelpChange.Kind.CHANGED_TIMES: _("The times of the help for %(name)s change from %(date)s."),
        HelpChange.Kind.CARE_HOME: _("%(name)s moves to a care home on %(date)s."),
        HelpChange.Kind.HOSPITAL: _("%(name)s is in hospital from %(date)s."),
    }
    return sentences[HelpChange.Kind(change.kind)] % {"name": citizen_name, "date": dd_mm_yyyy(change.changes_on)}


def draft_message(*, change: HelpChange, relative: Relative, citizen_name: str, sender: str, municipality: str) -> str:
    """The message staff may give `relative`: what changed and the caseworker's words, and whom to ask."""
    parts = [
        _("Dear %(name)s,") % {"name": relative.name},
        _("We would like to tell you about a change in the help: %(sentence)s")
        % {"sentence": change_sentence(change, citizen_name)},
        change.summary.strip(),
        _("If you have questions, you are welcome to contact %(sender)s, %(municipality)s.")
        % {"sender": sender, "municipality": municipality},
        _("Kind regards\n%(sender)s\n%(municipality)s") % {"sender": sender, "municipality": municipality},
    ]
    return "\n\n".join(str(part) for part in parts if part)


def validate_help_change(change: HelpChange) -> dict[str, list[str]]:
    return collect(_the_change(change))


def _the_change(change: HelpChange) -> Problems:
    if change.kind not in HelpChange.Kind.values:
        yield "kind", _("Choose what changed.")
    summary = (change.summary or "").strip()
    if not summary:
        yield "summary", _("Write what the relatives may be told, in a sentence or two.")
    elif len(summary) > HELP_CHANGE_SUMMARY_MAX:
        yield "summary", _("Write at most %(count)d characters.") % {"count": HELP_CHANGE_SUMMARY_MAX}
    elif _CPR_LIKE.search(summary):
        yield "summary", _("Leave out the CPR number: the relatives are not told it.")


def validate_told(*, how: str, told_on: date | None, message: str, today: date) -> dict[str, list[str]]:
    return collect(_the_telling(how, told_on, message, today))


def _the_telling(how, told_on, message, today) -> Problems:
    if how not in RelativeTold.How.values:
        yield "how", _("Choose how the relative was told.")
    if told_on is None:
        yield "told_on", _("Write the date the relative was told.")
    elif told_on > today:
        yield "told_on", _("The date cannot be in the future. Record it when the relative has been told.")
    message = (message or "").strip()
    if not message:
        yield "message", _("Write what the relative was told.")
    elif len(message) > TOLD_MESSAGE_MAX:
        yield "message", _("Write at most %(count)d characters.") % {"count": TOLD_MESSAGE_MAX}
    elif _CPR_LIKE.search(message):
        yield "message", _("Leave out the CPR number: the relatives are not told it.")


# --- What a new record must meet -------------------------------------------------------------------


def collect(*problems: Problems) -> dict[str, list[str]]:
    """{field: [messages]} from (field, message) pairs, in the order they came."""
    errors: dict[str, list[str]] = {}
    for found in problems:
        for field, message in found:
            errors.setdefault(field, []).append(message)
    return errors


def validate_consent(consent: Consent) -> dict[str, list[str]]:
    """The rules a new consent version must meet, as {field: [messages]} (empty when it is fine).

    Works on a version with only some fields set too (a form whose other fields are wrong): a rule
    about a field that is not set is not checked.
    """
    return collect(_what_the_consent_says(consent), _who_gave_it(consent), _its_period(consent), _its_relative(consent))


def _what_the_consent_says(consent: Consent) -> Problems:
    if consent.decision == Consent.Decision.REVOKED:
        if not consent.reason.strip():
            yield "reason", _("Write why the consent is revoked.")
        return
    if not consent.categories:
        yield "categories", _("Choose at least one kind of information.")
    if set(consent.categories) - set(InformationCategory.values):
        yield "categories", _("Choose among the listed kinds of information.")
    if consent.form == Consent.Form.ORAL and not consent.oral_note.strip():
        yield "oral_note", _("An oral consent needs a note of the conversation.")
    if consent.decision == Consent.Decision.PERMIT and not consent.contact:
        yield "contact", _("Choose whether staff may contact the relative or the citizen does it.")


def _who_gave_it(consent: Consent) -> Problems:
    if consent.grantor != Consent.Grantor.CITIZEN and not consent.grantor_document.strip():
        yield "grantor_document", _("Write the reference of the guardianship or power of attorney.")


def _its_period(consent: Consent) -> Problems:
    if consent.given_on and consent.valid_from and consent.valid_from < consent.given_on:
        yield "valid_from", _("A consent cannot be valid before it was given.")
    if not (consent.valid_from and consent.valid_until):
        return
    if consent.valid_until < consent.valid_from:
        yield "valid_until", _("The end date cannot be before the start date.")
    # Counted from the day it was given; when that day is not known (a form whose date is wrong), from the
    # first day in force, which is never before it: a consent over that cap is over the law's too.
    elif consent.decision == Consent.Decision.PERMIT and consent.valid_until > (
        cap := default_valid_until(consent.given_on or consent.valid_from)
    ):
        yield (
            "valid_until",
            _(
                "A consent to tell a relative lapses at the latest one year after it was given "
                "(sundhedsloven § 44): %(date)s at the latest."
            )
            % {"date": dd_mm_yyyy(cap)},
        )


def _its_relative(consent: Consent) -> Problems:
    if consent.relative_id and consent.citizen_id and consent.relative.citizen_id != consent.citizen_id:
        yield "relative", _("Choose one of this citizen's relatives.")
    elif consent.relative_id and consent.decision == Consent.Decision.PERMIT and consent.relative.is_minor:
        yield "decision", MINOR_CANNOT_BE_PERMITTED


# The one place that decides about relatives under 18: "Må jeg oplyse?" always answers no for them
# (may_disclose), so a permission about one is refused at entry, and a correction that makes a relative
# with a permission under 18 is refused too. No page can then show "Permitted" for them.
MINOR_CANNOT_BE_PERMITTED = _(
    "A relative under 18 cannot be given a consent to be told about the citizen here: “May I tell?” always "
    "answers no for relatives under 18. Talk with the citizen and your manager; record a refusal if needed."
)


def validate_revocation(revoked: Consent) -> dict[str | None, list[str]]:
    """A permission or a refusal can be revoked; a revocation stands as it is."""
    if revoked.decision == Consent.Decision.REVOKED:
        return {None: [_("This consent is already revoked. Nothing more to do.")]}
    return {}


def validate_dialogue(dialogue: Dialogue) -> dict[str, list[str]]:
    """A "not now" needs a date to ask again, and that date comes after the conversation."""
    return collect(_when_to_ask_again(dialogue))


def _when_to_ask_again(dialogue: Dialogue) -> Problems:
    if dialogue.involvement == Dialogue.Involvement.NOT_NOW and not dialogue.ask_again_on:
        yield "ask_again_on", _("When the answer is “not now”, choose when to ask again.")
    elif dialogue.ask_again_on and dialogue.held_on and dialogue.ask_again_on <= dialogue.held_on:
        yield "ask_again_on", _("Choose a date after the conversation.")


def validate_agreement(agreement: Agreement) -> dict[str, list[str]]:
    """An agreement a relative carries out names that relative, one of the citizen's own."""
    return collect(_who_does_it(agreement))


def _who_does_it(agreement: Agreement) -> Problems:
    if agreement.responsible == Agreement.Party.RELATIVE and not agreement.relative_id:
        yield "relative", _("Choose which relative does it.")
    elif agreement.relative_id and agreement.relative.citizen_id != agreement.citizen_id:
        yield "relative", _("Choose one of this citizen's relatives.")


def validate_follow_up(follow_up: FollowUp) -> dict[str, list[str]]:
    """Unless the agreement ends, a follow-up sets the date of the next one, after itself."""
    return collect(_next_follow_up(follow_up))


def _next_follow_up(follow_up: FollowUp) -> Problems:
    if follow_up.outcome != FollowUp.Outcome.END and not follow_up.next_date:
        yield "next_date", _("Choose the date of the next follow-up.")
    elif follow_up.next_date and follow_up.held_on and follow_up.next_date <= follow_up.held_on:
        yield "next_date", _("Choose a date after this follow-up.")


def validate_relative_correction(relative: Relative, consents: Iterable[Consent], on: date) -> dict[str, list[str]]:
    """A corrected relative must still fit every consent about them that is in force or to come: asks
    the same rule as a new consent (`_its_relative`), so the under-18 rule is decided in one place."""
    problems = []
    for consent in current_decisions(consents):
        if consent_state(consent, on) in (ConsentState.IN_FORCE, ConsentState.NOT_YET):
            consent.relative = relative
            problems.extend(_its_relative(consent))
    if any(field == "decision" for field, _message in problems):
        return {
            "is_minor": [
                _(
                    "The relative has a consent in force to be told about the citizen, and a relative under "
                    "18 cannot have one. Revoke the consent first, then correct the age."
                )
            ]
        }
    return {}


# --- Grid: every relative × every kind of information, at a glance --------------------------------


class GridState(StrEnum):
    PERMITTED = "permitted"
    EXPIRES_SOON = "expires_soon"
    REFUSED = "refused"
    NO_CONSENT = "no_consent"


def grid_state(answer: Answer, on: date) -> GridState:
    """What one cell of the citizen page's grid shows: the answer of "Må jeg oplyse?", nothing else."""
    if answer.allowed:
        until = answer.consent.valid_until if answer.consent else None
        if until is not None and until <= on + timedelta(days=EXPIRES_SOON_DAYS):
            return GridState.EXPIRES_SOON
        return GridState.PERMITTED
    if answer.code == "refused":
        return GridState.REFUSED
    return GridState.NO_CONSENT


def disclosure_grid(relatives: Iterable[Relative], consents: Iterable[Consent], on: date) -> list[tuple]:
    """[(relative, [(category, GridState, Answer), …]), …]: "Må jeg oplyse?" for every relative and kind."""
    consents = list(consents)
    rows = []
    for relative in relatives:
        theirs = [consent for consent in consents if consent.relative_id == relative.pk]
        cells = []
        for category in InformationCategory:
            answer = may_disclose(relative=relative, category=category, on=on, consents=theirs)
            cells.append((category, grid_state(answer, on), answer))
        rows.append((relative, cells))
    return rows


# --- Closing a course, and how long a closed record is kept ---------------------------------------


def validate_closing(*, citizen, closed_on: date | None, because: str, today: date) -> dict[str, list[str]]:
    return collect(_closing(citizen, closed_on, because, today))


def _closing(citizen, closed_on, because, today) -> Problems:
    if citizen.closed_on is not None:
        yield "closed_on", _("The citizen's course is already closed.")
        return
    if closed_on is None:
        yield "closed_on", _("Write the date the course closed.")
    elif closed_on > today:
        yield "closed_on", _("The closing date cannot be in the future. Close the course on the day it closes.")
    if not because:
        yield "closed_because", _("Choose why the course closed.")


RETENTION_MAX_YEARS = 100


def validate_retention_years(years) -> dict[str, list[str]]:
    if years is None or years < 1:
        return {"years": [_("The retention period must be at least 1 year.")]}
    if years > RETENTION_MAX_YEARS:
        return {"years": [_("Write a retention period of at most 100 years.")]}
    return {}


def erase_after(closed_on: date, years: int) -> date:
    """The first day a record closed on `closed_on` is erased, `years` calendar years later (29 February → 1 March)."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return date(closed_on.year + years, 3, 1)


def validate_correction(changes: dict, reason: str) -> dict[str, list[str]]:
    problems = {}
    if not changes:
        problems[None] = [_("Nothing was changed. Change at least one detail, or cancel.")]
    if not reason.strip():
        problems["reason"] = [_("Write why the details are corrected.")]
    return problems


# --- The citizen search ----------------------------------------------------------------------------


def searches_by_cpr(query: str) -> bool:
    """A query with a digit in it is a CPR number (and must be a whole one); any other, a part of a name."""
    return any(character.isdigit() for character in query)


def validate_name_search(query: str) -> dict[str, list[str]]:
    if len(query) < NAME_SEARCH_MIN_LETTERS:
        return {"query": [_("Write at least two letters of the name.")]}
    return {}


# --- Break the glass --------------------------------------------------------------------------------

BREAK_GLASS_MIN_REASON = 20  # characters: a sentence a data protection officer can check, not "x"


def validate_break_glass_reason(reason: str) -> dict[str, list[str]]:
    if len((reason or "").strip()) < BREAK_GLASS_MIN_REASON:
        return {
            "reason": [
                _("Write why you need to open this citizen, in at least %(count)d characters.")
                % {"count": BREAK_GLASS_MIN_REASON}
            ]
        }
    return {}
