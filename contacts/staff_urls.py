from django.urls import path

from . import staff_views

app_name = "contacts-staff"

urlpatterns = [
    path("", staff_views.request_list, name="requests"),
    path("<int:pk>/", staff_views.request_detail, name="request"),
]
