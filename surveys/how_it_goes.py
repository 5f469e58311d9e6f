"""The public "Sådan går det" page: how the municipality is doing against its policy's targets.

It shows the headline indicators of each survey for the survey's latest closed wave, with the dashboard's
suppression; a hidden group is left out altogether (not even its name), and so is every free-text answer.
Anonymous visitors are served from the page cache (portal.public_cache).
"""

from dataclasses import dataclass

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.models import Municipality
from portal.public_cache import public_municipality_page
from portal.views import crumb

from .models import Survey, Wave, YearlyReport
from .presentation import IndicatorPanel, panels_for
from .results import headline_results
from .scoring import MIN_GROUP_SIZE


@dataclass
class PublicSurvey:
    survey: Survey
    wave: Wave
    panels: list[IndicatorPanel]


def public_surveys(municipality: Municipality) -> list[PublicSurvey]:
    """Each survey that has headline indicators and a closed wave, with the panels of its latest closed wave."""
    results = headline_results(municipality)
    surveys: dict[int, PublicSurvey] = {}
    for indicator in results.indicators:
        survey = indicator.question.survey
        waves = results.waves_of(indicator)
        if survey.pk not in surveys and waves:
            surveys[survey.pk] = PublicSurvey(survey, waves[-1], panels_for(results, waves[-1], public=True))
    return list(surveys.values())


@public_municipality_page
def how_it_goes(request, municipality: Municipality):
    context = {
        "municipality": municipality,
        "limit": MIN_GROUP_SIZE,
        "surveys": public_surveys(municipality),
        "reports": list(
            YearlyReport.objects.filter(municipality=municipality, is_published=True).values_list("year", flat=True)
        ),
        "crumbs": [
            crumb(_("Front page"), reverse("home")),
            crumb(municipality.name, municipality.get_absolute_url()),
            crumb(_("How it is going")),
        ],
    }
    return render(request, "surveys/results/how_it_goes.html", context)
