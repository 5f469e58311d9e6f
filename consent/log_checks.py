"""Log checks (logkontrol): the whole municipality's log for its administrator and data protection officer.

What is unusual is decided here, by named rules with their thresholds from the settings (README,
"Configuration"):

- `many_citizens_in_a_day`: one member of staff touched more than LOG_CHECK_CITIZENS_PER_DAY different
  citizens on one (local) day.
- `outside_own_units`: the citizen is in none of the units of the member of staff (an administrator who
  broke the glass, or a caseworker whose units were changed since).
- `outside_working_hours`: before LOG_CHECK_WORKDAY_STARTS o'clock, from LOG_CHECK_WORKDAY_ENDS o'clock,
  or on a Saturday or Sunday (Danish local time).
- `broke_the_glass`: every access with a stated reason is flagged, so that someone reads the reason.

The rules are plain functions of one entry's facts (`flags_of`). The facts that need the rest of the
log (how many citizens that day, the units) are computed by the database for a whole page at once
(`annotated`), and `unusual_q` is the same rules as a filter, so "only unusual" can be paginated.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Unit

from .models import AuditEvent, InformationCategory, Relative

SATURDAY = 6  # ISO weekday


@dataclass(frozen=True)
class Thresholds:
    citizens_per_day: int
    workday_starts: int  # hour, local time
    workday_ends: int


def thresholds() -> Thresholds:
    return Thresholds(
        citizens_per_day=settings.LOG_CHECK_CITIZENS_PER_DAY,
        workday_starts=settings.LOG_CHECK_WORKDAY_STARTS,
        workday_ends=settings.LOG_CHECK_WORKDAY_ENDS,
    )


class Flag(StrEnum):
    MANY_CITIZENS = "many_citizens"
    OUTSIDE_UNITS = "outside_units"
    OUTSIDE_HOURS = "outside_hours"
    BROKE_THE_GLASS = "break_glass"

    @property
    def label(self) -> str:
        return FLAG_LABELS[self]


FLAG_LABELS = {
    Flag.MANY_CITIZENS: _("Many citizens in one day"),
    Flag.OUTSIDE_UNITS: _("Outside own units"),
    Flag.OUTSIDE_HOURS: _("Outside working hours"),
    Flag.BROKE_THE_GLASS: _("Broke the glass"),
}


# --- The rules ---------------------------------------------------------------------------------------


def many_citizens_in_a_day(citizens_that_day: int, limit: Thresholds) -> bool:
    return citizens_that_day > limit.citizens_per_day


def outside_own_units(*, about_a_citizen: bool, in_own_units: bool) -> bool:
    return about_a_citizen and not in_own_units


def outside_working_hours(at: datetime, limit: Thresholds) -> bool:
    local = timezone.localtime(at)
    return local.isoweekday() >= SATURDAY or not (limit.workday_starts <= local.hour < limit.workday_ends)


def broke_the_glass(event: str) -> bool:
    return event == AuditEvent.Event.BREAK_GLASS


def flags_of(entry: AuditEvent, limit: Thresholds) -> list[Flag]:
    """The flags of one entry of `annotated` (which adds `citizens_that_day` and `in_own_units`)."""
    found = []
    if entry.citizen_id and many_citizens_in_a_day(entry.citizens_that_day or 0, limit):
        found.append(Flag.MANY_CITIZENS)
    if outside_own_units(about_a_citizen=entry.citizen_id is not None, in_own_units=entry.in_own_units):
        found.append(Flag.OUTSIDE_UNITS)
    if outside_working_hours(entry.at, limit):
        found.append(Flag.OUTSIDE_HOURS)
    if broke_the_glass(entry.event):
        found.append(Flag.BROKE_THE_GLASS)
    return found


# --- The same rules for a whole page, in the database --------------------------------------------------


def annotated(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """`events` with what the rules need: citizens the actor touched that local day, citizen in own units."""
    tz = timezone.get_current_timezone()
    same_day = (
        AuditEvent.objects.filter(actor=OuterRef("actor"), citizen__isnull=False)
        .annotate(day=TruncDate("at", tzinfo=tz))
        .filter(day=OuterRef("day"))
        .order_by()
        .values("actor")
        .annotate(n=Count("citizen", distinct=True))
        .values("n")
    )
    return events.annotate(
        day=TruncDate("at", tzinfo=tz),
        hour=ExtractHour("at", tzinfo=tz),
        weekday=ExtractIsoWeekDay("at", tzinfo=tz),
        citizens_that_day=Subquery(same_day),
        in_own_units=Exists(Unit.objects.filter(citizens=OuterRef("citizen_id"), staff=OuterRef("actor_id"))),
    )


def unusual_q(limit: Thresholds) -> Q:
    """The rules as a filter on `annotated` events: any flag."""
    return (
        Q(citizen__isnull=False, citizens_that_day__gt=limit.citizens_per_day)
        | Q(citizen__isnull=False, in_own_units=False)
        | Q(hour__lt=limit.workday_starts)
        | Q(hour__gte=limit.workday_ends)
        | Q(weekday__gte=SATURDAY)
        | Q(event=AuditEvent.Event.BREAK_GLASS)
    )


# --- What an entry says --------------------------------------------------------------------------------

ANSWERS = {
    "permitted": _("Yes"),
    "refused": _("No: refused by the citizen"),
    "outside_scope": _("No: not covered by the consent"),
    "revoked": _("No: revoked"),
    "not_yet_valid": _("No: not valid yet"),
    "expired": _("No: expired"),
    "no_consent": _("No: no consent"),
    "minor": _("No: under 18"),
}


@dataclass
class Entry:
    event: AuditEvent
    username: str
    name: str
    what: str
    details: str
    citizen: str
    flags: list[Flag]


def relatives_named_in(events: Iterable[AuditEvent]) -> dict[int, Relative]:
    """The relatives the entries name, in one query."""
    ids = {event.payload.get("relative_id") for event in events} - {None}
    return {relative.pk: relative for relative in Relative.objects.filter(pk__in=ids)} if ids else {}


def details_of(event: AuditEvent, relatives: dict[int, Relative]) -> str:
    """What exactly: for "Må jeg oplyse?" the relative, the kind of information and the answer."""
    payload = event.payload
    parts = []
    relative = relatives.get(payload.get("relative_id"))
    if relative is not None:
        parts.append(str(relative))
    if payload.get("category") in InformationCategory.values:
        parts.append(str(InformationCategory(payload["category"]).label))
    if payload.get("answer") in ANSWERS:
        parts.append(str(ANSWERS[payload["answer"]]))
    if payload.get("format"):
        parts.append(str(payload["format"]).upper())
    return ", ".join(parts)


def entries(events: list[AuditEvent], limit: Thresholds) -> list[Entry]:
    """Readable entries of `annotated` events fetched with select_related("actor", "citizen"): one query more."""
    relatives = relatives_named_in(events)
    return [
        Entry(
            event=event,
            username=event.actor.get_username(),
            name=event.actor.get_full_name(),
            what=str(event.get_event_display()),
            details=details_of(event, relatives),
            citizen=event.citizen.name if event.citizen_id else "",
            flags=flags_of(event, limit),
        )
        for event in events
    ]


def in_period(events: QuerySet[AuditEvent], start: date | None, end: date | None) -> QuerySet[AuditEvent]:
    """Events from the start of `start` to the end of `end` (local days)."""
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=datetime.combine(start, datetime.min.time(), tzinfo=tz))
    if end:
        events = events.filter(at__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz))
    return events
