"""Every address of the relatives' survey (included at the site's root by portal/urls.py, Danish at the
root and English under /en/)."""

from django.urls import path, register_converter

from . import dashboard_views, how_it_goes, letter_views, plan_views, report_views, views


class CodeConverter:
    """A typed-in code as it may appear in a link: letters, digits and hyphens (checked by the view)."""

    regex = "[A-Za-z0-9-]{6,24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "survey_code")

app_name = "surveys"

urlpatterns = [
    # A relative answers (no login).
    path("undersoegelse/", views.enter_code, name="enter-code"),
    path("undersoegelse/tak/", views.thanks, name="thanks"),
    path("undersoegelse/aaben/<uuid:key>/", views.answer_open_link, name="open-link"),
    path("undersoegelse/<survey_code:code>/", views.answer_with_code, name="answer"),
    # A manager hands out invitations.
    path("personale/undersoegelser/", views.manager_overview, name="manage"),
    path("personale/undersoegelser/<int:pk>/sprog/", views.survey_languages, name="languages"),
    path("personale/undersoegelser/runde/<int:pk>/invitationer/", views.create_invitations, name="invitations"),
    path("personale/undersoegelser/udsendelse/<int:pk>/", views.email_round, name="email-round"),
    path("personale/undersoegelser/udsendelse/<int:pk>/status/", views.email_round_status, name="email-round-status"),
    path("personale/undersoegelser/udsendelse/<int:pk>/paamindelse/", views.remind, name="email-round-remind"),
    path(
        "personale/undersoegelser/runde/<int:pk>/breve-med-adresse/",
        letter_views.address_letters,
        name="address-letters",
    ),
    # A manager reads the results.
    path("personale/resultater/", dashboard_views.index, name="results"),
    path("personale/resultater/<int:survey_id>/", dashboard_views.dashboard, name="dashboard"),
    path("personale/resultater/<int:survey_id>/resultater.csv", dashboard_views.figures_csv, name="figures-csv"),
    path("personale/resultater/<int:survey_id>/resultater.xlsx", dashboard_views.figures_xlsx, name="figures-xlsx"),
    path("personale/resultater/<int:survey_id>/svar.csv", dashboard_views.answers_csv, name="answers-csv"),
    path(
        "personale/resultater/<int:survey_id>/svar-med-fritekst/",
        dashboard_views.answers_with_text,
        name="answers-with-text",
    ),
    # A manager writes action plans.
    path("personale/handleplaner/", plan_views.plans, name="plans"),
    path("personale/handleplaner/ny/", plan_views.plan_new, name="plan-new"),
    path("personale/handleplaner/<int:pk>/", plan_views.plan_detail, name="plan"),
    path("personale/handleplaner/<int:pk>/handling/<int:action_pk>/", plan_views.action_edit, name="action"),
    # A manager makes the yearly follow-up report.
    path("personale/aarsrapport/", report_views.reports, name="reports"),
    path("personale/aarsrapport/<int:year>/", report_views.report, name="report"),
    path("personale/aarsrapport/<int:year>/aarsrapport.pdf", report_views.report_pdf, name="report-pdf"),
    # Anyone sees how the municipality is doing.
    path("<slug:municipality_slug>/saadan-gaar-det/", how_it_goes.how_it_goes, name="how-it-goes"),
    path("<slug:municipality_slug>/saadan-gaar-det/<int:year>/", report_views.public, name="public-report"),
]
