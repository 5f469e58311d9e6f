"""Every write to a citizen's consent data, each in one transaction with its audit event.

Views stay thin: form → one of these functions → redirect. Each function is keyword-only and takes
the acting user, who is recorded; the audit event carries ids, never names or CPR numbers.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Unit

from . import rules
from .cpr import cpr_digest, parse_cpr
from .models import Agreement, AuditEvent, Citizen, Consent, Dialogue, FollowUp, Relative


class StaleVersion(Exception):
    """Someone else changed the record after this user opened it; nothing was saved."""


def log(event: str, *, actor, citizen: Citizen | None, **ids) -> AuditEvent:
    return AuditEvent.objects.create(
        municipality_id=citizen.municipality_id if citizen else actor.municipality_id,
        actor=actor,
        citizen=citizen,
        event=event,
        payload=ids,
    )


def find_by_cpr(*, municipality, cpr: str, citizens) -> Citizen | None:
    digits, _born = parse_cpr(cpr)
    return citizens.filter(municipality=municipality, cpr_digest=cpr_digest(digits)).first()


@transaction.atomic
def register_citizen(*, municipality, name: str, cpr: str, units: list[Unit], acting_user) -> Citizen:
    digits, born = parse_cpr(cpr)
    if Citizen.objects.filter(municipality=municipality, cpr_digest=cpr_digest(digits)).exists():
        raise ValidationError({"cpr": "duplicate"}, code="duplicate")
    citizen = Citizen.objects.create(
        municipality=municipality,
        name=name,
        cpr_digest=cpr_digest(digits),
        cpr_birth_part=digits[:6],
        birth_date=born,
        created_by=acting_user,
    )
    citizen.units.set(units)
    log(AuditEvent.Event.CITIZEN_REGISTERED, actor=acting_user, citizen=citizen, citizen_id=citizen.pk)
    return citizen


def record_view(*, citizen: Citizen, acting_user, event=AuditEvent.Event.CITIZEN_VIEWED) -> None:
    log(event, actor=acting_user, citizen=citizen, citizen_id=citizen.pk)


@transaction.atomic
def add_relative(*, citizen: Citizen, relative: Relative, acting_user) -> Relative:
    relative.citizen = citizen
    relative.full_clean()
    relative.save()
    log(AuditEvent.Event.RELATIVE_ADDED, actor=acting_user, citizen=citizen, relative_id=relative.pk)
    return relative


@transaction.atomic
def record_dialogue(*, citizen: Citizen, dialogue: Dialogue, acting_user) -> Dialogue:
    dialogue.citizen = citizen
    dialogue.recorded_by = acting_user
    dialogue.full_clean()
    dialogue.save()
    log(AuditEvent.Event.DIALOGUE_RECORDED, actor=acting_user, citizen=citizen, dialogue_id=dialogue.pk)
    return dialogue


def record_consent(*, consent: Consent, acting_user, supersedes: Consent | None = None) -> Consent:
    """Save a new consent version. With `supersedes`, it replaces that version (a change or a revocation).

    Raises ValidationError for a consent the rules refuse, and StaleVersion when `supersedes` was
    already replaced by someone else (the database refuses a second replacement).
    """
    consent.recorded_by = acting_user
    consent.supersedes = supersedes
    if supersedes is not None:
        consent.citizen_id, consent.relative_id = supersedes.citizen_id, supersedes.relative_id
    if consent.decision == Consent.Decision.PERMIT and consent.valid_from and not consent.valid_until:
        consent.valid_until = rules.default_valid_until(consent.valid_from)
    errors = rules.validate_consent(consent)
    if errors:
        raise ValidationError(errors)
    consent.full_clean(exclude=["supersedes"])
    if consent.relative.citizen_id != consent.citizen_id:
        raise ValidationError({"relative": "The relative belongs to another citizen."})
    event = (
        AuditEvent.Event.CONSENT_RECORDED
        if supersedes is None
        else AuditEvent.Event.CONSENT_REVOKED
        if consent.decision == Consent.Decision.REVOKED
        else AuditEvent.Event.CONSENT_CHANGED
    )
    try:
        with transaction.atomic():
            consent.save()
            log(
                event,
                actor=acting_user,
                citizen=consent.citizen,
                consent_id=consent.pk,
                supersedes_id=supersedes.pk if supersedes else None,
                relative_id=consent.relative_id,
            )
    except IntegrityError as error:
        if supersedes is not None and Consent.objects.filter(supersedes=supersedes).exists():
            raise StaleVersion from error
        raise
    return consent


def revoke_consent(*, consent: Consent, reason: str, form: str, acting_user, on: date | None = None) -> Consent:
    """Revocation is one step and takes effect at once; what was lawfully told before stays lawful."""
    today = on or timezone.localdate()
    revocation = Consent(
        citizen_id=consent.citizen_id,
        relative_id=consent.relative_id,
        decision=Consent.Decision.REVOKED,
        categories=consent.categories,
        form=form,
        reason=reason,
        grantor=Consent.Grantor.CITIZEN,
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


@transaction.atomic
def record_agreement(*, citizen: Citizen, agreement: Agreement, acting_user) -> Agreement:
    agreement.citizen = citizen
    agreement.created_by = acting_user
    agreement.full_clean()
    agreement.save()
    log(AuditEvent.Event.AGREEMENT_RECORDED, actor=acting_user, citizen=citizen, agreement_id=agreement.pk)
    return agreement


@transaction.atomic
def record_follow_up(*, agreement: Agreement, follow_up: FollowUp, loaded_version: int, acting_user) -> FollowUp:
    """Record a follow-up and move the agreement's next date; StaleVersion if someone else just did."""
    follow_up.agreement = agreement
    follow_up.recorded_by = acting_user
    follow_up.full_clean()
    changes = {"version": loaded_version + 1}
    if follow_up.outcome == FollowUp.Outcome.END:
        changes["ended_on"] = follow_up.held_on
    else:
        changes["next_follow_up"] = follow_up.next_date
    updated = Agreement.objects.filter(pk=agreement.pk, version=loaded_version).update(**changes)
    if not updated:
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
