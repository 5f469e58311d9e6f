"""Every write to a citizen's consent data, each in one transaction with its audit event: the one place
that validates what is written.

Each public function is keyword-only and takes the acting user, who is recorded; the audit event
carries ids, never names or CPR numbers. A function checks the rules of consent.rules, writes in
transaction.atomic (or in one INSERT, which is a transaction by itself), and lets the database's
constraints refuse what slipped past. It raises the typed exceptions of portal.errors:

- `RuleViolation` ({field: [messages]}): the input breaks a rule; nothing was saved.
- `DuplicateCitizen`: a citizen with this CPR number is registered in the municipality already.
- `StaleVersion`: someone else replaced the consent version, followed up on the agreement, or
  corrected the record (`StaleCorrection`, with their corrections) after this user opened it; nothing
  was saved.
"""

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import DuplicateError, RuleViolation, StaleVersion
from portal.models import Unit

from . import rules
from .access import policy
from .cpr import cpr_digest, parse_cpr
from .models import (
    Agreement,
    AuditEvent,
    BreakGlass,
    Citizen,
    Consent,
    Correction,
    Dialogue,
    FollowUp,
    HelpChange,
    RecordRetention,
    Relative,
    RelativeTold,
)

MAX_SEARCH_RESULTS = 25


class DuplicateCitizen(DuplicateError):
    """A citizen with this CPR number is registered in the municipality already."""

    field = "cpr"


def _audit_event(event: str, *, actor, citizen: Citizen | None, **ids) -> AuditEvent:
    """An unsaved audit event: who did what to which citizen's data, with the ids concerned and nothing personal."""
    return AuditEvent(
        municipality_id=citizen.municipality_id if citizen else actor.municipality_id,
        actor=actor,
        citizen=citizen,
        event=event,
        payload=ids,
    )


def log(event: str, *, actor, citizen: Citizen | None, **ids) -> AuditEvent:
    entry = _audit_event(event, actor=actor, citizen=citizen, **ids)
    entry.save()
    return entry


def _refuse(errors: dict) -> None:
    """Raise RuleViolation when a rule found something."""
    if errors:
        raise RuleViolation(errors)


CLOSED = _("The citizen's course is closed, so the record can no longer be changed.")


def _refuse_if_closed(citizen_id: int) -> None:
    """Every write about a citizen asks this first: a closed course is read-only (one query, the row as it is now)."""
    if Citizen.objects.filter(pk=citizen_id, closed_on__isnull=False).exists():
        raise RuleViolation({None: [CLOSED]})


@contextmanager
def _refused_by_database(exception: type[Exception], *, because: Callable[[], bool]) -> Iterator[None]:
    """Turn the database's refusal of a transaction inside this block (an IntegrityError, the transaction
    rolled back) into `exception` when `because()` says it was that constraint."""
    try:
        yield
    except IntegrityError as error:
        if because():
            raise exception from error
        raise


def _parsed_cpr(cpr: str, *, field: str) -> tuple[str, date]:
    try:
        return parse_cpr(cpr)
    except ValidationError as error:
        raise RuleViolation({field: error.error_list}) from error


# --- Citizens ---------------------------------------------------------------------------------------


def register_citizen(*, municipality, name: str, cpr: str, units: list[Unit], acting_user) -> Citizen:
    digits, born = _parsed_cpr(cpr, field="cpr")
    allowed = policy.units_for_registration(acting_user).filter(pk__in=[unit.pk for unit in units])
    if set(units) - set(allowed):
        raise RuleViolation({"units": _("Choose among your own units.")})
    digest = cpr_digest(digits)
    with (
        _refused_by_database(
            DuplicateCitizen,
            because=lambda: Citizen.objects.filter(municipality=municipality, cpr_digest=digest).exists(),
        ),
        transaction.atomic(),
    ):
        citizen = Citizen.objects.create(
            municipality=municipality,
            name=name,
            cpr_digest=digest,
            cpr_birth_part=digits[:6],
            birth_date=born,
            created_by=acting_user,
        )
        citizen.units.set(units)
        log(AuditEvent.Event.CITIZEN_REGISTERED, actor=acting_user, citizen=citizen, citizen_id=citizen.pk)
    return citizen


