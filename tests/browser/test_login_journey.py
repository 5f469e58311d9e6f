"""Logging in as staff do, in Chromium: a caseworker sets up an authenticator app at the first login (the
code computed with pyotp from the secret the page shows), logs in with password and code and sees exactly
her unit's citizens; logs in through her municipality's login (a REAL OpenID Provider process); and is
logged out after the idle time (set to seconds here), with the notice on the login page."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.roles import Role
from tests.authenticator import totp_code
from tests.browser.helpers import log_in
from tests.browser.public_pages import axe_problems
from tests.factories import (
    PASSWORD,
    CitizenFactory,
    IdentityProviderFactory,
    MunicipalityFactory,
    StaffFactory,
    UnitFactory,
)
from tests.openid_provider import PORTAL_CLIENT, running_openid_provider

pytestmark = pytest.mark.browser


@pytest.fixture
def sara(transactional_db, live_server, roles):
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    solgaarden = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
    lyngen = UnitFactory(municipality=municipality, name="Bofællesskabet Lyngen")
    sara = StaffFactory(
        municipality=municipality,
        roles=[Role.CASEWORKER],
        units=[solgaarden],
        username="sara",
        first_name="Sara",
        email="sara@testrup.dk",
    )
    ole = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[lyngen], username="ole")
    CitizenFactory(
        municipality=municipality, created_by=sara, name="Inger Ibsen", cpr="010190-1234", units=[solgaarden]
    )
    CitizenFactory(municipality=municipality, created_by=ole, name="Karl Kristensen", cpr="020290-1234", units=[lyngen])
    return sara


def test_a_caseworker_sets_up_her_authenticator_logs_in_and_sees_her_units_citizens(sara, live_server, page):
    base = live_server.url
    axe, problems = Axe(), []
    page.goto(f"{base}/konto/log-ind/")
    problems += axe_problems(axe, page, "login")
    page.get_by_label("Brugernavn").fill("sara")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind", exact=True).click()
    page.wait_for_url(f"{base}/konto/2fa/totp/activate/**")  # no staff page before the second factor
    problems += axe_problems(axe, page, "enrol")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Aktiver").click()
    page.goto(f"{base}/personale/borgere/")
    main = page.locator("main")
    expect(main).to_contain_text("Inger Ibsen")
    expect(main).not_to_contain_text("Karl Kristensen")
    page.get_by_role("button", name="Log ud").click()

    log_in(page, base, "sara", PASSWORD)  # password, then the app's code
    expect(page.locator("main")).to_contain_text("Sara")
    assert not problems, "\n".join(problems)


def test_a_caseworker_logs_in_through_her_municipalitys_login(sara, live_server, page):
    with running_openid_provider([live_server.url]) as provider:
        IdentityProviderFactory(
            municipality=sara.municipality,
            issuer=provider.issuers["testrup"],
            client_id=PORTAL_CLIENT["testrup"][0],
            secret=PORTAL_CLIENT["testrup"][1],
        )
        page.goto(f"{live_server.url}/konto/log-ind/")
        page.get_by_role("button", name="Log ind med Testrup Kommunes login").click()
        page.get_by_label("Bruger-id").fill("sara-sub")  # the provider's own login page
        page.get_by_role("button", name="Log ind").click()
        page.wait_for_url(f"{live_server.url}/personale/")
        page.goto(f"{live_server.url}/personale/borgere/")
        expect(page.locator("main")).to_contain_text("Inger Ibsen")


def test_an_idle_caseworker_is_logged_out_and_told_why(sara, live_server, page, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 3
    log_in(page, live_server.url, "sara", PASSWORD)
    page.wait_for_timeout(4000)
    page.goto(f"{live_server.url}/personale/borgere/")
    assert page.url.startswith(f"{live_server.url}/konto/log-ind/?udloebet=inaktiv")
    expect(page.get_by_role("status")).to_contain_text("Du er blevet logget ud, fordi du ikke har været aktiv")
    expect(page.locator("main")).not_to_contain_text("Inger Ibsen")
