"""The managers' dashboard of the relatives' survey, and its exports.

Only managers (Leder) of the survey's municipality see the dashboard and its exports; anyone else who
is logged in gets 403, a manager of another municipality 404, and an anonymous visitor the login page.
Each page and export runs a fixed number of queries, whatever the number of answers (surveys.results
counts in the database).
"""

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.login import recent_login_required
from portal.views import crumb

from . import exports, selectors
from .access import manager_required, survey_policy
from .models import Survey, Wave
from .presentation import panels_for
from .results import survey_results
from .scoring import MIN_GROUP_SIZE


def survey_for(user, survey_id: int) -> Survey:
    """The survey, if the user may see it (404 otherwise)."""
    return get_object_or_404(survey_policy.visible(user, Survey.objects.select_related("municipality")), pk=survey_id)


def default_wave(waves: list[Wave]) -> Wave | None:
    """The latest wave that has opened (the first one if none has)."""
    today = timezone.localdate()
    opened = [wave for wave in waves if wave.opens_on <= today]
    return (opened or waves or [None])[-1]


def chosen_wave(request, waves: list[Wave]) -> Wave | None:
    """The wave named by ?wave=, one of `waves` (404 for any other), else the default."""
    wanted = request.GET.get("wave")
    if not wanted:
        return default_wave(waves)
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
            crumb(_("Survey results"), reverse("surveys:results")), crumb(survey.translated("title"))
        ),
    }
    return render(request, "surveys/results/dashboard.html", context)


@manager_required
@recent_login_required
def figures_csv(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    response = HttpResponse(exports.figures_csv(survey_results(survey)), content_type="text/csv; charset=utf-8")
    return attachment(response, exports.export_name(survey, "resultater", "csv"))


@manager_required
@recent_login_required
def figures_xlsx(request, survey_id: int):
    survey = survey_for(request.user, survey_id)
    response = HttpResponse(exports.figures_xlsx(survey_results(survey)), content_type=exports.XLSX_TYPE)
    return attachment(response, exports.export_name(survey, "resultater", "xlsx"))


@manager_required
@recent_login_required
def answers_csv(request, survey_id: int):
    """Every anonymous answer, one row each, free text included: for the managers only, never public."""
    survey = survey_for(request.user, survey_id)
    wave = chosen_wave(request, list(survey.waves.all())) if "wave" in request.GET else None
    rows = selectors.answer_rows(request.user, survey, wave).iterator(chunk_size=2000)
    response = StreamingHttpResponse(exports.answers_csv(rows), content_type="text/csv; charset=utf-8")
    return attachment(response, exports.export_name(survey, "svar", "csv"))
