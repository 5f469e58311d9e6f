"""Every write of the relatives' survey: handing out invitation codes and storing anonymous answers.

Views stay thin: form → one of these functions → redirect. The functions are keyword-only.

Anonymity (see surveys.models): an answer is stored as a Response with a random id, its wave, its
unit and the day only. Using a code marks its Invitation as used on that day and nothing else; the
two rows are written in one transaction but nothing links them. Codes are returned once, when they
are made, and only their keyed hashes are kept (surveys.codes).
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Unit
from portal.scoping import belongs_to_user_municipality

from . import codes
from .access import may_run_surveys
from .models import Answer, Invitation, Question, Response, Wave

logger = logging.getLogger(__name__)

MAX_INVITATIONS = 500  # per batch: a batch of letters is printed from one page
MAX_TEXT_LENGTH = 5000


class SurveyError(Exception):
    """An answer that cannot be taken; the message is for the person answering."""

    message = gettext_lazy("The answer could not be saved.")

    def __init__(self, wave: Wave | None = None):
        super().__init__(str(self.message))
        self.wave = wave


class UnknownCode(SurveyError):
    message = gettext_lazy("We cannot find this code.")


class CodeAlreadyUsed(SurveyError):
    message = gettext_lazy("This code has already been used")


class SurveyClosed(SurveyError):
    """The wave is not open today: closed, not yet opened, or measured outside the portal."""

    message = gettext_lazy("The survey is closed")


class OpenLinkFull(SurveyError):
    message = gettext_lazy("The open link takes no more answers")


# The messages a relative sees about single questions, numbered as the form shows them.


def required_message(question: Question, number: int) -> str:
    if question.kind == Question.Kind.TEXT:
        return _("Write an answer to question %(number)d.") % {"number": number}
    return _("Choose an answer to question %(number)d.") % {"number": number}


def invalid_choice_message(number: int) -> str:
    return _("Choose one of the answers shown for question %(number)d.") % {"number": number}


def too_long_message(number: int) -> str:
    return _("Your answer to question %(number)d is too long: write at most %(limit)d characters.") % {
        "number": number,
        "limit": MAX_TEXT_LENGTH,
    }


def mismatch_message() -> str:
    return _("The answers did not match the survey's questions. Check your answers and send them again.")


def nothing_answered_message() -> str:
    return _("Answer at least one question before you send your answers.")


def questions_of(wave: Wave) -> list[Question]:
    """The wave's questions in the order the form shows them (question n is at index n - 1)."""
    return list(Question.objects.filter(survey_id=wave.survey_id).order_by("order", "pk"))


# Invitations


def generate_invitations(*, wave: Wave, unit: Unit, count: int, acting_user, today: date | None = None) -> list[str]:
    """Make `count` single-use codes for `unit` in `wave` and return them, grouped ("ACEF-GHJK-MN").

    This is the only time the codes exist in clear: the database keeps their hashes. Raises
    PermissionDenied unless `acting_user` is a manager of the wave's municipality, ValidationError for
    a unit outside the wave, a count out of range or a wave that takes no more answers.
    """
    today = today or timezone.localdate()
    if not may_run_surveys(acting_user) or not belongs_to_user_municipality(acting_user, wave):
        raise PermissionDenied
    if wave.is_external or wave.closes_on < today:
        raise ValidationError(_("This wave takes no more answers, so it needs no invitations."), code="closed")
    if not 1 <= count <= MAX_INVITATIONS:
        raise ValidationError(
            {"count": _("Make between 1 and %(limit)d invitations at a time.") % {"limit": MAX_INVITATIONS}},
            code="count",
        )
    in_wave = wave.units.filter(pk=unit.pk, municipality_id=wave.survey.municipality_id)
    if unit.municipality_id != acting_user.municipality_id or not in_wave.exists():
        raise ValidationError({"unit": _("Choose one of the wave's units.")}, code="unit")

    with transaction.atomic():
        fresh: dict[str, str] = {}  # digest -> code
        while len(fresh) < count:
            for code in (codes.new_code() for _n in range(count - len(fresh))):
                fresh[codes.digest(code)] = code
            taken = Invitation.objects.filter(code_digest__in=list(fresh)).values_list("code_digest", flat=True)
            for digest in taken:  # a collision: about one in 10^13 per pair, but never hand out a code twice
                del fresh[digest]
        Invitation.objects.bulk_create(Invitation(wave=wave, unit=unit, code_digest=digest) for digest in fresh)
    logger.info("%d survey invitations made for wave %s, unit %s by user %s", count, wave.pk, unit.pk, acting_user.pk)
    return [codes.grouped(code) for code in fresh.values()]


