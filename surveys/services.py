"""Every write of the relatives' survey: its set-up, handing out invitation codes and storing anonymous answers.

Each write is one keyword-only function that checks the rules (surveys.rules) and the database's
constraints, writes in one transaction, and raises portal.errors.RuleViolation (field → messages) when
the input breaks a rule, or a SurveyError for an answer that cannot be taken. Views stay thin: form → one
of these functions → redirect; the admin's forms call the `check_*` functions, so a manager sees the same
messages at the same fields.

Anonymity (see surveys.models): an answer is stored as a SurveyResponse with a random id, its wave, its
unit and the day only. Using a code marks its Invitation as used on that day and nothing else; the two
rows are written in one transaction but nothing links them. Codes are returned once, when they are made,
and only their keyed hashes are kept (surveys.codes).
"""

import logging
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info, gettext, gettext_lazy

from portal.errors import RuleViolation, StaleVersion
from portal.models import Unit, validate_interface_language
from portal.signals import mark_content_changed
from portal.translation_services import copy_translations, save_translation
from portal.translations import SOURCE_LANGUAGE, is_content_language

from . import codes, languages, rules, selectors
from .access import may_run_surveys, survey_policy
from .models import (
    Action,
    ActionPlan,
    Answer,
    EmailBatch,
    ExternalResult,
    Indicator,
    Invitation,
    InvitationEmail,
    Question,
    Survey,
    SurveyResponse,
    Wave,
    YearlyReport,
)

logger = logging.getLogger(__name__)


def _raise_problems(problems: rules.Problems) -> None:
    if problems:
        raise RuleViolation(problems)


# --- the set-up: questionnaires, indicators, waves and results measured outside the portal -----------
# `check_*` raise RuleViolation for what the survey's rules refuse; a ModelForm checks the fields and the
# constraints itself. `save_*` check everything (fields, rules, constraints), then write.


def _validate(obj: Model, problems: Callable[..., rules.Problems] | None, unchecked: Collection[str]) -> None:
    """Django's field checks and the survey's rules (`problems`), then the constraints of the fields that passed,
    as Model.full_clean does with clean().

    Fields in `unchecked` are left out, and so is a rule or a constraint that involves one.
    """
    errors: dict = {}
    try:
        obj.clean_fields(exclude=set(unchecked))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    found = problems(unchecked=unchecked) if problems is not None else {}
    if found:
        errors = RuleViolation(found).update_error_dict(errors)
    try:
        obj.validate_unique(exclude={*unchecked, *errors})
        obj.validate_constraints(exclude={*unchecked, *errors})
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise RuleViolation(errors)


def _question_problems(question: Question, *, unchecked: Collection[str]) -> rules.Problems:
    indicators = list(question.indicators.all()) if question.pk is not None else []
    return rules.question_problems(question, indicators=indicators, unchecked=unchecked)


def _wave_problems(
    wave: Wave, *, units: list[Unit] | None, has_open_link: bool | None, unchecked: Collection[str]
) -> rules.Problems:
    open_link = wave.open_link_key is not None if has_open_link is None else has_open_link
    return rules.wave_problems(wave, units=units, has_open_link=open_link, unchecked=unchecked)


def check_question(*, question: Question, unchecked: Collection[str] = ()) -> None:
    _raise_problems(_question_problems(question, unchecked=unchecked))


def check_indicator(*, indicator: Indicator, unchecked: Collection[str] = ()) -> None:
    _raise_problems(rules.indicator_problems(indicator, unchecked=unchecked))


def check_wave(
    *,
    wave: Wave,
    units: Iterable[Unit] | None = None,
    has_open_link: bool | None = None,
    unchecked: Collection[str] = (),
) -> None:
    """`units`: the units the wave is to have (None: as they are); `has_open_link` None: as it is."""
    units = None if units is None else list(units)
    _raise_problems(_wave_problems(wave, units=units, has_open_link=has_open_link, unchecked=unchecked))


def check_external_result(*, result: ExternalResult, unchecked: Collection[str] = ()) -> None:
    _raise_problems(rules.external_result_problems(result, unchecked=unchecked))


def check_external_results(*, results: Iterable[ExternalResult]) -> None:
    """The rule across one wave's results: one total per indicator."""
    _raise_problems(rules.external_totals_problems(results))


