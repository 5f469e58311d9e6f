"""Who may see which citizens' consent data: the one place that decides (see portal.scoping for the idea).

- A caseworker (Sagsbehandler) sees the citizens of their own units.
- A municipality administrator sees every citizen of their municipality (and the audit log).
- Managers, editors and platform superusers see no consent data unless they are also caseworkers.
- Nobody opens a citizen whose relative they are themselves.
"""

from django.db.models import QuerySet

from portal.roles import Role, has_role
from portal.scoping import visible_to

from .models import Citizen


def may_use_consent(user) -> bool:
    return has_role(user, Role.CASEWORKER) or has_role(user, Role.MUNICIPALITY_ADMIN)


def may_read_audit_log(user) -> bool:
    return has_role(user, Role.MUNICIPALITY_ADMIN)


def citizens_for(user) -> QuerySet[Citizen]:
    """The citizens whose consent data `user` may open."""
    citizens = visible_to(user, Citizen.objects.all()) if may_use_consent(user) else Citizen.objects.none()
    if not has_role(user, Role.MUNICIPALITY_ADMIN):
        citizens = citizens.filter(units__in=user.units.all()).distinct()
    return citizens.exclude(relatives__staff_user=user)
