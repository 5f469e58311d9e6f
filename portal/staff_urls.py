"""Staff administration, under /personale/: the administrator's pages and the invitation link. Ids only in URLs."""

from django.urls import path

from . import staff_views as views

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
]
