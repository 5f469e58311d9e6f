"""Security keys and passkeys (WebAuthn, allauth's mfa) through HTTP: the portal's own pages, the rule that
nobody removes their last second factor, the relying party id, the scripts under the strict CSP, and the
query counts. The WebAuthn ceremony itself (a browser signing, the server checking) is the browser journey's,
tests/browser/test_passkey_journey.py; here a key is a stored row, as allauth keeps it after that ceremony."""

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from portal.roles import Role
from tests.authenticator import enrol_totp
from tests.factories import MunicipalityFactory, StaffFactory
from tests.test_staff_login import log_in_with_password

pytestmark = pytest.mark.django_db
# What a browser (or someone posting by hand) might send instead of a key's signed answer.
BROKEN_ANSWERS = ["", "ikke json", "{}", "[]", '{"id": "x", "response": {}}', '{"response": {"userHandle": "eA"}}']


def stored_key(user, name: str, *, passkey: bool = True) -> Authenticator:
    """A key as allauth stores it once added: its name and the browser's answer (here only the part that says
    whether it is a passkey; the pages below read nothing else)."""
    credential = {"clientExtensionResults": {"credProps": {"rk": passkey}}}
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": name, "credential": credential}
    )


@pytest.fixture
def sara(db):
    return StaffFactory(municipality=MunicipalityFactory(), roles=[Role.CASEWORKER], username="sara")


@pytest.fixture
def as_sara(client, sara):
    client.force_login(sara)
    return client


def test_the_last_key_cannot_be_removed_and_says_why(as_sara, sara):
    key = stored_key(sara, "Arbejdscomputer")
    url = reverse("mfa_remove_webauthn", args=[key.pk])
    page = as_sara.get(url)
    assert page.status_code == 200
    assert "Dette er din sidste måde at bekræfte dit login på." in page.text
    assert "Fjern nøglen" not in page.text
    refused = as_sara.post(url)
    assert refused.status_code == 400 and "sidste måde" in refused.text
    assert Authenticator.objects.filter(pk=key.pk).exists()


def test_a_key_can_be_removed_while_another_second_factor_remains(as_sara, sara):
    enrol_totp(sara)
    key = stored_key(sara, "Gammel USB-nøgle", passkey=False)
    url = reverse("mfa_remove_webauthn", args=[key.pk])
    assert "Fjern nøglen" in as_sara.get(url).text
    response = as_sara.post(url)
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=key.pk).exists()
    assert Authenticator.objects.filter(user=sara, type=Authenticator.Type.TOTP).exists()


def test_the_last_authenticator_app_cannot_be_removed_either(as_sara, sara):
    enrol_totp(sara)
    response = as_sara.post(reverse("mfa_deactivate_totp"))
    assert "Dette er din sidste måde at bekræfte dit login på." in response.text
    assert Authenticator.objects.filter(user=sara, type=Authenticator.Type.TOTP).exists()
    stored_key(sara, "Arbejdscomputer")
    assert as_sara.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=sara, type=Authenticator.Type.TOTP).exists()


def test_nobody_reaches_another_persons_key(as_sara, sara):
    other = StaffFactory(municipality=sara.municipality, roles=[Role.CASEWORKER])
    enrol_totp(other)
    key = stored_key(other, "Ikke Saras")
    for name in ("mfa_remove_webauthn", "mfa_edit_webauthn"):
        assert as_sara.get(reverse(name, args=[key.pk])).status_code == 404
        assert as_sara.post(reverse(name, args=[key.pk]), {"name": "Min nu"}).status_code == 404
    assert "Ikke Saras" not in as_sara.get(reverse("mfa_list_webauthn")).text
    assert Authenticator.objects.get(pk=key.pk).data["name"] == "Ikke Saras"


def test_a_key_is_renamed_and_a_long_or_empty_name_is_a_danish_message(as_sara, sara):
    enrol_totp(sara)
    key = stored_key(sara, "Hovednøgle")
    url = reverse("mfa_edit_webauthn", args=[key.pk])
    assert as_sara.post(url, {"name": ""}).status_code == 200
    assert "Skriv nøglens navn." in as_sara.post(url, {"name": ""}).text
    too_long = as_sara.post(url, {"name": "x" * 101})
    assert too_long.status_code == 200 and "100 tegn" in too_long.text
    assert as_sara.post(url, {"name": "Blå USB-nøgle"}).status_code == 302
    key.refresh_from_db()
    assert key.data["name"] == "Blå USB-nøgle"


