from django.urls import path

from . import staff_views

app_name = "contacts-staff"

urlpatterns = [
    path("henvendelser/", staff_views.request_list, name="requests"),  # relatives' "Ring mig op" / "Skriv til mig"
    path("henvendelser/<int:pk>/", staff_views.request_detail, name="request"),
    path("find-rundt/import/", staff_views.import_upload, name="import"),  # the directory's import
    path("find-rundt/import/gem/", staff_views.import_confirm, name="import-confirm"),
    path("find-rundt/import/<int:pk>/", staff_views.import_progress, name="import-progress"),
    path("find-rundt/skabelon.xlsx", staff_views.import_template, name="import-template"),
]