def record_view(*, citizen: Citizen, acting_user, event=AuditEvent.Event.CITIZEN_VIEWED) -> None:
    log(event, actor=acting_user, citizen=citizen, citizen_id=citizen.pk)


@dataclass(frozen=True)
class SearchResult:
    citizens: list[Citizen]
    too_many: bool  # more matched than are shown
    by_cpr: bool


def search_citizens(*, query: str, acting_user) -> SearchResult:
    """The citizens `acting_user` may open (or open by stating a reason: policy.findable) that match `query`:
    by CPR number exactly one, by name up to
    MAX_SEARCH_RESULTS. Each citizen shown is logged as found (one INSERT for all of them)."""
    visible = policy.findable(acting_user).prefetch_related("units")
    by_cpr = rules.searches_by_cpr(query)
    if by_cpr:
        digits, _born = _parsed_cpr(query, field="query")
        found = list(visible.filter(cpr_digest=cpr_digest(digits))[:1])
    else:
        _refuse(rules.validate_name_search(query))
        found = list(visible.filter(name__icontains=query)[: MAX_SEARCH_RESULTS + 1])
    shown = found[:MAX_SEARCH_RESULTS]
    AuditEvent.objects.bulk_create(
        _audit_event(AuditEvent.Event.CITIZEN_FOUND, actor=acting_user, citizen=citizen, citizen_id=citizen.pk)
        for citizen in shown
    )
    return SearchResult(shown, too_many=len(found) > MAX_SEARCH_RESULTS, by_cpr=by_cpr)


# --- Relatives and dialogues -----------------------------------------------------------------------


@transaction.atomic
def add_relative(*, citizen: Citizen, relative: Relative, acting_user) -> Relative:
    _refuse_if_closed(citizen.pk)
    relative.citizen = citizen
    relative.save()
    log(AuditEvent.Event.RELATIVE_ADDED, actor=acting_user, citizen=citizen, relative_id=relative.pk)
    return relative


@transaction.atomic
def record_dialogue(*, citizen: Citizen, dialogue: Dialogue, acting_user) -> Dialogue:
    _refuse_if_closed(citizen.pk)
    dialogue.citizen = citizen
    dialogue.recorded_by = acting_user
    _refuse(rules.validate_dialogue(dialogue))
    dialogue.save()
    log(AuditEvent.Event.DIALOGUE_RECORDED, actor=acting_user, citizen=citizen, dialogue_id=dialogue.pk)
    return dialogue


# --- Consents ---------------------------------------------------------------------------------------


def check_consent(*, consent: Consent, supersedes: Consent | None = None) -> None:
    """Raise RuleViolation when `consent` (to be saved, replacing `supersedes` if given) breaks a rule.

    Writes nothing and fills in what record_consent fills in (the relative of a new version, the
    default end of a permission: one year after it was given, sundhedsloven § 44). A form with errors of
    its own asks it too, so that one round shows every message; a consent with only some fields set is
    checked as far as it goes.
    """
    if supersedes is not None:
        consent.citizen_id, consent.relative = supersedes.citizen_id, supersedes.relative
    if consent.decision == Consent.Decision.PERMIT and consent.given_on and not consent.valid_until:
        consent.valid_until = rules.default_valid_until(consent.given_on)
    _refuse(rules.validate_consent(consent))