@dataclass(frozen=True)
class InvitationLinks:
    code: str  # grouped
    answer_url: str  # the single-use link, in Danish
    answer_url_en: str
    entry_url: str  # where to type the code


def links_for(code: str, *, base_url: str) -> InvitationLinks:
    """The absolute addresses printed in a letter or e-mail; `base_url` is e.g. "https://portal.example.dk"."""
    grouped = codes.grouped(codes.normalize(code) or code)
    with translation.override(settings.LANGUAGE_CODE):
        answer_path = reverse("surveys:answer", kwargs={"code": grouped})
        entry_path = reverse("surveys:enter-code")
    with translation.override("en"):
        answer_path_en = reverse("surveys:answer", kwargs={"code": grouped})
    base = base_url.rstrip("/")
    return InvitationLinks(grouped, base + answer_path, base + answer_path_en, base + entry_path)


@dataclass
class EmailDelivery:
    """What became of a batch of e-mailed invitations; `failed` holds addresses only until the page is shown."""

    requested: int
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    done: bool = False


def invite_by_email(*, wave: Wave, unit: Unit, addresses: list[str], acting_user, base_url: str) -> EmailDelivery:
    """Make one invitation per address and e-mail each its code once the invitations are committed.

    The addresses are not stored anywhere: they live in the messages until these are sent. An
    invitation whose e-mail could not be sent is deleted again, as nobody has its code.
    """
    delivery = EmailDelivery(requested=len(addresses))
    with transaction.atomic():
        made = generate_invitations(wave=wave, unit=unit, count=len(addresses), acting_user=acting_user)
        messages = []
        for address, code in zip(addresses, made, strict=True):
            message = invitation_email(wave=wave, unit=unit, address=address, code=code, base_url=base_url)
            messages.append((codes.digest(codes.normalize(code)), message))
        transaction.on_commit(lambda: _send(messages, delivery))
    return delivery


