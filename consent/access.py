"""Who may see and change which of the consent app's rows: `policy`, the one place that decides.

Built on portal.scoping (the municipality boundary):

- A caseworker (Sagsbehandler) sees the citizens of their own units.
- A municipality administrator sees every citizen of their municipality, and the log of who looked.
- Managers, editors and platform superusers see no consent data unless they are also caseworkers.
- Nobody sees a citizen whose relative they are themselves.

A citizen's relatives, consents, dialogues, agreements, follow-ups and log events are seen by those
who see the citizen (the log only by those who may read it), so every view fetches its object with
`get_object_or_404(policy.visible(user, Consent).select_related(...), pk=pk)`: another unit's or
municipality's object answers 404, exactly like one that does not exist.
"""

from django.db.models import Model, QuerySet

from portal.models import Unit, User
from portal.roles import Role, has_role
from portal.scoping import AccessPolicy, as_queryset, visible_to

from .models import Agreement, AuditEvent, Citizen, Consent, Dialogue, FollowUp, Relative

# The path from each model to the citizen whose data it is.
CITIZEN_OF = {
    Relative: "citizen",
    Consent: "citizen",
    Dialogue: "citizen",
    Agreement: "citizen",
    FollowUp: "agreement__citizen",
    AuditEvent: "citizen",
}


class ConsentPolicy(AccessPolicy):
    """The consent app's answers to "may this user…?", and its rows a user may see, as querysets.

    Whoever sees a row may change it too (`changeable` is `visible`): the history is kept by the
    services, which only ever add versions.
    """

    def may_use_consent(self, user) -> bool:
        return has_role(user, Role.CASEWORKER) or has_role(user, Role.MUNICIPALITY_ADMIN)

    def may_read_audit_log(self, user) -> bool:
        return has_role(user, Role.MUNICIPALITY_ADMIN)

    def visible(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        queryset = as_queryset(model_or_queryset)
        if queryset.model is Citizen:
            return self._citizens(user, queryset)
        if queryset.model is AuditEvent and not self.may_read_audit_log(user):
            return queryset.none()
        return queryset.filter(**{f"{CITIZEN_OF[queryset.model]}__in": self._citizens(user, Citizen.objects.all())})

    def _citizens(self, user, citizens: QuerySet[Citizen]) -> QuerySet[Citizen]:
        if not self.may_use_consent(user):
            return citizens.none()
        citizens = visible_to(user, citizens)
        if not has_role(user, Role.MUNICIPALITY_ADMIN):
            citizens = citizens.filter(units__in=user.units.all()).distinct()
        return citizens.exclude(relatives__staff_user=user)

    def units_for_registration(self, user) -> QuerySet[Unit]:
        """Where `user` may register citizens: a municipality administrator any open unit of the municipality, a
        caseworker their own open units."""
        if not self.may_use_consent(user):
            return Unit.objects.none()
        if has_role(user, Role.MUNICIPALITY_ADMIN):
            return visible_to(user, Unit.objects.filter(closed_on__isnull=True))
        return visible_to(user, user.units.filter(closed_on__isnull=True))

    def staff_to_name_as_relative(self, user) -> QuerySet[User]:
        """The members of staff `user` may record as a citizen's relative: the active staff of their municipality."""
        if not self.may_use_consent(user):
            return User.objects.none()
        return visible_to(user, User.objects.filter(is_active=True, municipality__isnull=False))


policy = ConsentPolicy()
