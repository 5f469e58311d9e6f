"""Who may run the relatives' survey: managers (Leder) of a municipality, within their municipality.

Answering needs no login: a relative answers with an invitation code or a wave's open link.
"""

from django.db.models import QuerySet

from portal.roles import Role, has_role
from portal.scoping import visible_to

from .models import Wave


def may_run_surveys(user) -> bool:
    return has_role(user, Role.MANAGER)


def waves_for(user) -> QuerySet[Wave]:
    """The waves `user` may hand out invitations for."""
    waves = Wave.objects.select_related("survey__municipality")
    return visible_to(user, waves) if may_run_surveys(user) else waves.none()
