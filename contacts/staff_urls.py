from django.urls import path

from . import staff_views

app_name = "contacts-staff"

urlpatterns = [
    path("import/", staff_views.import_upload, name="import"),
    path("import/gem/", staff_views.import_confirm, name="import-confirm"),
    path("skabelon.xlsx", staff_views.import_template, name="import-template"),
]