def record_consent(*, consent: Consent, acting_user, supersedes: Consent | None = None) -> Consent:
    """Save a new consent version. With `supersedes`, it replaces that version (a change or a revocation)."""
    check_consent(consent=consent, supersedes=supersedes)
    _refuse_if_closed(consent.citizen_id)
    consent.recorded_by = acting_user
    consent.supersedes = supersedes
    if supersedes is None:
        event = AuditEvent.Event.CONSENT_RECORDED
    elif consent.decision == Consent.Decision.REVOKED:
        event = AuditEvent.Event.CONSENT_REVOKED
    else:
        event = AuditEvent.Event.CONSENT_CHANGED
    with (
        _refused_by_database(
            StaleVersion,
            because=lambda: supersedes is not None and Consent.objects.filter(supersedes=supersedes).exists(),
        ),
        transaction.atomic(),
    ):
        # The relative as they are now, locked: a correction of their age saved at the same moment waits for
        # this consent, or this consent sees the correction (correct_record locks the same row).
        consent.relative = Relative.objects.select_for_update().get(pk=consent.relative_id)
        _refuse(rules.validate_consent(consent))
        consent.save()
        log(
            event,
            actor=acting_user,
            citizen=consent.citizen,
            consent_id=consent.pk,
            supersedes_id=supersedes.pk if supersedes else None,
            relative_id=consent.relative_id,
        )
    return consent


def revoke_consent(
    *,
    consent: Consent,
    reason: str,
    form: str,
    acting_user,
    on: date | None = None,
    revoked_by: str = Consent.Grantor.CITIZEN,
    document: str = "",
) -> Consent:
    """Revocation is one step and takes effect at once; what was lawfully told before stays lawful.

    `revoked_by` is who revoked it: the citizen, or the guardian or lasting power of attorney (with the
    reference of their appointment, `document`), kept as the revocation's grantor.
    """
    _refuse(rules.validate_revocation(consent))
    today = on or timezone.localdate()
    revocation = Consent(
        decision=Consent.Decision.REVOKED,
        categories=consent.categories,
        form=form,
        reason=reason,
        grantor=revoked_by,
        grantor_document=document,
        given_on=today,
        valid_from=today,
        valid_until=None,
    )
    return record_consent(consent=revocation, acting_user=acting_user, supersedes=consent)


@transaction.atomic
def check_disclosure(*, citizen: Citizen, relative: Relative, category: str, acting_user, on: date | None = None):
    day = on or timezone.localdate()
    answer = rules.may_disclose(
        relative=relative, category=category, on=day, consents=Consent.objects.filter(relative=relative)
    )
    log(
        AuditEvent.Event.DISCLOSURE_CHECKED,
        actor=acting_user,
        citizen=citizen,
        relative_id=relative.pk,
        category=category,
        answer=answer.code,
        consent_id=answer.consent.pk if answer.consent else None,
    )
    return answer


# --- When the help changes: who may be told, and who was ---------------------------------------------


@transaction.atomic
def record_help_change(*, citizen: Citizen, help_change: HelpChange, acting_user) -> HelpChange:
    """Record a change in the citizen's help; its kind of information follows from what changed
    (consent.rules.category_of_change)."""
    _refuse_if_closed(citizen.pk)
    help_change.citizen = citizen
    help_change.recorded_by = acting_user
    help_change.summary = (help_change.summary or "").strip()
    _refuse(rules.validate_help_change(help_change))
    help_change.category = rules.category_of_change(help_change.kind)
    help_change.save()
    log(
        AuditEvent.Event.HELP_CHANGE_RECORDED,
        actor=acting_user,
        citizen=citizen,
        help_change_id=help_change.pk,
        kind=help_change.kind,
        category=help_change.category,
    )
    return help_change


@transaction.atomic
def check_help_change(*, help_change: HelpChange, acting_user, on: date | None = None):
    """Who may be told about the change today, and who may not (with why): "Må jeg oplyse?" for every relative,
    logged with the ids and the answers, like the question itself (check_disclosure)."""
    day = on or timezone.localdate()
    citizen = help_change.citizen
    may, may_not = rules.help_change_recipients(
        citizen.relatives.all(), Consent.objects.filter(citizen=citizen), help_change.category, day
    )
    log(
        AuditEvent.Event.HELP_CHANGE_CHECKED,
        actor=acting_user,
        citizen=citizen,
        help_change_id=help_change.pk,
        may_tell=[recipient.relative.pk for recipient in may],
        may_not_tell={str(recipient.relative.pk): recipient.code for recipient in may_not},
    )
    return may, may_not


