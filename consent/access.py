"""Who may see and change which of the consent app's rows: `policy`, the one place that decides.

Built on portal.scoping (the municipality boundary):

- A caseworker (Sagsbehandler) sees the citizens of their own units.
- A municipality administrator sees the citizens of their own units too. Any other citizen of the
  municipality is "behind glass" (`behind_glass`): the administrator may open them only after stating a
  reason (`consent.services.break_glass`; `consent.rules.validate_break_glass_reason`), which opens the
  citizen to them for BREAK_GLASS_HOURS, is logged and is flagged in the log checks. Only the
  municipality administrator may break the glass (`may_break_glass`): a caseworker who needs a citizen of
  another unit is given the unit, and the data protection officer checks the log, not the record.
- The municipality administrator and the data protection officer (Databeskyttelsesrådgiver) read the
  log, for every citizen and member of staff of the municipality (`may_read_audit_log`): the log checks.
  The officer is a role of its own because under GDPR art. 38 the officer checks the administrators too,
  and so needs neither their rights over staff nor access to the records.
- An access request (GDPR art. 15) is made by whoever may open the citizen (`may_make_access_request`):
  the caseworkers of the citizen's units, or the administrator. It includes the log of who looked.
- Managers, editors and platform superusers see no consent data unless they are also caseworkers.
- Nobody sees a citizen whose relative they are themselves.

A citizen's relatives, consents, dialogues, agreements, follow-ups and log events are seen by those
who see the citizen (the log only by those who may read it), so every view fetches its object with
`get_object_or_404(policy.visible(user, Consent).select_related(...), pk=pk)`: another unit's or
municipality's object answers 404, exactly like one that does not exist.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from portal.models import Unit, User
from portal.roles import Role, has_role
from portal.scoping import AccessPolicy, as_queryset, visible_to

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
    Relative,
    RelativeTold,
)


def break_glass_hours() -> int:
    """How long a stated reason opens a citizen to the administrator who gave it (setting BREAK_GLASS_HOURS)."""
    return settings.BREAK_GLASS_HOURS


# The path from each model to the citizen whose data it is.
CITIZEN_OF = {
    Relative: "citizen",
    Consent: "citizen",
    Dialogue: "citizen",
    Agreement: "citizen",
    FollowUp: "agreement__citizen",
    AuditEvent: "citizen",
    Correction: "citizen",
    BreakGlass: "citizen",
    HelpChange: "citizen",
    RelativeTold: "help_change__citizen",
}


class ConsentPolicy(AccessPolicy):
    """The consent app's answers to "may this user…?", and its rows a user may see, as querysets.

    Whoever sees a row may change it too (`changeable` is `visible`): the history is kept by the
    services, which only ever add versions.
    """

    def may_use_consent(self, user) -> bool:
        return has_role(user, Role.CASEWORKER) or has_role(user, Role.MUNICIPALITY_ADMIN)

    def may_read_audit_log(self, user) -> bool:
        """The log of one citizen, and the log checks over all: the administrator and the data protection officer."""
        return has_role(user, Role.MUNICIPALITY_ADMIN) or has_role(user, Role.DATA_PROTECTION_OFFICER)

    def may_break_glass(self, user) -> bool:
        return has_role(user, Role.MUNICIPALITY_ADMIN)

    def may_make_access_request(self, user, citizen: Citizen) -> bool:
        """Whoever may open the citizen (the view fetches the citizen through `visible` first)."""
        return self.may_use_consent(user)

    def visible(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        queryset = as_queryset(model_or_queryset)
        if queryset.model is Citizen:
            return self._citizens(user, queryset)
        if queryset.model in (AuditEvent, BreakGlass) and not self.may_read_audit_log(user):
            return queryset.none()
        return queryset.filter(**{f"{CITIZEN_OF[queryset.model]}__in": self._citizens(user, Citizen.objects.all())})

    def log_rows(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        """The log of the whole municipality (every citizen, every member of staff), for the log checks."""
        queryset = as_queryset(model_or_queryset)
        if not self.may_read_audit_log(user):
            return queryset.none()
        return visible_to(user, queryset)

    def _citizens(self, user, citizens: QuerySet[Citizen]) -> QuerySet[Citizen]:
        if not self.may_use_consent(user):
            return citizens.none()
        citizens = visible_to(user, citizens)
        opened = Q(units__in=user.units.all())
        if self.may_break_glass(user):
            since = timezone.now() - timedelta(hours=break_glass_hours())
            opened |= Q(Exists(BreakGlass.objects.filter(citizen=OuterRef("pk"), actor=user, at__gte=since)))
        citizens = citizens.filter(pk__in=citizens.filter(opened).values("pk"))
        return citizens.exclude(relatives__staff_user=user)

    def behind_glass(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        """The rows `user` may open only after stating a reason: those of the municipality's other citizens."""
        queryset = as_queryset(model_or_queryset)
        if not self.may_break_glass(user):
            return queryset.none()
        citizens = visible_to(user, Citizen.objects.all()).exclude(relatives__staff_user=user)
        citizens = citizens.exclude(pk__in=self._citizens(user, Citizen.objects.all()).values("pk"))
        if queryset.model is Citizen:
            return queryset.filter(pk__in=citizens.values("pk"))
        return queryset.filter(**{f"{CITIZEN_OF[queryset.model]}__in": citizens.values("pk")})

    def findable(self, user) -> QuerySet[Citizen]:
        """The citizens a search may show `user`: those they may open, and those behind glass for them."""
        if not self.may_break_glass(user):
            return self._citizens(user, Citizen.objects.all())
        return visible_to(user, Citizen.objects.all()).exclude(relatives__staff_user=user)

    def units_for_registration(self, user) -> QuerySet[Unit]:
        """Where `user` may register citizens: a municipality administrator any open unit of the municipality, a
        caseworker their own open units."""
        if not self.may_use_consent(user):
            return Unit.objects.none()
        if has_role(user, Role.MUNICIPALITY_ADMIN):
            # registering is not opening: no glass to break
            return visible_to(user, Unit.objects.filter(closed_on__isnull=True))
        return visible_to(user, user.units.filter(closed_on__isnull=True))

    def caseworkers_of(self, citizen: Citizen) -> QuerySet[User]:
        """Who may be made responsible for the citizen's agreements (reminded of the follow-ups): the active
        caseworkers of the citizen's units, not the citizen's relatives: exactly those who open the citizen as
        caseworkers."""
        staff = User.objects.filter(
            is_active=True,
            municipality_id=citizen.municipality_id,
            groups__name=Role.CASEWORKER.value,
            units__in=Unit.objects.filter(citizens=citizen),
        )
        staff = staff.exclude(
            pk__in=Relative.objects.filter(citizen=citizen, staff_user__isnull=False).values("staff_user")
        )
        return User.objects.filter(pk__in=staff.values("pk"))

    def staff_to_name_as_relative(self, user) -> QuerySet[User]:
        """The members of staff `user` may record as a citizen's relative: the active staff of their municipality."""
        if not self.may_use_consent(user):
            return User.objects.none()
        return visible_to(user, User.objects.filter(is_active=True, municipality__isnull=False))


policy = ConsentPolicy()
