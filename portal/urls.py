from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/login/", views.admin_login),  # the admin's users log in like all staff: with a second factor
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"

# Danish lives at the root, English under /en/, so a language switch is a plain link.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # django-allauth's login and logout at the portal's own addresses (the first name wins when reversing).
    path("konto/log-ind/", views.login, name="login"),
    path("konto/log-ind/", views.login, name="account_login"),
    path("konto/log-ud/", views.logout, name="logout"),
    path("konto/log-ud/", views.logout, name="account_logout"),
    path("konto/", include("allauth.urls")),  # second factor, password reset, identity providers (oidc/<slug>/…)
    path("personale/", views.staff_home, name="staff-home"),
    path("personale/e-mails/", views.email_settings, name="email-settings"),
    path("personale/persondata/", views.personal_data, name="personal-data"),
    path("personale/find-rundt/", include("contacts.staff_urls")),  # the directory's import
    path("personale/", include("consent.urls")),
    path("personale/", include("portal.staff_urls")),  # administration/…, invitation/<token>/
    path("tilgaengelighed/", views.accessibility_statement, name="accessibility"),
    path("", include("surveys.urls")),  # /undersoegelse/…, /personale/undersoegelser/…, …/saadan-gaar-det/
    path("<slug:municipality_slug>/find-rundt/", include("contacts.urls")),
    path("<slug:municipality_slug>/", views.municipality_home, name="municipality"),
    path("<slug:municipality_slug>/soeg/", views.site_search, name="site-search"),
    path("<slug:municipality_slug>/<slug:page_slug>/", views.policy_page, name="policy-page"),
    prefix_default_language=False,
)
