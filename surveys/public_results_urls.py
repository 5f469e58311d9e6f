"""The public "Sådan går det" page, under /<municipality>/saadan-gaar-det/ (see portal/urls.py)."""

from django.urls import path

from . import dashboard_views

app_name = "results"

urlpatterns = [
    path("", dashboard_views.how_it_goes, name="how-it-goes"),
]