def check_deletable(*, obj: Model) -> None:
    """Refuse to delete a survey, wave or question that has answers."""
    _raise_problems(rules.deletion_problems(obj, has_answers=selectors.has_answers(obj)))


def may_delete(obj: Model) -> bool:
    """Whether a part of the set-up may be deleted: what check_deletable says, without an exception."""
    return not rules.deletion_problems(obj, has_answers=selectors.has_answers(obj))


@transaction.atomic
def save_survey(*, survey: Survey, unchecked: Collection[str] = ()) -> Survey:
    _validate(survey, None, unchecked)
    survey.save()
    return survey


@transaction.atomic
def save_questions(
    *, questions: Iterable[Question], deleted: Iterable[Question] = (), unchecked: Collection[str] = ()
) -> None:
    """Save a questionnaire's questions and delete `deleted` (refused for a question that has answers)."""
    for question in deleted:
        check_deletable(obj=question)
        question.delete()
    for question in questions:
        _validate(question, partial(_question_problems, question), unchecked)
        if question.pk is not None and _changes_locked_fields(question) and selectors.has_answers(question):
            new_version_of(question)
        else:
            question.save()


def _changes_locked_fields(question: Question) -> bool:
    saved = Question.objects.filter(pk=question.pk).values(*Question.LOCKED_FIELDS).first()
    return saved is not None and any(saved[name] != getattr(question, name) for name in Question.LOCKED_FIELDS)


@transaction.atomic
def new_version_of(question: Question) -> Question:
    """Keep `question` as it was saved (its answers keep the wording they answered) and make a new question
    with the wording and choices of `question` as given, which the form asks from now on. The indicators move
    to the new version: results never count the answers of two versions together."""
    old = Question.objects.select_for_update().get(pk=question.pk)
    if not old.is_current:
        raise StaleVersion
    new = Question(
        survey_id=old.survey_id, order=question.order, text=question.text,
        kind=question.kind, choices=question.choices, required=question.required, theme=question.theme,
        previous=old,
    )  # fmt: skip
    old.is_current = False
    old.save(update_fields=["is_current"])
    new.save()
    copy_translations(old, new)
    Indicator.objects.filter(question=old).update(question=new)
    question.refresh_from_db()
    return new


@transaction.atomic
def save_indicator(*, indicator: Indicator, unchecked: Collection[str] = ()) -> Indicator:
    """Save an indicator; with no positive answers chosen, those of its question's kind (surveys.rules)."""
    question = rules.related(indicator, "question")
    if question is not None and "positive_answers" not in unchecked:
        indicator.positive_answers = rules.positive_answers_or_default(question.kind, indicator.positive_answers)
    _validate(indicator, partial(rules.indicator_problems, indicator), unchecked)
    indicator.save()
    return indicator


@transaction.atomic
def save_wave(
    *,
    wave: Wave,
    units: Iterable[Unit] | None = None,
    has_open_link: bool | None = None,
    unchecked: Collection[str] = (),
) -> Wave:
    """Save a wave with these units (None: as they are) and an open link or none (None: as it is).

    A new open link gets a random key; one taken away is gone for good.
    """
    units = None if units is None else list(units)
    _validate(wave, partial(_wave_problems, wave, units=units, has_open_link=has_open_link), unchecked)
    if has_open_link is not None:
        wave.open_link_key = (wave.open_link_key or uuid.uuid4()) if has_open_link else None
    wave.save()
    if units is not None:
        wave.units.set(units)
    return wave


@transaction.atomic
def save_external_results(
    *, results: Iterable[ExternalResult], deleted: Iterable[ExternalResult] = (), unchecked: Collection[str] = ()
) -> None:
    """Save results measured outside the portal (all of one wave, or some) and delete `deleted`."""
    results = list(results)
    for result in deleted:
        result.delete()
    kept_totals = ExternalResult.objects.filter(wave_id__in={result.wave_id for result in results}, unit=None)
    check_external_results(results=[*results, *kept_totals.exclude(pk__in=[result.pk for result in results])])
    for result in results:
        _validate(result, partial(rules.external_result_problems, result), unchecked)
        result.save()


