"""A staff session ends on its own: idle timeout, 8 hours at most, browser close; staff pages are never cached;
the error pages are the portal's own, in Danish; identity providers are the platform administrator's alone."""

import time

import pytest
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.urls import reverse

from portal.login_middleware import SEEN_AT
from portal.roles import Role
from tests.factories import PASSWORD, IdentityProviderFactory, StaffFactory, SuperuserFactory


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_a_session_ends_after_the_idle_time_with_a_danish_notice(client, caseworker, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 30 * 60
    client.force_login(caseworker)
    age_session(client, portal_seen_at=30 * 60 + 1)
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?udloebet=inaktiv")
    assert "_auth_user_id" not in client.session
    notice = client.get(response["Location"]).text
    assert "Du er blevet logget ud, fordi du ikke har været aktiv i 30 minutter." in notice


def test_activity_keeps_the_session_alive(client, caseworker, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 30 * 60
    client.force_login(caseworker)
    age_session(client, portal_seen_at=29 * 60)
    assert client.get(reverse("staff-home")).status_code == 200
    assert time.time() - client.session[SEEN_AT] < 5  # the request counted as activity


def test_a_session_ends_eight_hours_after_the_login_however_active(client, caseworker):
    client.force_login(caseworker)
    age_session(client, portal_login_at=8 * 60 * 60, portal_seen_at=10)
    response = client.get(reverse("staff-home"))
    assert response["Location"].startswith(reverse("login") + "?udloebet=8-timer")
    assert "fordi du har været logget ind i 8 timer" in client.get(response["Location"]).text


def test_the_session_cookie_dies_with_the_browser(client, caseworker):
    response = client.post(reverse("login"), {"login": caseworker.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert response.status_code == 302 and cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a session cookie: gone when the browser closes


@pytest.mark.parametrize("url_name", ["staff-home", "consent:citizens", "surveys:results"])
def test_staff_pages_are_never_stored_by_a_browser_or_proxy(client, municipality, url_name):
    manager = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER, Role.MANAGER])
    client.force_login(manager)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("url_name", ["staff:list", "staff:invite", "staff:units", "staff:import"])
def test_the_staff_administration_pages_are_never_stored_either(client, administrator, url_name):
    client.force_login(administrator)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_invitation_link_page_is_never_stored(client, db):
    response = client.get(reverse("staff:invitation", args=["ikke-et-rigtigt-token"]))
    assert response.status_code == 404 and "no-store" in response["Cache-Control"]


def test_the_login_page_is_not_stored_either(client, db):
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]


def test_a_bad_request_gets_the_portals_danish_page(client, db):
    response = client.get(reverse("home"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Forespørgslen kunne ikke læses" in response.text and "<style" not in response.text


def test_a_forbidden_page_is_the_portals_danish_page(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:portal_user_changelist"))
    assert response.status_code == 403 and "Du har ikke adgang til siden" in response.text


def test_a_municipality_administrator_never_sees_or_changes_an_identity_provider(
    client, municipality, other_municipality, administrator
):
    own = IdentityProviderFactory(municipality=municipality)
    other = IdentityProviderFactory(municipality=other_municipality)
    client.force_login(administrator)
    assert client.get(reverse("admin:socialaccount_socialapp_changelist")).status_code == 403
    for app in (own, other):
        assert client.get(reverse("admin:socialaccount_socialapp_change", args=[app.pk])).status_code == 403
        response = client.post(
            reverse("admin:socialaccount_socialapp_change", args=[app.pk]),
            {
                "provider": "openid_connect",
                "provider_id": app.provider_id,
                "name": "x",
                "client_id": "evil",
                "secret": "evil",
                "settings": '{"server_url": "https://evil.example"}',
            },
        )
        assert response.status_code == 403
    assert client.get(reverse("admin:mfa_authenticator_changelist")).status_code == 403
    assert set(SocialApp.objects.values_list("client_id", flat=True)) == {own.client_id, other.client_id}
    assert "socialaccount" not in client.get(reverse("admin:index")).text


def test_the_platform_administrator_manages_identity_providers(client, municipality):
    IdentityProviderFactory(municipality=municipality)
    client.force_login(SuperuserFactory())
    response = client.get(reverse("admin:socialaccount_socialapp_changelist"))
    assert response.status_code == 200 and "Testrup Kommune" in response.text
