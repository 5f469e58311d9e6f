"""The managers' dashboard of the relatives' survey, and its exports.

Only managers (Leder) of the survey's municipality see the dashboard and its exports; anyone else who
is logged in gets 403, a manager of another municipality 404, and an anonymous visitor the login page.
Each page and export runs a fixed number of queries, whatever the number of answers (surveys.results
counts in the database).
"""

import tempfile

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.login import recent_login_required
from portal.views import crumb

from . import exports, selectors
from .access import manager_required, survey_policy
from .forms import FreeTextWarningForm
from .languages import language_shares
from .models import Survey, Wave
from .presentation import panels_for, verdict_lines
from .results import GroupKind, SurveyResults, survey_results
from .scoring import MIN_GROUP_SIZE
from .suppression import units_named_in_answers


def survey_for(user, survey_id: int) -> Survey:
    """The survey, if the user may see it (404 otherwise)."""
    return get_object_or_404(survey_policy.visible(user, Survey.objects.select_related("municipality")), pk=survey_id)


def default_wave(waves: list[Wave], results: SurveyResults | None = None) -> Wave | None:
    """The latest wave that has answers (by `results`), else the latest that has opened (else the first)."""
    answered = [wave for wave in waves if results is not None and results.has_answers(wave)]
    if answered:
        return answered[-1]
    today = timezone.localdate()
    opened = [wave for wave in waves if wave.opens_on <= today]
    return (opened or waves or [None])[-1]


def chosen_wave(request, waves: list[Wave], results: SurveyResults | None = None) -> Wave | None:
    """The wave named by ?wave=, one of `waves` (404 for any other), else the default."""
    wanted = request.GET.get("wave")
    if not wanted:
        return default_wave(waves, results)
    wave = next((wave for wave in waves if str(wave.pk) == wanted), None)
    if wave is None:
        raise Http404
    return wave


def staff_crumbs(*rest) -> list[dict]:
    return [crumb(_("For staff"), reverse("staff-home")), *rest]


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@manager_required
def index(request):
    """The manager's municipality's surveys: straight to the dashboard when there is one."""
    surveys = list(survey_policy.visible(request.user, Survey.objects.select_related("municipality")))
    if len(surveys) == 1:
        return redirect("surveys:dashboard", survey_id=surveys[0].pk)
    context = {"surveys": surveys, "crumbs": staff_crumbs(crumb(_("Survey results")))}
    return render(request, "surveys/results/index.html", context)


@manager_required
def dashboard(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    results = survey_results(survey)
    wave = chosen_wave(request, results.waves, results)
    context = {
        "survey": survey,
        "municipality": survey.municipality,
        "results": results,
        "waves": results.waves,
        "wave": wave,
        "panels": panels_for(results, wave) if wave else [],
        "verdicts": verdict_lines(results, wave, timezone.localdate()) if wave else [],
        "language_shares": language_shares(selectors.responses_per_language(request.user, wave))
        if wave and not wave.is_external
        else [],
        "limit": MIN_GROUP_SIZE,
        "may_read_free_text": may_read_free_text(request.user),
        "crumbs": staff_crumbs(
            crumb(_("Survey results"), reverse("surveys:results")), crumb(survey.translated("title"))
        ),
    }
    return render(request, "surveys/results/dashboard.html", context)


@manager_required
@recent_login_required
def figures_csv(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    lines = exports.figures_csv(survey_results(survey))
    return attachment(
        StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8"),
        exports.export_name(survey, "resultater", "csv"),
    )


@manager_required
@recent_login_required
def figures_xlsx(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    workbook = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the response is sent
    exports.figures_xlsx(survey_results(survey), workbook)
    workbook.seek(0)
    name = exports.export_name(survey, "resultater", "xlsx")
    return FileResponse(workbook, as_attachment=True, filename=name, content_type=exports.XLSX_TYPE)


FREE_TEXT_PERMISSION = "surveys.view_answer_text"


def may_read_free_text(user) -> bool:
    """Free text may name someone: only a manager given the permission downloads it."""
    return user.has_perm(FREE_TEXT_PERMISSION)


def answers_response(request, survey: Survey, wave: Wave | None, results: SurveyResults, *, with_text: bool):
    named_units = named_in_answers(request.user, survey, wave, results)
    left_out = left_out_of_answers(request.user, survey, wave, results)
    if connection.vendor == "postgresql":  # the database writes the CSV
        answers = selectors.exported_answers(request.user, survey, wave, with_text=with_text)
        lines = exports.answers_csv_copy(answers, named_units, with_text=with_text, left_out=left_out)
    else:
        rows = selectors.answer_rows(request.user, survey, wave, with_text=with_text).iterator(chunk_size=2000)
        lines = exports.answers_csv(rows, named_units, with_text=with_text, left_out=left_out)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return attachment(response, exports.export_name(survey, "svar", "csv"))


def named_in_answers(user, survey: Survey, wave: Wave | None, results: SurveyResults) -> dict:
    """{(wave, unit): the unit's name} for the units the answers export may name (surveys.suppression)."""
    names = {int(group.key): group.name for group in results.units}
    named = {}
    for wave_id, responses in selectors.responses_per_unit(user, survey, wave).items():
        hidden = {
            int(result.group.key)
            for (_indicator, result_wave, group), result in results.results.items()
            if result_wave == wave_id and group.kind == GroupKind.UNIT and result.hidden
        }
        for unit_id in units_named_in_answers(responses, hidden):
            if unit_id in names:
                named[(wave_id, unit_id)] = names[unit_id]
    return named


def left_out_of_answers(user, survey: Survey, wave: Wave | None, results: SurveyResults) -> set:
    """The (wave, question) pairs the answers export leaves out: fewer than MIN_GROUP_SIZE answered the question
    in the wave, or the dashboard hides the municipality's total of an indicator on it."""
    answered = selectors.answered_per_question(user, survey, wave)
    small = {key for key, count in answered.items() if count < MIN_GROUP_SIZE}
    hidden_totals = {
        (result_wave, result.indicator.question_id)
        for (_indicator, result_wave, group), result in results.results.items()
        if group.kind == GroupKind.TOTAL and result.hidden
    }
    return small | hidden_totals


@manager_required
@recent_login_required
def answers_csv(request, survey_id: int):
    """Every anonymous answer, one row each, without free text; small units are “Other units”."""
    survey = survey_for(request.user, survey_id)
    results = survey_results(survey)
    wave = chosen_wave(request, results.waves) if "wave" in request.GET else None
    return answers_response(request, survey, wave, results, with_text=False)


@manager_required
def answers_with_text(request, survey_id: int):
    """The answers with free text: a warning first, then (POST, the warning ticked) the file."""
    survey = survey_for(request.user, survey_id)
    if not may_read_free_text(request.user):
        raise PermissionDenied
    results = survey_results(survey)
    wave = chosen_wave(request, results.waves) if "wave" in request.GET else None
    form = FreeTextWarningForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return answers_response(request, survey, wave, results, with_text=True)
    context = {
        "survey": survey,
        "municipality": survey.municipality,
        "wave": wave,
        "form": form,
        "crumbs": staff_crumbs(
            crumb(_("Survey results"), reverse("surveys:results")),
            crumb(survey.translated("title"), reverse("surveys:dashboard", args=[survey.pk])),
            crumb(_("Answers with free text")),
        ),
    }
    return render(request, "surveys/results/free_text_warning.html", context)
