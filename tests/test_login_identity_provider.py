"""Staff log in through their municipality's own identity provider: a REAL OpenID Provider process
(tests/oidc_provider/server.js, npm `oidc-provider`), two issuers for two municipalities.

Only an active staff account of the provider's municipality gets in, found by the subject or a verified
e-mail address; everything else is refused with a clear page, logged, and creates no account.
"""

import logging
import urllib.error
import urllib.parse

import jwt
import pytest
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.models import User
from portal.roles import Role
from portal.staff_services import deactivate_staff
from tests.factories import IdentityProviderFactory, StaffFactory
from tests.openid_provider import OTHER_CLIENT, PORTAL_CLIENT, callback_path, running_openid_provider

pytestmark = pytest.mark.xdist_group("openid-provider")  # one OpenID Provider process for the module


@pytest.fixture(scope="module")
def provider():
    with running_openid_provider(["http://testserver"]) as running:
        yield running


@pytest.fixture
def apps(provider, municipality, other_municipality):
    """Testrup's and Andeby's identity providers, as the platform administrator sets them."""
    return {
        slug: IdentityProviderFactory(
            municipality=owner,
            issuer=provider.issuers[slug],
            client_id=PORTAL_CLIENT[slug][0],
            secret=PORTAL_CLIENT[slug][1],
        )
        for slug, owner in (("testrup", municipality), ("andeby", other_municipality))
    }


@pytest.fixture
def sara(municipality):
    return StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], username="sara", email="Sara@Testrup.dk")


def start_login(client, slug="testrup") -> str:
    """Presses "Log ind med … login" on the portal; the provider's authorization URL it sends the browser to."""
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": slug}))
    assert response.status_code == 302, response
    return response["Location"]


def finish_login(client, returned_url: str):
    parts = urllib.parse.urlsplit(returned_url)
    return client.get(f"{parts.path}?{parts.query}")


def log_in(client, provider, subject, slug="testrup"):
    return finish_login(client, provider.sign_in(start_login(client, slug), subject))


def query(url: str) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def assert_refused(response, client, caplog, text="kunne ikke logges ind"):
    assert response.status_code in (401, 403) and text in response.text
    assert "_auth_user_id" not in client.session
    assert any(
        record.levelno == logging.WARNING and "identity provider" in record.getMessage() for record in caplog.records
    )
    assert not any("@" in record.getMessage() for record in caplog.records), "no e-mail address in the log"


def test_the_login_page_offers_each_municipalitys_own_login(client, apps):
    text = client.get(reverse("login")).text
    assert "Log ind med Testrup Kommunes login" in text and "Log ind med Andeby Kommunes login" in text


def test_a_caseworker_logs_in_through_the_municipalitys_provider_without_a_second_prompt(client, provider, apps, sara):
    response = log_in(client, provider, "sara-sub")
    assert response.status_code == 302 and response["Location"] == reverse("staff-home")
    assert client.session["_auth_user_id"] == str(sara.pk)
    assert client.get(reverse("staff-home")).status_code == 200  # the provider carried the second factor
    link = SocialAccount.objects.get(user=sara)
    assert (link.provider, link.uid) == ("testrup", "sara-sub")


def test_the_subject_finds_the_person_again_after_the_first_login(client, provider, apps, sara):
    log_in(client, provider, "sara-sub")
    client.post(reverse("logout"))
    User.objects.filter(pk=sara.pk).update(email="sara.new@testrup.dk")
    log_in(client, provider, "sara-sub")
    assert client.session["_auth_user_id"] == str(sara.pk)


def test_a_person_without_a_staff_account_is_refused_and_no_account_is_made(client, provider, apps, sara, caplog):
    users = User.objects.count()
    assert_refused(log_in(client, provider, "stranger-sub"), client, caplog)
    assert User.objects.count() == users and not SocialAccount.objects.exists()


def test_an_unverified_email_address_is_refused(client, provider, apps, municipality, caplog):
    StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], username="ulla", email="ulla@testrup.dk")
    assert_refused(log_in(client, provider, "ulla-sub"), client, caplog)
    assert not SocialAccount.objects.exists()


def test_a_deactivated_account_is_refused(client, provider, apps, sara, caplog):
    User.objects.filter(pk=sara.pk).update(is_active=False)
    assert_refused(log_in(client, provider, "sara-sub"), client, caplog)


def test_deactivating_a_person_ends_the_session_they_began_at_the_provider(
    client, provider, apps, sara, administrator, caplog
):
    log_in(client, provider, "sara-sub")
    assert client.get(reverse("staff-home")).status_code == 200
    deactivate_staff(user=sara, acting_user=administrator)
    response = client.get(reverse("staff-home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert_refused(log_in(client, provider, "sara-sub"), client, caplog)


def test_a_person_of_andeby_never_gets_into_testrup(client, provider, apps, municipality, caplog):
    """Andeby's provider vouches for anders@andeby.dk; a Testrup account with that address stays shut."""
    StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], username="anders-testrup", email="anders@andeby.dk"
    )
    assert_refused(log_in(client, provider, "anders-sub", slug="andeby"), client, caplog)
    assert not SocialAccount.objects.exists()


