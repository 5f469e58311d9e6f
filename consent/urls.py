"""The caseworker's pages, under /personale/. URLs carry numeric ids only, never a name or a CPR number."""

from django.urls import path

from . import log_views, views

app_name = "consent"

urlpatterns = [
    path("borgere/", views.citizens, name="citizens"),
    path("borgere/ny/", views.register, name="register"),
    path("borgere/<int:pk>/", views.citizen_detail, name="citizen"),
    path("borgere/<int:pk>/paaroerende/ny/", views.relative_new, name="relative-new"),
    path("borgere/<int:pk>/dialog/ny/", views.dialogue_new, name="dialogue-new"),
    path("borgere/<int:pk>/samtykke/ny/", views.consent_new, name="consent-new"),
    path("borgere/<int:pk>/maa-jeg-oplyse/", views.disclosure, name="disclosure"),
    path("borgere/<int:pk>/aendring-i-hjaelpen/ny/", views.help_change_new, name="help-change-new"),
    path("aendringer-i-hjaelpen/<int:pk>/", views.help_change, name="help-change"),
    path("borgere/<int:pk>/aftaler/ny/", views.agreement_new, name="agreement-new"),
    path("borgere/<int:pk>/kvittering/", views.receipt, name="receipt"),
    path("borgere/<int:pk>/fhir/", views.fhir_export, name="fhir"),
    path("borgere/<int:pk>/log/", views.audit_log, name="audit-log"),
    path("borgere/<int:pk>/aaben/", views.break_glass, name="break-glass"),
    path("borgere/<int:pk>/indsigt/", views.access_request_page, name="access-request"),
    path("borgere/<int:pk>/indsigt/pdf/", views.access_request_pdf, name="access-request-pdf"),
    path("borgere/<int:pk>/indsigt/json/", views.access_request_json, name="access-request-json"),
    path("samtykke/<int:pk>/aendr/", views.consent_change, name="consent-change"),
    path("samtykke/<int:pk>/tilbagekald/", views.consent_revoke, name="consent-revoke"),
    path("aftaler/<int:pk>/opfoelgning/", views.follow_up, name="follow-up"),
    path("aftaler/<int:pk>/ansvarlig/", views.reassign, name="agreement-reassign"),
    path("opgaver/", views.tasks, name="tasks"),
    path("borgere/<int:pk>/ret/", views.correct_citizen, name="correct-citizen"),
    path("borgere/<int:pk>/afslut/", views.close_course, name="close"),
    path("paaroerende/<int:pk>/ret/", views.correct_relative, name="correct-relative"),
    path("dialog/<int:pk>/ret/", views.correct_dialogue, name="correct-dialogue"),
    path("aftaler/<int:pk>/ret/", views.correct_agreement, name="correct-agreement"),
    path("opbevaring/", views.retention_setting, name="retention"),
    path("logkontrol/", log_views.log_check_list, name="log-checks"),
    path("logkontrol/medarbejder/<int:pk>/", log_views.log_check_staff, name="log-checks-staff"),
    path("logkontrol/eksport.csv", log_views.log_check_export, {"kind": "csv"}, name="log-checks-csv"),
    path("logkontrol/eksport.xlsx", log_views.log_check_export, {"kind": "xlsx"}, name="log-checks-xlsx"),
]
