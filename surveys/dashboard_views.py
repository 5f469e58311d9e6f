"""The managers' dashboard of the relatives' survey, its exports, and the public "Sådan går det" page.

Only managers (Leder) of the survey's municipality see the dashboard and its exports; anyone else who
is logged in gets 403, a manager of another municipality 404, and an anonymous visitor the login page.
Each page and export runs a fixed number of queries, whatever the number of answers (surveys.results
counts in the database). The public page shows the headline indicators for the latest closed wave,
with the same suppression, and never a free-text answer.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import wraps
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal.models import Municipality, TranslatedText
from portal.public_cache import public_municipality_page
from portal.scoping import visible_to
from portal.views import crumb

from .access import may_run_surveys
from .charts import Chart, trend_chart
from .models import Answer, Indicator, Survey, Wave
from .results import (
    TOTAL,
    Result,
    SurveyResults,
    headline_results,
    indicator_path,
    percent,
    survey_results,
)
from .scoring import MIN_GROUP_SIZE


def manager_required(view):
    """Login first (anonymous visitors go to the login page), then the manager's role (else 403)."""

    @login_required
    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_run_surveys(request.user):  # managers see their own municipality only
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def survey_for(user, survey_id: int) -> Survey:
    """The survey, if it belongs to the user's municipality (404 otherwise)."""
    return get_object_or_404(visible_to(user, Survey.objects.select_related("municipality")), pk=survey_id)


# --- what the templates show --------------------------------------------------------------------


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


def target_text(indicator: Indicator) -> str:
    if indicator.target is None:
        return ""
    share = percent(float(indicator.target))
    if indicator.deadline:
        return _("%(share)s by %(deadline)s") % {"share": share, "deadline": date_format(indicator.deadline)}
    return share


def baseline_text(indicator: Indicator) -> str:
    if indicator.baseline is None:
        return ""
    share = percent(float(indicator.baseline))
    return _("%(share)s on %(date)s") % {"share": share, "date": date_format(indicator.baseline_date)}


def panels_for(results: SurveyResults, wave: Wave) -> list[IndicatorPanel]:
    panels = []
    for indicator in results.indicators:
        if indicator.question.survey_id != wave.survey_id:
            continue
        trend = results.trend(indicator)
        name = indicator.translated("name")
        panels.append(
            IndicatorPanel(
                indicator=indicator,
                name=name,
                question=indicator.question.translated("text"),
                total=results.get(indicator, wave, TOTAL),
                areas=results.area_rows(indicator, wave),
                units=results.unit_rows(indicator, wave),
                trend=trend,
                chart=trend_chart(
                    f"chart-{indicator.pk}",
                    str(name),
                    trend,
                    None if indicator.target is None else float(indicator.target),
                ),
                target_text=target_text(indicator),
                baseline_text=baseline_text(indicator),
                has_path=indicator_path(indicator) is not None,
            )
        )
    return panels


def default_wave(waves: list[Wave]) -> Wave | None:
    """The latest wave that has opened (the first one if none has)."""
    today = timezone.localdate()
    opened = [wave for wave in waves if wave.opens_on <= today]
    return (opened or waves or [None])[-1]


def chosen_wave(request, waves: list[Wave]) -> Wave | None:
    wanted = request.GET.get("wave")
    if not wanted:
        return default_wave(waves)
    wave = next((wave for wave in waves if str(wave.pk) == wanted), None)
    if wave is None:
        raise Http404
    return wave


def staff_crumbs(*rest) -> list[dict]:
    return [crumb(_("For staff"), reverse("staff-home")), *rest]


# --- the dashboard ------------------------------------------------------------------------------


@manager_required
def index(request):
    """The manager's municipality's surveys: straight to the dashboard when there is one."""
    surveys = list(visible_to(request.user, Survey.objects.select_related("municipality")))
    if len(surveys) == 1:
        return redirect("dashboard:survey", survey_id=surveys[0].pk)
    context = {"surveys": surveys, "crumbs": staff_crumbs(crumb(_("Survey results")))}
    return render(request, "surveys/results/index.html", context)