def invitation_email(*, wave: Wave, unit: Unit, address: str, code: str, base_url: str) -> EmailMessage:
    """The e-mail with one code, in Danish (the link leads to the page, which offers English)."""
    context = {
        "wave": wave,
        "survey": wave.survey,
        "municipality": wave.survey.municipality,
        "unit": unit,
        "links": links_for(code, base_url=base_url),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string("surveys/email/invitation_subject.txt", context).split())
        body = render_to_string("surveys/email/invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


def _send(messages: list[tuple[str, EmailMessage]], delivery: EmailDelivery) -> None:
    unsent: list[str] = []
    try:
        connection = get_connection()
        connection.open()
    except (smtplib.SMTPException, OSError):  # the mail server cannot be reached: nothing is sent
        connection = None
    for digest, message in messages:
        sent = 0
        if connection is not None:
            try:
                sent = connection.send_messages([message])
            except (smtplib.SMTPException, OSError):
                sent = 0
        if sent:
            delivery.sent += 1
        else:
            delivery.failed.extend(message.to)
            unsent.append(digest)
    if connection is not None:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.warning("Closing the mail connection failed after sending survey invitations")
    if unsent:
        Invitation.objects.filter(code_digest__in=unsent, used_on__isnull=True).delete()
        logger.warning("%d of %d survey invitation e-mails could not be sent", len(unsent), len(messages))
    delivery.done = True


# Answers


def find_invitation(code: str) -> Invitation | None:
    """The invitation of a typed or linked code (any spelling), or None."""
    normalized = codes.normalize(code)
    if normalized is None:
        return None
    return (
        Invitation.objects.select_related("wave__survey__municipality")
        .filter(code_digest=codes.digest(normalized))
        .first()
    )


def open_link_wave(key: UUID | str) -> Wave | None:
    try:
        key = UUID(str(key))
    except ValueError:
        return None
    return Wave.objects.select_related("survey__municipality").filter(open_link_key=key).first()


def open_link_full(wave: Wave) -> bool:
    return wave.responses.filter(via_open_link=True).count() >= wave.open_link_limit


def clean_answers(*, wave: Wave, answers: dict) -> list[tuple[Question, str, str]]:
    """(question, value, text) for each answered question; ValidationError keyed by question id otherwise.

    Keys are question ids (int or digits); values are one of Question.answer_values(), or the text of a
    free-text answer. An empty value leaves a question unanswered.
    """
    questions = questions_of(wave)
    by_id = {question.pk: (number, question) for number, question in enumerate(questions, 1)}
    errors: dict = {}
    cleaned = []
    for raw_key, raw_value in answers.items():
        key = _as_int(raw_key)
        if key not in by_id:
            errors[NON_FIELD_ERRORS] = [mismatch_message()]
            continue
        number, question = by_id[key]
        if raw_value is None:
            continue
        if not isinstance(raw_value, str):
            errors[key] = [invalid_choice_message(number)]
            continue
        value = raw_value.strip()
        if not value:
            continue
        if question.kind == Question.Kind.TEXT:
            if len(value) > MAX_TEXT_LENGTH:
                errors[key] = [too_long_message(number)]
            else:
                cleaned.append((question, "", value))
        elif value in question.answer_values():
            cleaned.append((question, value, ""))
        else:
            errors[key] = [invalid_choice_message(number)]
    answered = {question.pk for question, _value, _text in cleaned}
    for number, question in by_id.values():
        if question.required and question.pk not in answered and question.pk not in errors:
            errors[question.pk] = [required_message(question, number)]
    if not errors and not cleaned:
        errors[NON_FIELD_ERRORS] = [nothing_answered_message()]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _as_int(value) -> int | None:
    """A question id given as an int or as digits; None for anything else (bools and floats too)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def submit_response(
    *, code: str | None = None, open_link_key: UUID | str | None = None, answers: dict, today: date
) -> Response:
    """Store one anonymous answer, given either an invitation code or a wave's open-link key.

    Raises UnknownCode, CodeAlreadyUsed, SurveyClosed or OpenLinkFull (nothing is stored), or
    ValidationError for answers that do not fit the questions (the code stays unused).
    """
    if (code is None) == (open_link_key is None):
        raise TypeError("Give either a code or an open link key.")
    if code is not None:
        return _submit_with_code(code, answers, today)
    return _submit_through_open_link(open_link_key, answers, today)


def _check_open(wave: Wave, today: date) -> None:
    if not wave.is_open_on(today):
        raise SurveyClosed(wave)


def _submit_with_code(code: str, answers: dict, today: date) -> Response:
    invitation = find_invitation(code)
    if invitation is None:
        raise UnknownCode
    wave = invitation.wave
    _check_open(wave, today)
    if invitation.used_on is not None:
        raise CodeAlreadyUsed(wave)
    cleaned = clean_answers(wave=wave, answers=answers)
    with transaction.atomic():
        # The conditional UPDATE decides who owns the code: under concurrent submissions the database
        # lets exactly one of them change the row from unused to used. The filter is on the
        # invitation's own columns (the wave's dates come in as a subquery, not a join) so that
        # PostgreSQL re-checks `used_on IS NULL` on the row it waited for.
        open_waves = Wave.objects.filter(pk=wave.pk, is_external=False, opens_on__lte=today, closes_on__gte=today)
        consumed = Invitation.objects.filter(
            code_digest=invitation.code_digest, used_on__isnull=True, wave__in=open_waves
        ).update(used_on=today)
        if consumed != 1:
            if Invitation.objects.filter(pk=invitation.pk, used_on__isnull=False).exists():
                raise CodeAlreadyUsed(wave)
            raise SurveyClosed(wave)
        return _store(wave=wave, unit_id=invitation.unit_id, cleaned=cleaned, today=today, via_open_link=False)


def _submit_through_open_link(key: UUID | str, answers: dict, today: date) -> Response:
    wave = open_link_wave(key)
    if wave is None:
        raise UnknownCode
    _check_open(wave, today)
    cleaned = clean_answers(wave=wave, answers=answers)
    with transaction.atomic():
        # The wave's row lock queues parallel open-link answers, so the count below is never stale.
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.open_link_key != wave.open_link_key:
            raise UnknownCode
        _check_open(locked, today)
        if open_link_full(locked):
            raise OpenLinkFull(locked)
        return _store(wave=locked, unit_id=None, cleaned=cleaned, today=today, via_open_link=True)


def _store(*, wave: Wave, unit_id: int | None, cleaned, today: date, via_open_link: bool) -> Response:
    response = Response.objects.create(wave=wave, unit_id=unit_id, submitted_on=today, via_open_link=via_open_link)
    Answer.objects.bulk_create(
        Answer(response=response, question=question, value=value, text=text) for question, value, text in cleaned
    )
    return response
