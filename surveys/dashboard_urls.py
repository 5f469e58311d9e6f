"""The managers' dashboard of the survey results, under /personale/resultater/ (see portal/urls.py)."""

from django.urls import path

from . import dashboard_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.index, name="index"),
    path("<int:survey_id>/", dashboard_views.dashboard, name="survey"),
    path("<int:survey_id>/resultater.csv", dashboard_views.figures_csv, name="figures-csv"),
    path("<int:survey_id>/resultater.xlsx", dashboard_views.figures_xlsx, name="figures-xlsx"),
    path("<int:survey_id>/svar.csv", dashboard_views.answers_csv, name="answers-csv"),
]