def record_relative_told(
    *, help_change: HelpChange, relative_id: int, how: str, told_on: date | None, message: str, acting_user
) -> RelativeTold:
    """Record that a relative was told about the change: refused (RuleViolation, nothing saved) unless
    "Må jeg oplyse?" said yes for the day told and staff may contact them (consent.rules.may_tell_about_change).

    The citizen's row is locked first, as closing the course locks it: a course closed meanwhile refuses the
    telling. Each telling is a row of its own, so two caseworkers recording at once both keep theirs.
    """
    message = (message or "").strip()
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=help_change.citizen_id)
        if citizen.is_closed:
            raise RuleViolation({None: [CLOSED]})
        relative = Relative.objects.filter(pk=relative_id, citizen=citizen).first()
        if relative is None:
            raise RuleViolation({None: [_("Choose one of this citizen's relatives.")]})
        _refuse(rules.validate_told(how=how, told_on=told_on, message=message, today=timezone.localdate()))
        recipient = rules.may_tell_about_change(
            relative=relative,
            category=help_change.category,
            on=told_on,
            consents=Consent.objects.filter(relative=relative),
        )
        if not recipient.may_tell:
            raise RuleViolation({None: [recipient.reason]})
        told = RelativeTold.objects.create(
            help_change=help_change,
            relative=relative,
            consent=recipient.consent,
            how=how,
            told_on=told_on,
            message=message,
            recorded_by=acting_user,
        )
        log(
            AuditEvent.Event.RELATIVE_TOLD,
            actor=acting_user,
            citizen=citizen,
            help_change_id=help_change.pk,
            relative_told_id=told.pk,
            relative_id=relative.pk,
            consent_id=recipient.consent.pk,
            how=how,
        )
    return told


# --- Agreements and follow-up -----------------------------------------------------------------------


@transaction.atomic
def record_agreement(*, citizen: Citizen, agreement: Agreement, acting_user) -> Agreement:
    _refuse_if_closed(citizen.pk)
    agreement.citizen = citizen
    agreement.created_by = acting_user
    agreement.owner = agreement.owner or acting_user
    _refuse(rules.validate_agreement(agreement))
    agreement.save()
    log(AuditEvent.Event.AGREEMENT_RECORDED, actor=acting_user, citizen=citizen, agreement_id=agreement.pk)
    return agreement


UNCHECKED = object()


@transaction.atomic
def reassign_agreement(*, agreement: Agreement, owner, acting_user, seen_owner_id=UNCHECKED) -> Agreement:
    """Make `owner` the caseworker reminded of the agreement's follow-ups (one of `policy.caseworkers_of` the
    citizen; otherwise RuleViolation at the field "owner"). `seen_owner_id` is the responsible caseworker the
    user saw (None: nobody): when someone else gave the agreement to another meanwhile, StaleVersion and
    nothing is saved (one conditional UPDATE, so of two people saving at once the second is told)."""
    citizen = agreement.citizen
    if not policy.visible(acting_user, Citizen).filter(pk=citizen.pk).exists():
        raise PermissionDenied
    _refuse_if_closed(citizen.pk)
    if owner is None or not policy.caseworkers_of(citizen).filter(pk=owner.pk).exists():
        _refuse({"owner": [_("Choose a caseworker of the citizen's units.")]})
    if agreement.ended_on is not None:
        _refuse({None: [_("The agreement has ended: there are no more follow-ups to be reminded of.")]})
    current = Agreement.objects.filter(pk=agreement.pk)
    if seen_owner_id is not UNCHECKED:
        current = current.filter(owner_id=seen_owner_id)
        if seen_owner_id == owner.pk:
            _refuse({"owner": [_("%(name)s is already responsible for the agreement.") % {"name": owner.display_name}]})
    if not current.update(owner=owner):
        raise StaleVersion
    agreement.owner = owner
    log(
        AuditEvent.Event.AGREEMENT_REASSIGNED,
        actor=acting_user,
        citizen=citizen,
        agreement_id=agreement.pk,
        owner_id=owner.pk,
    )
    return agreement