@transaction.atomic
def delete_setup(*, obj: Survey | Question | Indicator | Wave | ExternalResult) -> None:
    """Delete a part of the set-up; refused (RuleViolation) while it has answers: nobody can give them again."""
    check_deletable(obj=obj)
    obj.delete()


# --- the questionnaire in other languages ----------------------------------------------------------


def approve_translations(*, survey: Survey, language: str, acting_user, drafts_seen: str | None = None) -> int:
    """A manager of the survey's municipality approves the questionnaire's draft translations into `language`
    (those made from the Danish as it is now); returns how many. Each is saved through
    portal.translation_services.save_translation (admin log). `drafts_seen`: the languages.drafts_stamp of the
    drafts the manager was shown; StaleVersion, and nothing approved, when the drafts are no longer those."""
    if not (may_run_surveys(acting_user) and survey_policy.may_change(acting_user, survey)):
        raise PermissionDenied
    if not is_content_language(language):
        raise RuleViolation({"language": gettext("Choose one of the portal's languages.")})
    with transaction.atomic():
        drafts = languages.current_drafts(survey, language)
        if drafts_seen is not None and drafts_seen != languages.drafts_stamp([draft for _o, _f, draft in drafts]):
            raise StaleVersion
        for obj, field, draft in drafts:
            save_translation(
                acting_user=acting_user,
                obj=obj,
                field=field,
                language=language,
                text=draft.text,
                approved=True,
                seen_updated_at=draft.updated_at,
            )
    logger.info("%d translations into %s of survey %s approved by user %s", len(drafts), language, survey.pk,
                acting_user.pk)  # fmt: skip
    return len(drafts)


# --- invitations ----------------------------------------------------------------------------------


def generate_invitations(*, wave: Wave, unit: Unit, count: int, acting_user, today: date | None = None) -> list[str]:
    """Make `count` single-use codes for `unit` in `wave` and return them, grouped ("ACEF-GHJK-MN").

    This is the only time the codes exist in clear: the database keeps their hashes. Raises
    PermissionDenied unless `acting_user` is a manager of the wave's municipality, RuleViolation for a unit
    outside the wave, a count out of range or a wave that takes no invitations.
    """
    today = today or timezone.localdate()
    if not survey_policy.may_hand_out_invitations(acting_user, wave):
        raise PermissionDenied
    unit_in_wave = survey_policy.visible(acting_user, wave.units.filter(pk=unit.pk)).exists()
    _raise_problems(rules.invitation_problems(wave, count=count, unit_in_wave=unit_in_wave, today=today))

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
class LanguageLink:
    code: str
    name: str  # the language's name in itself ("Polski", "العربية")
    url: str
    bidi: bool  # written right to left


@dataclass(frozen=True)
class InvitationLinks:
    code: str  # grouped
    answer_url: str  # the single-use link, in the letter's language
    entry_url: str  # where to type the code, in the letter's language
    other_languages: tuple[LanguageLink, ...] = ()  # the single-use link in each other interface language
    language: str = SOURCE_LANGUAGE  # the letter's or e-mail's language


def links_for(code: str, *, base_url: str, language: str = SOURCE_LANGUAGE) -> InvitationLinks:
    """The absolute addresses printed in a letter or e-mail in `language` (the relative's, where known): the
    link with the code and the page to type it in that language, and the link in every other configured language,
    each named in its own language. `base_url` is e.g. "https://portal.example.dk"."""
    grouped = codes.grouped(codes.normalize(code) or code)
    base = base_url.rstrip("/")

    def answer_url(in_language: str) -> str:
        with translation.override(in_language):
            return base + reverse("surveys:answer", kwargs={"code": grouped})

    with translation.override(language):
        entry_url = base + reverse("surveys:enter-code")
    others = tuple(
        LanguageLink(lang, languages.own_name(lang), answer_url(lang), get_language_info(lang)["bidi"])
        for lang, _name in settings.LANGUAGES
        if lang != language
    )
    return InvitationLinks(grouped, answer_url(language), entry_url, others, language)


