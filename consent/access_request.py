"""The citizen's access request (GDPR art. 15, indsigtsanmodning): everything the portal holds about them.

One read, `access_request(citizen)`, in a fixed number of queries however much there is: the citizen's
details, relatives, every consent version, dialogues, agreements with their follow-ups, the log of who
has looked at their data (with the reasons stated for opening them outside one's own units). The same
read gives the readable document (HTML, PDF) and the machine-readable one (`as_json`).
The view fetches the citizen through consent.access.policy and logs the request before it reads, so the
document includes its own making.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from . import rules
from .models import (
    Agreement,
    AuditEvent,
    BreakGlass,
    Citizen,
    Consent,
    Dialogue,
    FollowUp,
    HelpChange,
    Relative,
    RelativeTold,
)

SCHEMA = "https://paaroerendeportalen.dk/schema/indsigt/1"


@dataclass
class AccessRequest:
    citizen: Citizen
    made_at: datetime
    made_by: str
    relatives: list[Relative]
    consents: list[Consent]
    dialogues: list[Dialogue]
    agreements: list[Agreement]
    events: list[AuditEvent]
    break_glass: list[BreakGlass]
    help_changes: list[HelpChange]


def access_request(citizen: Citizen, *, made_by, today: date | None = None) -> AccessRequest:
    """Everything about `citizen` (fetched with select_related("municipality", "created_by")): ten queries."""
    day = today or timezone.localdate()
    units = list(citizen.units.all())
    citizen.unit_names = [unit.name for unit in units]
    relatives = list(citizen.relatives.all())
    consents = list(
        Consent.objects.filter(citizen=citizen).select_related("relative", "recorded_by").order_by("recorded_at", "pk")
    )
    current = {consent.pk for consent in rules.current_versions(consents)}
    for consent in consents:
        consent.is_current = consent.pk in current
        consent.state = rules.consent_state(consent, day)
    dialogues = list(Dialogue.objects.filter(citizen=citizen).select_related("recorded_by"))
    agreements = list(Agreement.objects.filter(citizen=citizen).select_related("relative", "created_by"))
    follow_ups: dict[int, list[FollowUp]] = {}
    for follow_up in FollowUp.objects.filter(agreement__citizen=citizen).select_related("recorded_by"):
        follow_ups.setdefault(follow_up.agreement_id, []).append(follow_up)
    for agreement in agreements:
        agreement.follow_up_list = follow_ups.get(agreement.pk, [])
    events = list(AuditEvent.objects.filter(citizen=citizen).select_related("actor").order_by("at", "pk"))
    reasons = list(BreakGlass.objects.filter(citizen=citizen).select_related("actor").order_by("at", "pk"))
    help_changes = list(HelpChange.objects.filter(citizen=citizen).select_related("recorded_by").order_by("pk"))
    told: dict[int, list[RelativeTold]] = {}
    for entry in RelativeTold.objects.filter(help_change__citizen=citizen).select_related("relative", "recorded_by"):
        told.setdefault(entry.help_change_id, []).append(entry)
    for change in help_changes:
        change.told_list = told.get(change.pk, [])
    return AccessRequest(
        citizen=citizen,
        made_at=timezone.now(),
        made_by=made_by.display_name,
        relatives=relatives,
        consents=consents,
        dialogues=dialogues,
        agreements=agreements,
        events=events,
        break_glass=reasons,
        help_changes=help_changes,
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def as_json(document: AccessRequest) -> dict:
    """The machine-readable access request: the same content as the document, with codes and ISO dates."""
    citizen = document.citizen
    return {
        "schema": SCHEMA,
        "made_at": _time(document.made_at),
        "made_by": document.made_by,
        "data_controller": {"name": citizen.municipality.name, "kommunekode": citizen.municipality.kommunekode},
        "citizen": {
            "id": citizen.pk,
            "name": citizen.name,
            "date_of_birth": _day(citizen.birth_date),
            "cpr": citizen.cpr_masked,
            "units": citizen.unit_names,
            "registered_at": _time(citizen.created_at),
            "registered_by": citizen.created_by.display_name,
        },
        "relatives": [
            {
                "id": relative.pk,
                "name": relative.name,
                "relation": relative.relation,
                "kind": relative.kind,
                "phone": relative.phone,
                "email": relative.email,
                "under_18": relative.is_minor,
                "is_staff": relative.staff_user_id is not None,
                "added_at": _time(relative.created_at),
            }
            for relative in document.relatives
        ],
        "consents": [
            {
                "id": consent.pk,
                "relative_id": consent.relative_id,
                "replaces": consent.supersedes_id,
                "current": consent.is_current,
                "state": str(consent.state),
                "decision": consent.decision,
                # a permission about a relative under 18 (recorded before such were refused): it allows nothing
                "allows_nothing": rules.permission_allows_nothing(consent),
                "kinds_of_information": consent.categories,
                "contact": consent.contact,
                "form": consent.form,
                "oral_note": consent.oral_note,
                "given_by": consent.grantor,
                "document_reference": consent.grantor_document,
                "given_on": _day(consent.given_on),
                "valid_from": _day(consent.valid_from),
                "valid_until": _day(consent.valid_until),
                "reason": consent.reason,
                "recorded_at": _time(consent.recorded_at),
                "recorded_by": consent.recorded_by.display_name,
            }
            for consent in document.consents
        ],
        "dialogues": [
            {
                "id": dialogue.pk,
                "held_on": _day(dialogue.held_on),
                "involvement": dialogue.involvement,
                "how_involved": dialogue.how_involved,
                "citizen_expectations": dialogue.citizen_expectations,
                "relatives_expectations": dialogue.relatives_expectations,
                "staff_offer": dialogue.staff_offer,
                "ask_again_on": _day(dialogue.ask_again_on),
                "recorded_at": _time(dialogue.recorded_at),
                "recorded_by": dialogue.recorded_by.display_name,
            }
            for dialogue in document.dialogues
        ],
        "agreements": [
            {
                "id": agreement.pk,
                "description": agreement.description,
                "responsible": agreement.responsible,
                "relative_id": agreement.relative_id,
                "follow_up_every_days": agreement.follow_up_every_days,
                "next_follow_up": _day(agreement.next_follow_up),
                "ended_on": _day(agreement.ended_on),
                "created_at": _time(agreement.created_at),
                "created_by": agreement.created_by.display_name,
                "follow_ups": [
                    {
                        "id": follow_up.pk,
                        "held_on": _day(follow_up.held_on),
                        "outcome": follow_up.outcome,
                        "note": follow_up.note,
                        "next_date": _day(follow_up.next_date),
                        "recorded_by": follow_up.recorded_by.display_name,
                    }
                    for follow_up in agreement.follow_up_list
                ],
            }
            for agreement in document.agreements
        ],
        "changes_in_the_help": [
            {
                "id": change.pk,
                "kind": change.kind,
                "kind_of_information": change.category,
                "changes_on": _day(change.changes_on),
                "what_relatives_may_be_told": change.summary,
                "recorded_at": _time(change.recorded_at),
                "recorded_by": change.recorded_by.display_name,
                "relatives_told": [
                    {
                        "relative_id": entry.relative_id,
                        "consent_id": entry.consent_id,
                        "how": entry.how,
                        "told_on": _day(entry.told_on),
                        "message": entry.message,
                        "recorded_by": entry.recorded_by.display_name,
                    }
                    for entry in change.told_list
                ],
            }
            for change in document.help_changes
        ],
        "log": [
            {
                "at": _time(event.at),
                "by": event.actor.display_name,
                "event": event.event,
                "what": str(event.get_event_display()),
            }
            for event in document.events
        ],
        "opened_outside_own_units": [
            {"at": _time(opened.at), "by": opened.actor.display_name, "reason": opened.reason}
            for opened in document.break_glass
        ],
    }


def file_name(citizen: Citizen, extension: str) -> str:
    """No name, no CPR number: the citizen's id and the day."""
    return f"indsigt-{citizen.pk}-{timezone.localdate().isoformat()}.{extension}"
