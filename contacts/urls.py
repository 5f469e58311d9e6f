from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("situation/<int:pk>/", views.situation_detail, name="situation"),
    path("kontakt/<int:pk>/", views.contact_detail, name="contact"),
    path("til-dig-som-paaroerende/", views.offers, name="offers"),
    path("hvordan-har-du-det/", views.self_check, name="self-check"),
    path("ring-mig-op/", views.contact_request, name="contact-request"),
    path("hsds.json", views.hsds_json_export, name="hsds-json"),
    path("hsds.zip", views.hsds_zip_export, name="hsds-zip"),
]