def invite_by_email(
    *, wave: Wave, unit: Unit, addresses: list[str], acting_user, base_url: str, language: str = SOURCE_LANGUAGE
) -> EmailBatch:
    """Order one invitation per address, e-mailed by the task queue; returns the batch whose page shows progress.

    In the request only rows are written (an invitation with an unusable random hash and one e-mail row per
    address); the worker (surveys.tasks.send_invitation_emails) makes each code when it sends it. Raises
    PermissionDenied or RuleViolation like `generate_invitations`.
    """
    today = timezone.localdate()
    if not survey_policy.may_hand_out_invitations(acting_user, wave):
        raise PermissionDenied
    unit_in_wave = survey_policy.visible(acting_user, wave.units.filter(pk=unit.pk)).exists()
    _raise_problems(
        rules.invitation_problems(
            wave,
            count=len(addresses),
            unit_in_wave=unit_in_wave,
            today=today,
            limit=rules.MAX_EMAILED_INVITATIONS,
            field="emails",
        )
    )
    try:
        validate_interface_language(language)
    except ValidationError as error:
        raise RuleViolation({"language": error.messages}) from error
    with transaction.atomic():
        batch = EmailBatch.objects.create(
            wave=wave, unit=unit, created_by=acting_user, base_url=base_url, language=language
        )
        # Placeholders: hashes of codes nobody knows, replaced by the worker when it e-mails a fresh code.
        invitations = Invitation.objects.bulk_create(
            Invitation(wave=wave, unit=unit, code_digest=codes.digest(codes.new_code() + "-unsent"))
            for _address in addresses
        )
        now = timezone.now()
        InvitationEmail.objects.bulk_create(
            InvitationEmail(batch=batch, invitation=invitation, address=address, next_attempt_at=now)
            for invitation, address in zip(invitations, addresses, strict=True)
        )
        transaction.on_commit(partial(_start_sending, batch.pk))
    logger.info("E-mail round %s of %d invitations ordered by user %s", batch.pk, len(addresses), acting_user.pk)
    return batch


def remind_by_email(*, batch: EmailBatch, acting_user) -> EmailBatch:
    """Order one reminder round for an e-mail round: to the invitations of it that were sent and not yet used.

    Each reminder carries a new code that replaces the first one (only hashes are kept, so the first cannot
    be sent again). Raises RuleViolation when the wave takes no more answers, the round is not finished, or
    a reminder round was already ordered; PermissionDenied for anyone but a manager of the wave.
    """
    wave = batch.wave
    if not survey_policy.may_hand_out_invitations(acting_user, wave):
        raise PermissionDenied
    with transaction.atomic():
        # One reminder round at a time, also when two managers press the button at once.
        locked = EmailBatch.objects.select_for_update().get(pk=batch.pk)
        problems = rules.reminder_problems(
            wave,
            is_reminder=locked.kind == EmailBatch.Kind.REMINDERS,
            finished=not locked.emails.filter(status__in=UNFINISHED).exists(),
            already_reminded=locked.reminders.exists(),
            today=timezone.localdate(),
        )
        _raise_problems(problems)
        reminder = EmailBatch.objects.create(
            wave=wave,
            unit=locked.unit,
            kind=EmailBatch.Kind.REMINDERS,
            reminds=locked,
            created_by=acting_user,
            base_url=locked.base_url,
            language=locked.language,
        )
        now = timezone.now()
        rows = locked.emails.filter(status=InvitationEmail.Status.SENT, invitation__used_on__isnull=True).exclude(
            address=""
        )
        InvitationEmail.objects.bulk_create(
            InvitationEmail(batch=reminder, invitation_id=row.invitation_id, address=row.address, next_attempt_at=now)
            for row in rows.only("invitation_id", "address")
        )
        transaction.on_commit(partial(_start_sending, reminder.pk))
    return reminder


UNFINISHED = (InvitationEmail.Status.WAITING, InvitationEmail.Status.SENDING)


def _start_sending(batch_id: int) -> None:
    from .tasks import start_sending  # the tasks module imports this one

    start_sending(batch_id)


def take_failed_addresses(*, batch: EmailBatch) -> list[str]:
    """The addresses that could not be reached, handed out once (for the manager's page) and then blanked.

    Returns [] while the round is still sending, and after the first time.
    """
    with transaction.atomic():
        locked = EmailBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.failures_shown or locked.emails.filter(status__in=UNFINISHED).exists():
            return []
        failed = locked.emails.filter(status=InvitationEmail.Status.FAILED)
        addresses = sorted(failed.exclude(address="").values_list("address", flat=True))
        failed.update(address="")
        locked.failures_shown = True
        locked.save(update_fields=["failures_shown"])
    return addresses


