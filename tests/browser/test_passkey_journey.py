"""A caseworker adds a passkey and logs in with it, in Chromium with its virtual authenticator (a real
WebAuthn ceremony: the browser signs, allauth and python-fido2 check it on the server).

A passkey button with no passkey says so in the page. She logs in with password and app code, adds a passkey
(named, and allowed to log in alone) from the staff start page, renames it, logs out and logs in with the
passkey alone; logs in with the password and the key as second factor; removes her authenticator app
(confirming with the key that it is her, twenty minutes after the login), but cannot remove her last key; logs
in with a recovery code; and, deactivated when she leaves, is refused. Every page is checked with axe-core, the
console (a blocked script or a console error is a problem) and the response headers (the strict CSP among
them), and its HTML goes to the Nu HTML Checker at the end.
"""

from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from portal.login import LOGIN_AT
from portal.roles import Role
from portal.staff_services import deactivate_staff
from tests.browser.helpers import authenticator_secret, type_authenticator_code
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import PASSWORD, CitizenFactory, MunicipalityFactory, StaffFactory, UnitFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def sara(transactional_db, roles):
    municipality = MunicipalityFactory(name="Testrup Kommune", slug="testrup")
    solgaarden = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
    sara = StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], units=[solgaarden], username="sara", first_name="Sara"
    )
    CitizenFactory(municipality=municipality, created_by=sara, name="Inger Ibsen", units=[solgaarden])
    return sara


def login_long_ago(page) -> None:
    """Moves the browser's session's login 20 minutes back, past PORTAL_REAUTHENTICATION_MINUTES."""
    key = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"].endswith("sessionid"))
    session = SessionStore(session_key=key)
    session[LOGIN_AT] -= 20 * 60
    session.save()