def test_the_keys_page_lists_each_key_in_a_fixed_number_of_queries(as_sara, sara, django_assert_num_queries):
    enrol_totp(sara)
    for number in range(4):
        stored_key(sara, f"Nøgle {number}", passkey=number % 2 == 0)
    # session, user, the keys
    with django_assert_num_queries(3):
        page = as_sara.get(reverse("mfa_list_webauthn")).text
    assert page.count("Adgangsnøgle: logger også ind uden adgangskoden") == 2
    assert page.count("Sikkerhedsnøgle: efter adgangskoden") == 2


def test_the_second_factors_page_answers_in_a_fixed_number_of_queries(as_sara, sara, django_assert_num_queries):
    enrol_totp(sara)
    stored_key(sara, "Arbejdscomputer")
    # session, user, the person's authenticators, whether any is set up
    with django_assert_num_queries(4):
        page = as_sara.get(reverse("mfa_index")).text
    assert "Du har tilføjet 1 sikkerhedsnøgle eller adgangsnøgle." in page
    assert "Du har 10 ubrugte gendannelseskoder." in page


def test_someone_without_a_second_factor_may_add_a_key_instead_of_the_app(client, sara):
    assert log_in_with_password(client).status_code == 302
    assert client.get(reverse("staff-home"))["Location"].startswith(reverse("mfa_activate_totp"))
    assert reverse("mfa_add_webauthn") in client.get(reverse("mfa_activate_totp")).text
    assert client.get(reverse("mfa_add_webauthn")).status_code == 200
    stored_key(sara, "Arbejdscomputer")  # what the add page stores once the key has signed
    assert client.get(reverse("staff-home")).status_code == 200


def creation_options(page: str) -> dict:
    data = re.search(r'<script id="js_data" type="application/json">(.*?)</script>', page, re.S).group(1)
    return json.loads(data)["creation_options"]["publicKey"]


def test_the_relying_party_is_the_host_asked_for_or_the_setting(as_sara, sara, settings):
    enrol_totp(sara)
    options = creation_options(as_sara.get(reverse("mfa_add_webauthn"), HTTP_HOST="localhost").text)
    assert options["rp"] == {"id": "localhost", "name": "Pårørendeportalen"}
    settings.PORTAL_WEBAUTHN_RP_ID = "paaroerende.example.dk"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "www.paaroerende.example.dk"]
    options = creation_options(as_sara.get(reverse("mfa_add_webauthn"), HTTP_HOST="www.paaroerende.example.dk").text)
    assert options["rp"]["id"] == "paaroerende.example.dk"


@pytest.mark.parametrize("name", ["login", "mfa_add_webauthn"])
def test_the_key_pages_run_no_inline_script_and_keep_the_strict_csp(client, sara, name):
    if name != "login":
        enrol_totp(sara)
        client.force_login(sara)
    response = client.get(reverse(name))
    assert response.status_code == 200
    scripts = re.findall(r"<script([^>]*)>", response.text)
    assert any("/static/mfa/js/webauthn.js" in attrs for attrs in scripts)
    for attrs in scripts:
        assert 'src="/static/' in attrs or 'type="application/json"' in attrs, attrs
    policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"


@pytest.mark.parametrize("credential", [*BROKEN_ANSWERS, "\x00"])
def test_a_broken_key_answer_is_a_danish_message_not_a_500(as_sara, sara, credential):
    enrol_totp(sara)
    response = as_sara.post(reverse("mfa_add_webauthn"), {"name": "Arbejdscomputer", "credential": credential})
    assert response.status_code == 200
    assert 'class="form-error-message' in response.text or "form-error" in response.text
    assert 'value="Arbejdscomputer"' in response.text  # what she typed is kept
    if credential == '{"id": "x", "response": {}}':  # parts missing: python-fido2 raises KeyError
        assert "Nøglens svar kunne ikke læses." in response.text
    assert not Authenticator.objects.filter(user=sara, type=Authenticator.Type.WEBAUTHN).exists()


@pytest.mark.parametrize("credential", BROKEN_ANSWERS)
def test_a_broken_passkey_login_goes_back_to_the_login_page_with_a_message(client, sara, credential):
    stored_key(sara, "Arbejdscomputer")
    response = client.post(reverse("mfa_login_webauthn"), {"credential": credential}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("login")
    assert "alert-error" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("credential", BROKEN_ANSWERS)
def test_a_broken_key_answer_as_second_factor_is_a_message_not_a_500(client, sara, credential):
    enrol_totp(sara)
    assert log_in_with_password(client).status_code == 302
    response = client.post(reverse("mfa_authenticate"), {"credential": credential})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_nul_byte_in_a_keys_name_is_a_danish_message(as_sara, sara):
    enrol_totp(sara)
    key = stored_key(sara, "Hovednøgle")
    response = as_sara.post(reverse("mfa_edit_webauthn", args=[key.pk]), {"name": "Nøgle\x00"})
    assert response.status_code == 200 and "Null-tegn er ikke tilladte." in response.text