def test_a_link_to_another_municipalitys_account_does_not_open_it(client, provider, apps, municipality, caplog):
    """Even a stored link from Andeby's provider to a Testrup account (say, made by mistake) lets nobody in."""
    victim = StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], username="anders-testrup", email="anders@andeby.dk"
    )
    SocialAccount.objects.create(user=victim, provider="andeby", uid="anders-sub")
    assert_refused(log_in(client, provider, "anders-sub", slug="andeby"), client, caplog)


def test_a_code_from_another_municipalitys_issuer_is_refused(client, provider, apps, sara, caplog):
    """The browser comes back to Testrup's callback with a code that Andeby's provider issued."""
    state = query(start_login(client, "testrup"))["state"]
    foreign = provider.sign_in(
        provider.authorize_url("andeby", PORTAL_CLIENT["andeby"][0], "http://testserver" + callback_path("testrup")),
        "sara-sub",
    )
    response = client.get(callback_path("testrup"), {"code": query(foreign)["code"], "state": state})
    assert_refused(response, client, caplog, text="ikke lykkedes")


def test_a_code_issued_to_another_client_is_refused(client, provider, apps, sara, caplog):
    state = query(start_login(client))["state"]
    other = provider.sign_in(
        provider.authorize_url("testrup", OTHER_CLIENT[0], "http://testserver" + callback_path("testrup")), "sara-sub"
    )
    response = client.get(callback_path("testrup"), {"code": query(other)["code"], "state": state})
    assert_refused(response, client, caplog, text="ikke lykkedes")


def test_an_id_token_for_another_client_does_not_verify(provider, apps):
    """A real ID token that Testrup's provider signed for another client is not accepted as the portal's."""
    redirect_uri = "http://testserver" + callback_path("testrup")
    returned = provider.sign_in(provider.authorize_url("testrup", OTHER_CLIENT[0], redirect_uri), "sara-sub")
    id_token = provider.token("testrup", query(returned)["code"], OTHER_CLIENT, redirect_uri)["id_token"]
    issuer = provider.issuers["testrup"]
    with pytest.raises(OAuth2Error) as refused:
        jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=f"{issuer}/jwks",
            issuer=issuer,
            audience=apps["testrup"].client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
        )
    assert isinstance(refused.value.__cause__, jwt.InvalidAudienceError)


def test_a_wrong_state_is_refused(client, provider, apps, sara, caplog):
    returned = provider.sign_in(start_login(client), "sara-sub")
    response = client.get(callback_path("testrup"), {"code": query(returned)["code"], "state": "forged"})
    assert_refused(response, client, caplog, text="ikke lykkedes")


def test_a_replayed_code_is_refused(client, provider, apps, sara, caplog):
    returned = provider.sign_in(start_login(client), "sara-sub")
    finish_login(client, returned)
    assert client.session["_auth_user_id"] == str(sara.pk)
    client.post(reverse("logout"))
    state = query(start_login(client))["state"]
    response = client.get(callback_path("testrup"), {"code": query(returned)["code"], "state": state})
    assert_refused(response, client, caplog, text="ikke lykkedes")


def test_the_platform_administrator_sets_a_provider_by_command(provider, municipality, monkeypatch):
    monkeypatch.setenv("TESTRUP_OIDC_SECRET", "s3cret")
    issuer = provider.issuers["testrup"]
    call_command(
        "set_identity_provider",
        "testrup",
        issuer=issuer,
        client_id="portal-testrup",
        client_secret_env="TESTRUP_OIDC_SECRET",
    )
    app = SocialApp.objects.get(provider="openid_connect", provider_id="testrup")
    assert (app.client_id, app.secret, app.settings["server_url"], app.name) == (
        "portal-testrup",
        "s3cret",
        issuer,
        "Testrup Kommune",
    )


def test_the_command_refuses_an_issuer_whose_discovery_names_another(provider, municipality, monkeypatch):
    monkeypatch.setenv("SECRET", "x")
    with pytest.raises(CommandError, match="names the issuer"):
        call_command(
            "set_identity_provider",
            "testrup",
            issuer=provider.issuers["andeby"].replace("127.0.0.1", "localhost"),
            client_id="c",
            client_secret_env="SECRET",
        )
    with pytest.raises(CommandError, match="not set"):
        call_command(
            "set_identity_provider",
            "testrup",
            issuer=provider.issuers["testrup"],
            client_id="c",
            client_secret_env="UNSET_VARIABLE_FOR_TEST",
        )
    assert not SocialApp.objects.exists()


def test_the_login_pages_csp_lets_its_buttons_lead_to_the_providers_only(client, apps, provider):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert set(form_action.split()[1:]) == {"'self'", provider.issuers["testrup"], provider.issuers["andeby"]}


def test_the_login_page_runs_two_queries_however_many_providers(client, apps, django_assert_num_queries):
    with django_assert_num_queries(2):  # the providers for the buttons, their origins for the CSP
        assert client.get(reverse("login")).status_code == 200
