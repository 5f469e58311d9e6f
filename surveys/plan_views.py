"""The local action plans: a manager writes a unit's or an area's plan, and sees every plan of the municipality
beside the trend of the indicators its actions should move.

Managers (Leder) only, scoped by surveys.access.survey_policy: another municipality's plan is a 404. Each page
runs a fixed number of queries.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import RuleViolation, StaleVersion, show_on_form
from portal.models import Unit, User
from portal.scoping import visible_to
from portal.views import crumb

from . import services
from .access import manager_required, survey_policy
from .dashboard_views import default_wave, staff_crumbs
from .forms import ActionForm, ActionPlanForm
from .models import Action, ActionPlan, Indicator, Wave
from .presentation import VerdictLine, verdict_lines
from .results import Result, SurveyResults, compute_results

STALE_ACTION = gettext_lazy(
    "Someone else saved this action while you were editing it. Your changes are below: check them against the"
    " action as it is now (open it again in a new tab) and save again."
)


def plans_of(user):
    actions = Action.objects.select_related("owner").prefetch_related("indicators").order_by("deadline", "pk")
    return (
        survey_policy.visible(user, ActionPlan)
        .select_related("unit")
        .prefetch_related(Prefetch("actions", queryset=actions))
    )


def plan_for(user, pk: int) -> ActionPlan:
    return get_object_or_404(plans_of(user), pk=pk)


def indicators_of(user):
    return (
        survey_policy.visible(user, Indicator)
        .select_related("question__survey")
        .order_by("question__survey__title", "order", "pk")
    )


def staff_of(user):
    return visible_to(user, User.objects.filter(is_active=True)).order_by("first_name", "last_name", "username")


def plan_crumbs(*rest) -> list[dict]:
    return staff_crumbs(crumb(_("Action plans"), reverse("surveys:plans")), *rest)


@dataclass
class IndicatorOverview:
    """An indicator of the municipality: its trend, its verdict in the latest wave with answers, and the actions
    of every plan meant to move it."""

    indicator: Indicator
    trend: list[Result]
    verdict: VerdictLine | None
    actions: list[Action]


def municipality_results(user) -> SurveyResults:
    """Every indicator of the user's municipality in every wave (5 queries)."""
    waves = list(survey_policy.visible(user, Wave))
    indicators = list(indicators_of(user))
    units = list(survey_policy.visible(user, Unit))
    return compute_results(waves, indicators, units)


def overview_rows(results: SurveyResults, plans: list[ActionPlan]) -> list[IndicatorOverview]:
    actions_by_indicator: dict[int, list[Action]] = {}
    for plan in plans:
        for action in plan.actions.all():
            for indicator in action.indicators.all():
                actions_by_indicator.setdefault(indicator.pk, []).append(action)
    rows = []
    today = timezone.localdate()
    for indicator in results.indicators:
        waves = results.waves_of(indicator)
        wave = default_wave(waves, results)
        lines = verdict_lines(results, wave, today) if wave else []
        verdict = next((line for line in lines if line.indicator.pk == indicator.pk), None)
        rows.append(
            IndicatorOverview(indicator, results.trend(indicator), verdict, actions_by_indicator.get(indicator.pk, []))
        )
    return rows


@manager_required
def plans(request):
    """The municipality-wide overview: each indicator's trend beside the actions meant to move it, and every plan."""
    found = list(plans_of(request.user))
    context = {
        "plans": found,
        "rows": overview_rows(municipality_results(request.user), found),
        "crumbs": staff_crumbs(crumb(_("Action plans"))),
    }
    return render(request, "surveys/plans/overview.html", context)


@manager_required
def plan_new(request):
    units = survey_policy.visible(request.user, Unit).order_by("name")
    form = ActionPlanForm(request.POST if request.method == "POST" else None, units=units,
                          initial={"year": timezone.localdate().year})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.create_action_plan(
                acting_user=request.user, unit=data["unit"], area=data["area"], year=data["year"],
                title=data["title"], today=timezone.localdate(),
            )  # fmt: skip
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            return redirect("surveys:plan", pk=plan.pk)
    context = {"form": form, "crumbs": plan_crumbs(crumb(_("New action plan")))}
    return render(request, "surveys/plans/new.html", context)


def _action_data(form) -> dict:
    data = form.cleaned_data
    return {key: data[key] for key in ("title", "owner", "owner_name", "starts_on", "deadline", "status", "note",
                                        "indicators")}  # fmt: skip


@manager_required
def plan_detail(request, pk: int):
    """A plan with its actions, and a form for one more."""
    plan = plan_for(request.user, pk)
    form = ActionForm(request.POST if request.method == "POST" else None, staff=staff_of(request.user),
                      indicators=indicators_of(request.user))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action(acting_user=request.user, plan=plan, **_action_data(form))
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            return redirect("surveys:plan", pk=plan.pk)
    context = {"plan": plan, "form": form, "crumbs": plan_crumbs(crumb(plan.title))}
    return render(request, "surveys/plans/detail.html", context)


@manager_required
def action_edit(request, pk: int, action_pk: int):
    """Change an action (status, note, …); two managers saving at once: the second is told, and keeps their input."""
    plan = plan_for(request.user, pk)
    action = next((action for action in plan.actions.all() if action.pk == action_pk), None)
    if action is None:
        raise Http404
    initial = {**{key: getattr(action, key) for key in ("title", "owner", "owner_name", "starts_on", "deadline",
                                                        "status", "note")},
               "indicators": list(action.indicators.all()), "version": action.version}  # fmt: skip
    form = ActionForm(request.POST if request.method == "POST" else None, initial=initial,
                      staff=staff_of(request.user), indicators=indicators_of(request.user))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.save_action(acting_user=request.user, plan=plan, action=action,
                                 version=form.cleaned_data["version"], **_action_data(form))  # fmt: skip
        except RuleViolation as error:
            show_on_form(form, error)
        except StaleVersion:
            form.add_error(None, str(STALE_ACTION))
        else:
            return redirect("surveys:plan", pk=plan.pk)
    crumbs = plan_crumbs(crumb(plan.title, reverse("surveys:plan", args=[plan.pk])), crumb(action.title))
    context = {"plan": plan, "action": action, "form": form, "crumbs": crumbs}
    return render(request, "surveys/plans/action_edit.html", context)
