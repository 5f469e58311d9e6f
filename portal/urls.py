from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/login/", views.admin_login),  # the admin's users log in like all staff: with a second factor
    path("admin/", admin.site.urls),
    path("<slug:municipality_slug>/udseende.css", views.municipality_style, name="municipality-style"),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"

# Danish lives at the root, English under /en/, so a language switch is a plain link.
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # django-allauth's login and logout at the portal's own addresses.
    path("konto/log-ind/", views.login, name="login"),
    path("konto/log-ud/", views.logout, name="logout"),
    # allauth's, but refusing to remove a person's last second factor.
    path("konto/2fa/webauthn/keys/<int:pk>/remove/", views.remove_security_key, name="mfa_remove_webauthn"),
    path("konto/", include("allauth.urls")),  # second factor, password reset, identity providers (oidc/<slug>/…)
    # After allauth's: of two patterns with one name, reverse() gives the one defined last, so allauth's own
    # redirects (a failed passkey, "Cancel" on the second factor) land on the portal's login page too.
    path("konto/log-ind/", views.login, name="account_login"),
    path("konto/log-ud/", views.logout, name="account_logout"),
    path("personale/", views.staff_home, name="staff-home"),
    path("personale/e-mails/", views.email_settings, name="email-settings"),
    path("personale/persondata/", views.personal_data, name="personal-data"),
    path("personale/", include("consent.urls")),
    path("personale/", include("portal.staff_urls")),  # administration/…, invitation/<token>/
    path("personale/", include("contacts.staff_urls")),  # henvendelser/…, find-rundt/import/…
    path("tilgaengelighed/", views.accessibility_statement, name="accessibility"),
    path("", include("surveys.urls")),  # /undersoegelse/…, /personale/undersoegelser/…, …/saadan-gaar-det/
    path("<slug:municipality_slug>/find-rundt/", include("contacts.urls")),
    path("<slug:municipality_slug>/", views.municipality_home, name="municipality"),
    path("<slug:municipality_slug>/hele-politikken/", views.whole_policy, name="whole-policy"),
    path("<slug:municipality_slug>/hele-politikken/pdf/", views.whole_policy_pdf, name="whole-policy-pdf"),
    path("<slug:municipality_slug>/soeg/", views.site_search, name="site-search"),
    path("<slug:municipality_slug>/<slug:page_slug>/", views.policy_page, name="policy-page"),
    prefix_default_language=False,
)
