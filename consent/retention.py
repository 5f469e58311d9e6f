"""Erasure of closed citizens' records after the retention period: a plain function, run daily.

When a citizen's course has been closed (consent.services.close_course) for the municipality's
retention period (`RecordRetention`, else `settings.CONSENT_RETENTION_YEARS`, default 10 years —
see README "Retention"), `erase_expired_records()` erases the personal data: the citizen's name, CPR
hash and birth date; the relatives' names, relations and contact details; every free text of the
dialogues, consents, agreements and follow-ups; the corrections' earlier and new values and reasons; what
the relatives were to be told about a change in the help, and what each was told; the reasons administrators
stated to open the citizen outside their units (break the glass).
What stays is anonymous: the rows themselves (so counts and dates stay right), their dates, choices
and event types, and the audit log, which holds ids and event types only.

Each citizen is erased in one transaction of its own: running twice erases nothing twice (an erased
citizen has `erased_at`), and a crash halfway leaves that citizen as it was. On PostgreSQL consent
versions and stated reasons are append-only (a trigger, consent migrations 0002, 0005, 0007, 0009); the
erasure alone may update them (a stated reason: only its text), by `SET LOCAL portal.erasing = 'on'` inside
its own transaction. Audit events are never updated; deleting stays refused.
"""

from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from . import rules
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

ERASED = "[slettet]"  # kept where the database requires text (an oral consent's note, a representative's document)


def default_years() -> int:
    return settings.CONSENT_RETENTION_YEARS


def retention_years(municipality_id: int) -> int:
    """The municipality's retention period in years, or the portal's default."""
    chosen = RecordRetention.objects.filter(municipality_id=municipality_id).values_list("years", flat=True).first()
    return chosen or default_years()


def expired_citizens(today: date) -> list[int]:
    """The ids of closed, not yet erased citizens whose retention period is over on `today`."""
    chosen = dict(RecordRetention.objects.values_list("municipality_id", "years"))
    closed = Citizen.objects.filter(closed_on__isnull=False, erased_at__isnull=True).values_list(
        "pk", "municipality_id", "closed_on"
    )
    return [
        pk
        for pk, municipality_id, closed_on in closed
        if rules.erase_after(closed_on, chosen.get(municipality_id, default_years())) <= today
    ]


def erase_expired_records(today: date | None = None) -> int:
    """Erase every closed record whose retention period is over; returns how many citizens were erased."""
    today = today or timezone.localdate()
    return sum(erase_citizen(pk) for pk in expired_citizens(today))


def erase_citizen(citizen_id: int) -> bool:
    """Erase one citizen's personal data in one transaction; False when someone (or an earlier run) already did."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL portal.erasing = 'on'")
        citizen = Citizen.objects.select_for_update().filter(pk=citizen_id, erased_at__isnull=True).first()
        if citizen is None or citizen.closed_on is None:
            return False
        counts = {
            "relatives": Relative.objects.filter(citizen=citizen).update(
                name="", relation="", phone="", email="", staff_user=None
            ),
            "dialogues": Dialogue.objects.filter(citizen=citizen).update(
                how_involved="", citizen_expectations="", relatives_expectations="", staff_offer=""
            ),
            "agreements": Agreement.objects.filter(citizen=citizen).update(description=""),
            "follow_ups": FollowUp.objects.filter(agreement__citizen=citizen).update(note=""),
            "corrections": Correction.objects.filter(citizen=citizen).update(old_value="", new_value="", reason=ERASED),
            "help_changes": HelpChange.objects.filter(citizen=citizen).update(summary=""),
            "relatives_told": RelativeTold.objects.filter(help_change__citizen=citizen).update(message=""),
            "break_glass": BreakGlass.objects.filter(citizen=citizen).update(reason=ERASED),
        }
        consents = Consent.objects.filter(citizen=citizen)
        # The database's constraints want a note on an oral consent and a document from a representative.
        counts["consents"] = consents.update(
            oral_note=Case(
                When(Q(form=Consent.Form.ORAL) & ~Q(decision=Consent.Decision.REVOKED), then=Value(ERASED)),
                default=Value(""),
            ),
            grantor_document=Case(When(grantor=Consent.Grantor.CITIZEN, then=Value("")), default=Value(ERASED)),
            reason="",
        )
        Citizen.objects.filter(pk=citizen.pk).update(
            name="", cpr_digest=f"erased-{citizen.pk}", cpr_birth_part="", birth_date=None, erased_at=timezone.now()
        )
        AuditEvent.objects.create(
            municipality_id=citizen.municipality_id,
            actor=None,
            citizen=citizen,
            event=AuditEvent.Event.CITIZEN_ERASED,
            payload={"citizen_id": citizen.pk, **counts},
        )
        if connection.vendor == "postgresql":
            # Inside a caller's transaction SET LOCAL would last until it ends: switch it off again here.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('portal.erasing', 'off', true)")
    return True