def virtual_authenticator(page) -> None:
    """A platform authenticator (like a laptop's fingerprint reader) that keeps passkeys and checks the person."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def test_a_caseworker_adds_a_passkey_logs_in_with_it_and_keeps_a_second_factor(
    sara, live_server, page, console, tmp_path
):
    checker = html_checker()
    base = live_server.url
    assert urlparse(base).hostname == "localhost"  # a secure context, and a host name WebAuthn accepts as RP ID
    page.set_default_timeout(30_000)
    virtual_authenticator(page)
    journey = Journey(page, console, base, "desktop")
    main = page.locator("main")

    def click(locator, name: str) -> None:
        with page.expect_navigation() as navigation:
            locator.click()
        journey.arrive(name, navigation.value)

    def log_in_with_password() -> None:
        journey.open("login", "/konto/log-ind/")
        page.get_by_label("Brugernavn").fill("sara")
        page.get_by_label("Adgangskode").fill(PASSWORD)
        click(page.get_by_role("button", name="Log ind", exact=True), "second-factor")

    def log_out() -> None:
        click(page.get_by_role("button", name="Log ud"), "logged-out")

    # Before she has a passkey, the passkey button tells her in the page that no key was used.
    journey.open("login-without-passkey", "/konto/log-ind/")
    page.get_by_role("button", name="Brug din adgangsnøgle").click()
    expect(page.get_by_role("alert")).to_contain_text("Nøglen blev ikke brugt", timeout=20_000)
    assert urlparse(page.url).path == "/konto/log-ind/"

    # Password and app code, then from the start page to her login's second factors.
    secret = authenticator_secret("sara")
    log_in_with_password()
    type_authenticator_code(page, secret, sara.pk)
    page.wait_for_url(f"{base}/personale/")
    click(main.get_by_role("link", name="Dit login"), "second-factors")
    click(main.get_by_role("link", name="Tilføj en sikkerhedsnøgle eller adgangsnøgle"), "add-key")

    # She names the key, allows it to log in alone, and touches it (the virtual authenticator answers).
    page.get_by_label("Nøglens navn").fill("Arbejdscomputer")
    page.get_by_label("Brug den som adgangsnøgle").check()
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Tilføj nøglen").click()
    journey.arrive("key-added", navigation.value)
    key = Authenticator.objects.get(user=sara, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Arbejdscomputer" and key.wrap().is_passwordless

    journey.open("keys", "/konto/2fa/webauthn/")
    expect(main.locator("tbody tr")).to_have_count(1)
    expect(main.locator("tbody tr")).to_contain_text("Adgangsnøgle: logger også ind uden adgangskoden")
    click(main.get_by_role("link", name="Omdøb Arbejdscomputer"), "rename-key")
    page.get_by_label("Nøglens navn").fill("Saras bærbare")
    click(page.get_by_role("button", name="Gem"), "key-renamed")
    expect(main.locator("tbody tr")).to_contain_text("Saras bærbare")
    log_out()

    # The passkey alone logs her in: no username, no password, no code.
    journey.open("login-again", "/konto/log-ind/")
    with page.expect_navigation(url=f"{base}/personale/") as navigation:
        page.get_by_role("button", name="Brug din adgangsnøgle").click()
    journey.arrive("logged-in-with-passkey", navigation.value)
    journey.open("citizens", "/personale/borgere/")
    expect(main).to_contain_text("Inger Ibsen")
    log_out()

    # With the password, the key is the second factor instead of the app's code.
    log_in_with_password()
    with page.expect_navigation(url=f"{base}/personale/") as navigation:
        page.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    journey.arrive("logged-in-with-key", navigation.value)

    # Twenty minutes later, removing her app asks her to confirm it is her: the key does that too.
    login_long_ago(page)
    journey.open("app", "/konto/2fa/totp/deactivate/")
    assert urlparse(page.url).path == "/konto/reauthenticate/"
    click(main.get_by_role("link", name="Brug en sikkerhedsnøgle"), "reauthenticate-with-key")
    with page.expect_navigation(url=f"{base}/konto/2fa/totp/deactivate/") as navigation:
        main.get_by_role("button", name="Brug en sikkerhedsnøgle").click()
    journey.arrive("app-deactivation", navigation.value)

    # She removes her authenticator app; the key is now her last second factor and cannot be removed.
    click(main.get_by_role("button", name="Deaktivér"), "app-removed")
    assert not Authenticator.objects.filter(user=sara, type=Authenticator.Type.TOTP).exists()
    journey.open("keys-again", "/konto/2fa/webauthn/")
    click(main.get_by_role("link", name="Fjern Saras bærbare"), "remove-last-key")
    expect(main.get_by_role("alert")).to_contain_text("sidste måde at bekræfte dit login på")
    expect(main.get_by_role("button", name="Fjern nøglen")).to_have_count(0)
    assert Authenticator.objects.filter(user=sara, type=Authenticator.Type.WEBAUTHN).exists()
    log_out()

    # A recovery code still logs her in after the password.
    codes = Authenticator.objects.get(user=sara, type=Authenticator.Type.RECOVERY_CODES).wrap().get_unused_codes()
    log_in_with_password()
    page.locator("#id_code").fill(codes[0])
    with page.expect_navigation(url=f"{base}/personale/"):
        page.get_by_role("button", name="Log ind", exact=True).click()
    expect(main).to_contain_text("Sara")
    log_out()

    # Deactivated by her administrator (she has left), her passkey no longer lets her in: the laptop still
    # holds it, but the portal has removed her keys.
    administrator = StaffFactory(municipality=sara.municipality, roles=[Role.MUNICIPALITY_ADMIN])
    deactivate_staff(user=sara, acting_user=administrator)
    journey.open("login-after-leaving", "/konto/log-ind/")
    with page.expect_navigation(url=f"{base}/konto/log-ind/") as navigation:
        page.get_by_role("button", name="Brug din adgangsnøgle").click()
    journey.arrive("refused-after-leaving", navigation.value)
    expect(page.get_by_role("status").filter(has_text="Adgangsnøglen")).to_contain_text("loggede dig ikke ind")
    journey.open("staff-home-refused", "/personale/")  # redirected to the login page
    assert urlparse(page.url).path == "/konto/log-ind/"

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