@transaction.atomic
def record_follow_up(*, agreement: Agreement, follow_up: FollowUp, loaded_version: int, acting_user) -> FollowUp:
    """Record a follow-up and move the agreement's next date; StaleVersion if someone else just did."""
    _refuse_if_closed(agreement.citizen_id)
    follow_up.agreement = agreement
    follow_up.recorded_by = acting_user
    _refuse(rules.validate_follow_up(follow_up))
    changes = {"version": loaded_version + 1}
    if follow_up.outcome == FollowUp.Outcome.END:
        changes["ended_on"] = follow_up.held_on
    else:
        changes["next_follow_up"] = follow_up.next_date
    if not Agreement.objects.filter(pk=agreement.pk, version=loaded_version).update(**changes):
        raise StaleVersion
    follow_up.save()
    log(
        AuditEvent.Event.FOLLOW_UP_RECORDED,
        actor=acting_user,
        citizen=agreement.citizen,
        agreement_id=agreement.pk,
        follow_up_id=follow_up.pk,
    )
    return follow_up


# --- Corrections ------------------------------------------------------------------------------------

# What can be corrected, per kind of record: the fields a caseworker may correct.
CORRECTABLE = {
    Citizen: (Correction.Record.CITIZEN, ("name",)),
    Relative: (Correction.Record.RELATIVE, ("name", "relation", "kind", "phone", "email", "is_minor")),
    Dialogue: (
        Correction.Record.DIALOGUE,
        (
            "held_on",
            "involvement",
            "ask_again_on",
            "how_involved",
            "citizen_expectations",
            "relatives_expectations",
            "staff_offer",
        ),
    ),
    Agreement: (Correction.Record.AGREEMENT, ("description", "responsible", "relative", "follow_up_every_days")),
}


