from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .forms import LoginForm

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# Danish lives at the root, English under /en/, so a language switch is a plain link.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path(
        "konto/log-ind/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("konto/log-ud/", auth_views.LogoutView.as_view(), name="logout"),
    path("personale/", views.staff_home, name="staff-home"),
    path("personale/", include("consent.urls")),
    path("personale/", include("portal.staff_urls")),  # administration/…, invitation/<token>/
    path("tilgaengelighed/", views.accessibility_statement, name="accessibility"),
    path("", include("surveys.urls")),  # /undersoegelse/…, /personale/undersoegelser/…, …/saadan-gaar-det/
    path("<slug:municipality_slug>/find-rundt/", include("contacts.urls")),
    path("<slug:municipality_slug>/", views.municipality_home, name="municipality"),
    path("<slug:municipality_slug>/<slug:page_slug>/", views.policy_page, name="policy-page"),
    prefix_default_language=False,
)
