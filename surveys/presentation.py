"""What the dashboard and the public "Sådan går det" page show of an indicator: its panel."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.formats import format_date
from portal.models import TranslatedText
from portal.translations import prefetch_translations

from .charts import BarChart, Chart, bar_chart, trend_chart
from .labels import deadline_text, path_text, percent, plain_sentence, positive_answers_text
from .models import Indicator, Wave
from .results import TOTAL, Result, SurveyResults, indicator_path
from .scoring import Verdict, verdict
from .suppression import publishable


@dataclass
class IndicatorPanel:
    """One indicator on a page: its total in the chosen wave, the breakdown, and the trend."""

    indicator: Indicator
    name: TranslatedText
    question: TranslatedText
    total: Result
    areas: list[Result]
    units: list[Result]
    trend: list[Result]
    chart: Chart
    target_text: str
    baseline_text: str
    has_path: bool  # baseline, target and deadline: whether "on track" can be told
    sentence: str = ""  # "Hvor mange pårørende …? 7 ud af 10. Målet er 75 %." (surveys.labels.plain_sentence)
    positive_text: str = ""  # what counts as a positive answer
    bars: BarChart | None = None  # the public page's chart, readable on a phone (surveys.charts.bar_chart)


def target_text(indicator: Indicator) -> str:
    if indicator.target is None:
        return ""
    share = percent(float(indicator.target))
    if indicator.deadline:
        return _("%(share)s by %(deadline)s") % {"share": share, "deadline": format_date(indicator.deadline)}
    return share


def baseline_text(indicator: Indicator) -> str:
    if indicator.baseline is None:
        return ""
    share = percent(float(indicator.baseline))
    return _("%(share)s on %(date)s") % {"share": share, "date": format_date(indicator.baseline_date)}


def total_verdict(indicator: Indicator, total: Result | None) -> Verdict:
    """The target's verdict for the whole municipality: surveys.scoring.verdict, as the dashboard's lines ask it."""
    shown = total is not None and total.shown
    return verdict(
        status=total.status if shown else None,
        on_track=total.on_track if shown else None,
        has_baseline=indicator.baseline is not None,
        deadline=indicator.deadline,
        today=timezone.localdate(),
    )


def panel(results: SurveyResults, indicator: Indicator, wave: Wave, *, public: bool = False) -> IndicatorPanel:
    """The indicator's panel in `wave`; a `public` one leaves the hidden groups out altogether."""
    trend = results.trend(indicator)
    name = indicator.translated("name")
    areas, units = results.area_rows(indicator, wave), results.unit_rows(indicator, wave)
    target = None if indicator.target is None else float(indicator.target)
    total = results.get(indicator, wave, TOTAL)
    return IndicatorPanel(
        indicator=indicator,
        name=name,
        question=indicator.question.translated("text"),
        total=total,
        areas=publishable(areas) if public else areas,
        units=publishable(units) if public else units,
        trend=trend,
        chart=trend_chart(f"chart-{indicator.pk}", str(name), trend, target),
        target_text=target_text(indicator),
        baseline_text=baseline_text(indicator),
        has_path=indicator_path(indicator) is not None,
        sentence=plain_sentence(
            question=str(indicator.question.translated("text")),
            share=total.share if total is not None else None,
            hidden=total.hidden if total is not None else None,
            target=target,
            verdict=total_verdict(indicator, total),
        ),
        positive_text=positive_answers_text(indicator),
        bars=bar_chart(f"bars-{indicator.pk}", str(name), trend, target) if public else None,
    )


def prefetch_names(results: SurveyResults) -> None:
    """The indicators' names and their questions' texts in the reader's language: one query per model."""
    prefetch_translations([*results.indicators, *(indicator.question for indicator in results.indicators)])


def panels_for(results: SurveyResults, wave: Wave, *, public: bool = False) -> list[IndicatorPanel]:
    """The panels of the indicators of `wave`'s survey."""
    prefetch_names(results)
    return [
        panel(results, indicator, wave, public=public)
        for indicator in results.indicators
        if indicator.question.survey_id == wave.survey_id
    ]


@dataclass
class VerdictLine:
    """One target on the dashboard's first lines: met / not met / cannot yet be told apart, its deadline and
    the path to it, for the whole municipality in the chosen wave."""

    indicator: Indicator
    name: TranslatedText
    total: Result | None
    verdict: Verdict
    target_text: str
    deadline_text: str
    path_text: str


def verdict_lines(results: SurveyResults, wave: Wave, today) -> list[VerdictLine]:
    """A line for each indicator of `wave`'s survey that has a target, in the dashboard's order."""
    prefetch_names(results)
    lines = []
    for indicator in results.indicators:
        if indicator.question.survey_id != wave.survey_id or indicator.target is None:
            continue
        total = results.get(indicator, wave, TOTAL)
        shown = total is not None and total.shown
        found = verdict(
            status=total.status if shown else None,
            on_track=total.on_track if shown else None,
            has_baseline=indicator.baseline is not None,
            deadline=indicator.deadline,
            today=today,
        )
        lines.append(
            VerdictLine(
                indicator=indicator,
                name=indicator.translated("name"),
                total=total if shown else None,
                verdict=found,
                target_text=target_text(indicator),
                deadline_text=deadline_text(found),
                path_text=path_text(found),
            )
        )
    return lines
