"""The yearly follow-up report of a municipality: its targets against the year's results, with intervals and
trend, per area and unit where the groups are large enough, and the status of the year's action plans.

Its figures come from the same functions as the dashboard's (surveys.results.compute_results, scored and
suppressed there; surveys.presentation.panel): a test holds them equal. The public version shows only the
headline indicators of closed waves, and never a hidden group (surveys.suppression.publishable).
"""

from collections import Counter
from dataclasses import dataclass, field

from portal.models import Municipality, Unit

from .models import Action, ActionPlan, Indicator, Wave, YearlyReport
from .presentation import IndicatorPanel, VerdictLine, panel, verdict_lines
from .results import SurveyResults, compute_results, headline_results


@dataclass
class ReportSection:
    """One indicator in the report: its panel (total, breakdown, trend) in the year's latest wave, and its verdict."""

    panel: IndicatorPanel
    verdict: VerdictLine | None
    wave: Wave


@dataclass
class PlanStatus:
    plan: ActionPlan
    counts: dict[str, int] = field(default_factory=dict)  # status label -> actions


@dataclass
class Report:
    municipality: Municipality
    year: int
    saved: YearlyReport | None
    sections: list[ReportSection]
    plans: list[PlanStatus]

    @property
    def has_data(self) -> bool:
        return bool(self.sections)


def waves_of_year(results: SurveyResults, indicator: Indicator, year: int) -> list[Wave]:
    """The indicator's waves that opened in `year` and have answers, oldest first."""
    return [wave for wave in results.waves_of(indicator) if wave.opens_on.year == year and results.has_answers(wave)]


def sections_of(results: SurveyResults, year: int, *, public: bool, today) -> list[ReportSection]:
    sections = []
    for indicator in results.indicators:
        waves = waves_of_year(results, indicator, year)
        if not waves:
            continue
        wave = waves[-1]
        lines = verdict_lines(results, wave, today)
        verdict = next((line for line in lines if line.indicator.pk == indicator.pk), None)
        sections.append(ReportSection(panel(results, indicator, wave, public=public), verdict, wave))
    return sections


def plan_statuses(plans) -> list[PlanStatus]:
    found = []
    for plan in plans:
        counts = Counter(str(action.get_status_display()) for action in plan.actions.all())
        found.append(PlanStatus(plan, {str(label): counts.get(str(label), 0) for label in Action.Status.labels}))
    return found


def staff_report(policy, user, municipality: Municipality, year: int, today) -> Report:
    """The report as managers see it: every indicator, hidden groups named as hidden. Fixed queries: waves,
    indicators, units, answer counts (external results when there are any), plans with their actions, the
    saved summary."""
    results = compute_results(
        list(policy.visible(user, Wave)),
        list(policy.visible(user, Indicator).select_related("question__survey").order_by("order", "pk")),
        list(policy.visible(user, Unit)),
    )
    plans = policy.visible(user, ActionPlan).filter(year=year).select_related("unit").prefetch_related("actions")
    saved = policy.visible(user, YearlyReport).filter(year=year).first()
    return Report(municipality, year, saved, sections_of(results, year, public=False, today=today),
                  plan_statuses(plans))  # fmt: skip


def public_report(municipality: Municipality, year: int, today) -> Report | None:
    """The published report's public version, or None when the year's report is not published."""
    saved = YearlyReport.objects.filter(municipality=municipality, year=year, is_published=True).first()
    if saved is None:
        return None
    results = headline_results(municipality, today=today)
    return Report(municipality, year, saved, sections_of(results, year, public=True, today=today), [])