def forget_addresses(*, today: date) -> int:
    """Blank the addresses of e-mail rounds whose wave has closed (the reminder window is over)."""
    return (
        InvitationEmail.objects.filter(batch__wave__closes_on__lt=today)
        .exclude(status__in=UNFINISHED)
        .exclude(address="")
        .update(address="")
    )


def invitation_email(
    *,
    wave: Wave,
    unit: Unit,
    address: str,
    code: str,
    base_url: str,
    reminder: bool = False,
    language: str = SOURCE_LANGUAGE,
) -> EmailMessage:
    """The e-mail with one code, in `language` (the one the manager chose for the round; the survey's texts in
    it where translated, else in Danish), with the link in every other language too."""
    context = {
        "reminder": reminder,
        "wave": wave,
        "survey": wave.survey,
        "municipality": wave.survey.municipality,
        "unit": unit,
        "links": links_for(code, base_url=base_url, language=language),
    }
    with translation.override(language):
        subject = " ".join(render_to_string("surveys/email/invitation_subject.txt", context).split())
        body = render_to_string("surveys/email/invitation.txt", context)
    return EmailMessage(subject=subject, body=body, to=[address])


# --- answers --------------------------------------------------------------------------------------


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


def submit_response(
    *,
    code: str | None = None,
    open_link_key: UUID | str | None = None,
    answers: dict,
    today: date,
    questions: list[Question] | None = None,
    language: str = SOURCE_LANGUAGE,
) -> SurveyResponse:
    """Store one anonymous answer, given either an invitation code or a wave's open-link key.

    `language`: the interface language it was answered in (one of settings.LANGUAGES); the answers are the
    same in every language (a scale's stored value, a choice's Danish text), so results count them together.

    `answers` maps question ids to answers (surveys.rules.read_answers). `questions` are the wave's
    questions in the form's order, when the caller has read them already (selectors.questions_of).
    Raises UnknownCode, CodeAlreadyUsed, SurveyClosed or OpenLinkFull (nothing is stored), or
    RuleViolation keyed by question id for answers that do not fit the questions (the code stays unused).
    """
    if (code is None) == (open_link_key is None):
        raise TypeError("Give either a code or an open link key.")
    try:
        validate_interface_language(language)
    except ValidationError as error:
        raise RuleViolation({None: error.messages}) from error
    if code is not None:
        return _submit_with_code(code, answers, today, questions, language)
    return _submit_through_open_link(open_link_key, answers, today, questions, language)


def _check_open(wave: Wave, today: date) -> None:
    if not wave.is_open_on(today):
        raise SurveyClosed(wave)


def _read(wave: Wave, answers: dict, questions: list[Question] | None) -> list[rules.KeptAnswer]:
    if questions is None:
        questions = selectors.questions_of(wave)
    elif any(question.survey_id != wave.survey_id for question in questions):
        raise ValueError("These are not the questions of the wave's survey.")
    kept, problems = rules.read_answers(questions, answers)
    _raise_problems(problems)
    return kept


def _submit_with_code(
    code: str, answers: dict, today: date, questions: list[Question] | None, language: str
) -> SurveyResponse:
    invitation = selectors.find_invitation(code)
    if invitation is None:
        raise UnknownCode
    wave = invitation.wave
    _check_open(wave, today)
    if invitation.used_on is not None:
        raise CodeAlreadyUsed(wave)
    kept = _read(wave, answers, questions)
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
        return _store(
            wave=wave, unit_id=invitation.unit_id, kept=kept, today=today, via_open_link=False, language=language
        )


def _submit_through_open_link(
    key: UUID | str, answers: dict, today: date, questions: list[Question] | None, language: str
) -> SurveyResponse:
    wave = selectors.open_link_wave(key)
    if wave is None:
        raise UnknownCode
    _check_open(wave, today)
    kept = _read(wave, answers, questions)
    with transaction.atomic():
        # The wave's row lock queues parallel open-link answers, so the count below is never stale.
        locked = Wave.objects.select_for_update().get(pk=wave.pk)
        if locked.open_link_key != wave.open_link_key:
            raise UnknownCode
        _check_open(locked, today)
        if selectors.open_link_full(locked):
            raise OpenLinkFull(locked)
        return _store(wave=locked, unit_id=None, kept=kept, today=today, via_open_link=True, language=language)