def _shown(record, name: str) -> str:
    """A field's value as a person reads it, for the history."""
    value = getattr(record, name)
    display = getattr(record, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if value is None:
        return ""
    return str(getattr(value, "name", value))


class StaleCorrection(StaleVersion):
    """Someone else corrected the record after this user opened the form; nothing was saved.

    `corrections` are theirs (the newest last), `seen` the token to save again with after reading them."""

    def __init__(self, corrections: list[Correction], seen: int):
        super().__init__()
        self.corrections = corrections
        self.seen = seen


def correction_token(record) -> int:
    """What a correction form carries to tell, when it is saved, whether someone else corrected the record in
    between: the id of the record's latest correction (0 for none). Every change of a correctable field is a
    correction (consent.services.correct_record), so a newer correction is exactly "someone else changed it"."""
    kind, _fields = CORRECTABLE[type(record)]
    latest = Correction.objects.filter(record=kind, record_id=record.pk).order_by("-pk").values_list("pk", flat=True)
    return latest.first() or 0


def correct_record(
    *, record, changes: dict, reason: str, acting_user, units: list[Unit] | None = None, seen: int | None = None
) -> list[Correction]:
    """Correct a relative, a dialogue, an agreement or a citizen (name, and `units`: a move to other units).

    Each changed field is written with a Correction row that keeps the earlier value, the new one, who,
    when and why; one audit event names the record. Refused (nothing saved) when nothing changed, no
    reason is given, the citizen's course is closed, or the corrected record breaks a rule — also a rule
    of a consent about the record (a relative with a permission in force cannot become under 18).

    `seen` is the `correction_token` of the record as the user saw it: when someone else corrected it since,
    StaleCorrection (with their corrections) and nothing is saved. The record's row is locked for the check
    and the write, so of two people saving at once the second waits, then is told.
    """
    kind, fields = CORRECTABLE[type(record)]
    citizen = record if isinstance(record, Citizen) else record.citizen
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValueError(f"{sorted(unknown)} cannot be corrected on {kind}")
    with transaction.atomic():
        _refuse_if_closed(citizen.pk)
        # The row as it is now, locked: what the earlier values are, and what is written back (only the
        # corrected fields are written, so a follow-up or reassignment saved meanwhile is kept).
        current = type(record).objects.select_for_update().get(pk=record.pk)
        if seen is not None:
            newer = list(
                Correction.objects.filter(record=kind, record_id=record.pk, pk__gt=seen)
                .select_related("corrected_by")
                .order_by("pk")
            )
            if newer:
                raise StaleCorrection(newer, seen=newer[-1].pk)
        corrections = _apply_changes(current, changes)
        new_units = None
        if units is not None:
            new_units, moved = _move_to_units(citizen, units, acting_user)
            corrections += moved
        _refuse(rules.validate_correction(corrections, reason))
        _refuse(_rules_for(current))
        changed = [name for name, _old, _new in corrections if name != "units"]
        if changed:
            current.save(update_fields=changed)
        if new_units is not None:
            citizen.units.set(new_units)
        rows = Correction.objects.bulk_create(
            Correction(
                citizen=citizen,
                record=kind,
                record_id=record.pk,
                field=name,
                field_label=_label(record, name),
                old_value=old,
                new_value=new,
                reason=reason,
                corrected_by=acting_user,
            )
            for name, old, new in corrections
        )
        log(
            AuditEvent.Event.RECORD_CORRECTED,
            actor=acting_user,
            citizen=citizen,
            record=kind,
            record_id=record.pk,
            fields=[name for name, _old, _new in corrections],
        )
    for name in changed:
        setattr(record, name, getattr(current, name))
    return rows


def _apply_changes(current, changes: dict) -> list[tuple[str, str, str]]:
    """Set `changes` on the record; [(field, earlier value, new value)] of the fields that really changed."""
    corrections = []
    for name, value in changes.items():
        old, before = _shown(current, name), getattr(current, name)
        setattr(current, name, value)
        if before != getattr(current, name):
            corrections.append((name, old, _shown(current, name)))
    return corrections


def _move_to_units(citizen: Citizen, units: list[Unit], acting_user) -> tuple[list[Unit], list[tuple[str, str, str]]]:
    """The citizen's new units (sorted) and the correction of them, if they changed; RuleViolation for none, or for
    a unit the user may not register citizens in (other than those the citizen has)."""
    old_units = sorted(citizen.units.all(), key=lambda unit: unit.name)
    allowed = set(policy.units_for_registration(acting_user)) | set(old_units)
    if not units:
        raise RuleViolation({"units": [_("Choose at least one unit.")]})
    if set(units) - allowed:
        raise RuleViolation({"units": [_("Choose among your own units.")]})
    new_units = sorted(units, key=lambda unit: unit.name)
    if [unit.pk for unit in old_units] == [unit.pk for unit in new_units]:
        return new_units, []
    return new_units, [("units", ", ".join(u.name for u in old_units), ", ".join(u.name for u in new_units))]


def _label(record, name: str) -> str:
    if name == "units":
        return str(_("units"))
    return str(type(record)._meta.get_field(name).verbose_name)


def _rules_for(record) -> dict:
    if isinstance(record, Relative):
        return rules.validate_relative_correction(record, Consent.objects.filter(relative=record), timezone.localdate())
    if isinstance(record, Dialogue):
        return rules.validate_dialogue(record)
    if isinstance(record, Agreement):
        return rules.validate_agreement(record)
    if isinstance(record, Citizen) and not record.name.strip():
        return {"name": [_("Write the citizen's name.")]}
    return {}


# --- Closing a course, and the retention period -----------------------------------------------------


@transaction.atomic
def close_course(*, citizen: Citizen, closed_on: date | None, because: str, acting_user) -> Citizen:
    """Close the citizen's course (moved away, died, no longer receives help): from now on the record is read-only,
    and after the municipality's retention period its personal data is erased (consent.retention)."""
    current = Citizen.objects.select_for_update().get(pk=citizen.pk)
    _refuse(rules.validate_closing(citizen=current, closed_on=closed_on, because=because, today=timezone.localdate()))
    Citizen.objects.filter(pk=citizen.pk).update(closed_on=closed_on, closed_because=because, closed_by=acting_user)
    citizen.closed_on, citizen.closed_because, citizen.closed_by = closed_on, because, acting_user
    log(AuditEvent.Event.CITIZEN_CLOSED, actor=acting_user, citizen=citizen, citizen_id=citizen.pk, because=because)
    return citizen


@transaction.atomic
def set_retention(*, municipality, years, acting_user) -> RecordRetention:
    """The municipality's retention period for closed records, in whole years (at least 1)."""
    _refuse(rules.validate_retention_years(years))
    retention, _created = RecordRetention.objects.update_or_create(
        municipality=municipality, defaults={"years": years, "changed_by": acting_user}
    )
    log(AuditEvent.Event.RETENTION_SET, actor=acting_user, citizen=None, years=years)
    return retention


# --- Break the glass, access requests, exports, log checks --------------------------------------------


@transaction.atomic
def break_glass(*, citizen: Citizen, reason: str, acting_user) -> BreakGlass:
    """An administrator states why they open a citizen outside their own units; this opens the citizen to them
    for consent.access.BREAK_GLASS_HOURS, and the log checks flag it."""
    if not policy.behind_glass(acting_user, Citizen).filter(pk=citizen.pk).exists():
        raise RuleViolation({None: [_("You cannot open this citizen by stating a reason.")]})
    _refuse(rules.validate_break_glass_reason(reason))
    opened = BreakGlass.objects.create(
        municipality_id=citizen.municipality_id, actor=acting_user, citizen=citizen, reason=reason.strip()
    )
    log(AuditEvent.Event.BREAK_GLASS, actor=acting_user, citizen=citizen, break_glass_id=opened.pk)
    return opened


def record_access_request(*, citizen: Citizen, document_format: str, acting_user) -> AuditEvent:
    """Log that the citizen's access request was made, in which format ("html", "pdf", "json")."""
    return log(
        AuditEvent.Event.ACCESS_REQUEST_MADE,
        actor=acting_user,
        citizen=citizen,
        citizen_id=citizen.pk,
        format=document_format,
    )


def export_fhir(*, citizen: Citizen, cpr: str, acting_user, on: date | None = None) -> dict:
    """The citizen's consents as FHIR, identified by the CPR number the caseworker typed.

    The number must be the citizen's (it is checked against the stored hash); it is put in the bundle
    and nowhere else: not stored, not logged.
    """
    digits, _born = _parsed_cpr(cpr, field="cpr")
    if not hmac.compare_digest(cpr_digest(digits), citizen.cpr_digest):
        raise RuleViolation({"cpr": [_("This CPR number is not the citizen's. Check the number and try again.")]})
    from . import fhir  # fhir.resources and pydantic load slowly: only when a bundle is made

    bundle = fhir.consents_bundle(citizen, cpr=digits, on=on)
    record_view(citizen=citizen, acting_user=acting_user, event=AuditEvent.Event.FHIR_EXPORTED)
    return bundle


def record_log_check(*, acting_user, exported: str = "", **filters) -> None:
    """Log that the log checks were read (or exported as `exported`), with the filters' ids and dates."""
    event = AuditEvent.Event.LOG_EXPORTED if exported else AuditEvent.Event.LOG_CHECKED
    ids = {name: value for name, value in filters.items() if value not in (None, "", False)}
    if exported:
        ids["format"] = exported
    log(event, actor=acting_user, citizen=None, **ids)
