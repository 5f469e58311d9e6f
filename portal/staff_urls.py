"""Under /personale/: the administrator's staff pages, the invitation link, and the editors' translations. Ids only in
URLs."""

from django.urls import path

from . import staff_views as views
from . import translation_views

app_name = "staff"

urlpatterns = [
    path("administration/", views.staff_list, name="list"),
    path("administration/inviter/", views.invite, name="invite"),
    path("administration/personer/<int:pk>/", views.person, name="person"),
    path("administration/personer/<int:pk>/deaktiver/", views.deactivate, name="deactivate"),
    path("administration/personer/<int:pk>/inviter-igen/", views.reinvite, name="reinvite"),
    path("administration/enheder/", views.units, name="units"),
    path("administration/enheder/<int:pk>/", views.unit, name="unit"),
    path("administration/enheder/<int:pk>/luk/", views.close_unit, name="close-unit"),
    path("administration/import/", views.import_upload, name="import"),
    path("administration/import/bekraeft/", views.import_confirm, name="import-confirm"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    # The editors' translations (portal.translation_views); <kind> is a model's label, e.g. contacts.need.
    path("oversaettelser/", translation_views.overview, name="translations"),
    path("oversaettelser/godkend/", translation_views.approve, name="translations-approve"),
    path("oversaettelser/<str:language>/<str:kind>/<int:pk>/", translation_views.side_by_side, name="translation"),
    path(
        "oversaettelser/<str:language>/eksport.<str:file_format>",
        translation_views.export,
        name="translations-export",
    ),
    path("oversaettelser/<str:language>/import/", translation_views.import_file, name="translations-import"),
]