def _store(*, wave: Wave, unit_id: int | None, kept, today: date, via_open_link: bool, language: str) -> SurveyResponse:
    response = SurveyResponse.objects.create(
        wave=wave, unit_id=unit_id, submitted_on=today, via_open_link=via_open_link, language=language
    )
    # Free text is masked before it is stored: a CPR number or an e-mail address is never saved.
    Answer.objects.bulk_create(
        Answer(response=response, question=question, value=value, text=rules.mask_personal_data(text))
        for question, value, text in kept
    )
    return response


# --- action plans -----------------------------------------------------------------------------------
# A manager writes their municipality's plans; a plan for another municipality's unit is refused.


def _municipality_of(acting_user) -> int:
    if acting_user.municipality_id is None:
        raise PermissionDenied
    return acting_user.municipality_id


def create_action_plan(
    *, acting_user, unit: Unit | None = None, area: str = "", year: int, title: str, theme=None, today: date
) -> ActionPlan:
    """A new plan for one unit or one area of the acting manager's municipality."""
    municipality_id = _municipality_of(acting_user)
    _raise_problems(
        rules.action_plan_problems(
            municipality_id=municipality_id, unit=unit, area=area, year=year, theme=theme, today=today
        )
    )
    plan = ActionPlan(municipality_id=municipality_id, unit=unit, area=area, year=year, title=title, theme=theme)
    _validate(plan, None, ())
    with transaction.atomic():
        plan.save()
    return plan


def save_action(
    *,
    acting_user,
    plan: ActionPlan,
    action: Action | None = None,
    version: int | None = None,
    title: str,
    owner=None,
    owner_name: str = "",
    starts_on: date,
    deadline: date,
    status: str = Action.Status.PLANNED,
    note: str = "",
    indicators: Iterable[Indicator] = (),
) -> Action:
    """Add an action to `plan`, or change `action` as it was at `version`; StaleVersion (nothing saved) when
    someone else saved it in between."""
    municipality_id = _municipality_of(acting_user)
    if plan.municipality_id != municipality_id or (action is not None and action.plan_id != plan.pk):
        raise PermissionDenied
    indicators = list(indicators)
    _raise_problems(
        rules.action_problems(
            municipality_id=municipality_id, starts_on=starts_on, deadline=deadline, owner=owner,
            owner_name=owner_name, indicators=indicators,
        )
    )  # fmt: skip
    fields = {"title": title, "owner": owner, "owner_name": owner_name.strip(), "starts_on": starts_on,
              "deadline": deadline, "status": status, "note": note}  # fmt: skip
    candidate = Action(plan=plan, **fields)
    _validate(candidate, None, ())
    with transaction.atomic():
        if action is None:
            candidate.save()
            saved = candidate
        else:
            changed = Action.objects.filter(pk=action.pk, version=version).update(
                **fields, version=models.F("version") + 1
            )
            if changed != 1:
                raise StaleVersion
            saved = Action.objects.get(pk=action.pk)
        saved.indicators.set(indicators)
    return saved


# --- the yearly follow-up report ----------------------------------------------------------------------


def save_yearly_report(
    *, acting_user, year: int, summary: str, is_published: bool, version: int | None, today: date
) -> YearlyReport:
    """Save the report's summary (and whether it is published) as it was at `version` (None: not saved yet);
    StaleVersion, nothing saved, when someone else saved it in between."""
    municipality_id = _municipality_of(acting_user)
    _raise_problems(rules.report_year_problems(year, today=today))
    fields = {"summary": summary.strip(), "is_published": is_published}
    with transaction.atomic():
        mark_content_changed(pk=municipality_id)  # the public pages link to a published report
        if version is None:
            report, created = YearlyReport.objects.get_or_create(
                municipality_id=municipality_id, year=year, defaults=fields
            )
            if not created:
                raise StaleVersion
            return report
        changed = YearlyReport.objects.filter(municipality_id=municipality_id, year=year, version=version).update(
            **fields, version=models.F("version") + 1
        )
        if changed != 1:
            raise StaleVersion
        return YearlyReport.objects.get(municipality_id=municipality_id, year=year)