@manager_required
def dashboard(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    results = survey_results(survey)
    wave = chosen_wave(request, results.waves)
    context = {
        "survey": survey,
        "municipality": survey.municipality,
        "results": results,
        "waves": results.waves,
        "wave": wave,
        "panels": panels_for(results, wave) if wave else [],
        "limit": MIN_GROUP_SIZE,
        "crumbs": staff_crumbs(
            crumb(_("Survey results"), reverse("dashboard:index")), crumb(survey.translated("title"))
        ),
    }
    return render(request, "surveys/results/dashboard.html", context)


# --- exports ------------------------------------------------------------------------------------

FIGURE_COLUMNS = [
    "indicator", "wave", "wave_opens", "wave_closes", "group_kind", "group", "positive", "n", "dont_know",
    "share", "ci_low", "ci_high", "target", "status", "change_since_previous_wave", "previous_wave",
    "on_track", "hidden",
]  # fmt: skip
ANSWER_COLUMNS = ["response_id", "wave", "unit", "question_number", "question", "value", "text"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A text that a spreadsheet will not run as a formula (free text comes from anyone)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def figure_rows(results: SurveyResults) -> list[list]:
    """The dashboard's figures, one row per indicator × wave × group with answers; hidden ones without numbers."""
    rows = []
    for indicator in results.indicators:
        for wave in results.waves_of(indicator):
            for group in results.groups:
                result = results.get(indicator, wave, group)
                if result is None or not (result.shown or result.hidden):
                    continue
                figure, interval = result.figure, result.interval
                rows.append(
                    [
                        str(indicator.translated("name")),
                        wave.name,
                        wave.opens_on,
                        wave.closes_on,
                        group.kind.value,
                        group.label,
                        figure.positive if figure else None,
                        figure.n if figure else None,
                        figure.dont_know if figure else None,
                        round(figure.share, 4) if figure else None,
                        round(interval[0], 4) if interval else None,
                        round(interval[1], 4) if interval else None,
                        None if indicator.target is None else float(indicator.target),
                        result.status.value if result.status else "",
                        result.change.value if result.change else "",
                        result.previous_wave.name if result.previous_wave else "",
                        "" if result.on_track is None else ("yes" if result.on_track else "no"),
                        result.hidden.value if result.hidden else "",
                    ]
                )
    return rows


def export_name(survey: Survey, what: str, extension: str) -> str:
    return f"{survey.municipality.slug}-{what}-{timezone.localdate().isoformat()}.{extension}"


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class Echo:
    """A file-like object that hands back what is written, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_text(rows: Iterable) -> Iterator[str]:
    writer = csv.writer(Echo())
    for row in rows:
        yield writer.writerow([safe_cell("" if value is None else value) for value in row])


@manager_required
def figures_csv(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    rows = figure_rows(survey_results(survey))
    content = "\ufeff" + "".join(csv_text([FIGURE_COLUMNS, *rows]))  # the BOM lets Excel read UTF-8
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    return attachment(response, export_name(survey, "resultater", "csv"))


@manager_required
def figures_xlsx(request, survey_id: int):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    survey = survey_for(request.user, survey_id)
    rows = figure_rows(survey_results(survey))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Resultater"
    sheet.append(FIGURE_COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    share_columns = {FIGURE_COLUMNS.index(name) + 1 for name in ("share", "ci_low", "ci_high", "target")}
    date_columns = {FIGURE_COLUMNS.index(name) + 1 for name in ("wave_opens", "wave_closes")}
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
        for column in share_columns:
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.0%"
        for column in date_columns:
            sheet.cell(row=sheet.max_row, column=column).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return attachment(response, export_name(survey, "resultater", "xlsx"))


@manager_required
def answers_csv(request, survey_id: int):
    """Every anonymous answer, one row each, free text included: for the managers only, never public."""
    survey = survey_for(request.user, survey_id)
    answers = Answer.objects.filter(response__wave__survey=survey)
    if "wave" in request.GET:
        wave = chosen_wave(request, list(Wave.objects.filter(survey=survey)))
        answers = answers.filter(response__wave=wave)
    rows = (
        answers.order_by("response__wave__opens_on", "response__wave_id", "response_id", "question__order", "pk")
        .values_list(
            "response_id",
            "response__wave__name",
            "response__unit__name",
            "question__order",
            "question__text",
            "value",
            "text",
        )  # fmt: skip
        .iterator(chunk_size=2000)
    )
    content = (chunk for part in (["\ufeff"], csv_text([ANSWER_COLUMNS]), csv_text(rows)) for chunk in part)
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    return attachment(response, export_name(survey, "svar", "csv"))


# --- the public page ----------------------------------------------------------------------------


@dataclass
class PublicSurvey:
    survey: Survey
    wave: Wave
    panels: list[IndicatorPanel]


@public_municipality_page
def how_it_goes(request, municipality: Municipality):
    """Sådan går det: the headline indicators against their targets, for the latest closed wave."""
    results = headline_results(municipality)
    surveys: dict[int, PublicSurvey] = {}
    for indicator in results.indicators:
        survey = indicator.question.survey
        if survey.pk in surveys:
            continue
        waves = results.waves_of(indicator)
        if waves:
            panels = panels_for(results, waves[-1])
            for panel in panels:  # the public sees no hidden group, not even its name
                panel.areas = [result for result in panel.areas if result.shown]
                panel.units = [result for result in panel.units if result.shown]
            surveys[survey.pk] = PublicSurvey(survey, waves[-1], panels)
    context = {
        "municipality": municipality,
        "limit": MIN_GROUP_SIZE,
        "surveys": list(surveys.values()),
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(_("How it is going")),
        ],
    }
    return render(request, "surveys/results/how_it_goes.html", context)
