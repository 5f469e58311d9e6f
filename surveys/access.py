"""Who may run the relatives' survey, and which of its rows they see: the one place that decides.

Managers (Leder) run the survey of their own municipality: they set it up in the admin, hand out
invitations and read the results. A platform superuser sees every municipality's set-up in the admin, but
holds no role by being one, so the staff pages (`manager_required`) refuse them like anyone else who is
not a manager. Answering needs no login: a relative answers with an invitation code or a wave's open link.

Every staff view, admin class and export starts from `survey_policy`:
`get_object_or_404(survey_policy.visible(user, Wave), pk=pk)`.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.views.decorators.cache import never_cache

from portal.roles import Role, has_role
from portal.scoping import AccessPolicy, as_queryset, visible_to

from .models import Wave


def may_run_surveys(user) -> bool:
    """Whether `user` is a manager (Leder) of a municipality."""
    return has_role(user, Role.MANAGER)


class SurveyPolicy(AccessPolicy):
    """The survey's rows (surveys, questions, indicators, waves, invitations, answers, results from outside,
    and the units and pages they point to) that a user may see and change: a manager those of their own
    municipality, a platform superuser all, anyone else none."""

    def visible(self, user, model_or_queryset: type[Model] | QuerySet) -> QuerySet:
        queryset = as_queryset(model_or_queryset)
        if not user.is_authenticated or not (user.is_superuser or may_run_surveys(user)):
            return queryset.none()
        return visible_to(user, queryset)

    def may_hand_out_invitations(self, user, wave: Wave) -> bool:
        """A manager of the wave's municipality (a superuser is not one)."""
        return may_run_surveys(user) and self.may_change(user, wave)


survey_policy = SurveyPolicy()


def manager_required(view):
    """A staff page of the survey: logged in (else the login page) and a manager (else 403).

    The pages show codes or answers, so no browser or proxy keeps them.
    """

    @wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        if not may_run_surveys(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
