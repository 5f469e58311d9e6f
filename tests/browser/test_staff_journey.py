"""A new municipality sets itself up with no developer: the administrator imports units and staff from an
Excel file, invites a caseworker and gives them a unit; the caseworker chooses a password through the
invitation link, logs in, must set up an authenticator app (the code computed with pyotp from the secret the
page shows) and then sees exactly that unit's citizens.

Every page on the way is checked with axe-core, the console and the response headers, and its HTML, as
the server sent it, goes to the Nu HTML Checker at the end (the staff pages are behind the login, so the
lists of public pages cannot reach them).
"""

import io
import re
from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from openpyxl import Workbook
from playwright.sync_api import expect

from portal.models import Unit, User
from portal.roles import Role
from tests.authenticator import totp_code
from tests.browser.helpers import authenticator_secret
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import PASSWORD, CitizenFactory, MunicipalityFactory, StaffFactory, UnitFactory

pytestmark = [pytest.mark.browser]

NEW_PASSWORD = "et-langt-og-godt-kodeord-2026"


def setup_workbook() -> bytes:
    workbook = Workbook()
    units = workbook.active
    units.title = "Enheder"
    for row in (["navn", "område"], ["Plejecenter Åbo", "ældre"], ["Bofællesskab Æble", "handicap"]):
        units.append(row)
    staff = workbook.create_sheet("Personale")
    for row in (
        ["navn", "e-mail", "roller", "enheder"],
        ["Lene Leder", "lene@testrup.example", "Leder", ""],
        ["Bo Berg", "bo@testrup.example", "Sagsbehandler", "Bofællesskab Æble"],
    ):
        staff.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def town(transactional_db, roles):
    municipality = MunicipalityFactory(name="Testrup Kommune", slug="testrup")
    admin = StaffFactory(
        municipality=municipality,
        username="ada",
        first_name="Ada",
        last_name="Administrator",
        roles=[Role.MUNICIPALITY_ADMIN],
    )
    abo = UnitFactory(municipality=municipality, name="Plejecenter Åbo")
    syd = UnitFactory(municipality=municipality, name="Hjemmeplejen Syd")
    CitizenFactory(municipality=municipality, units=[abo], created_by=admin, name="Karen Åbo-Borger")
    CitizenFactory(municipality=municipality, units=[syd], created_by=admin, name="Poul Syd-Borger")
    return municipality


def test_administrator_imports_invites_and_gives_a_unit_and_the_caseworker_sees_exactly_its_citizens(
    town, live_server, page, console, tmp_path
):
    checker = html_checker()
    page.set_default_timeout(60_000)  # a shared, busy machine: the upload and import take a while
    journey = Journey(page, console, live_server.url, "desktop")
    main = page.locator("main")

    # The administrator logs in with her password and her authenticator app's code, and opens the staff pages.
    secret = authenticator_secret("ada")
    journey.open("login", "/konto/log-ind/")
    page.fill("#id_login", "ada")
    page.fill("#id_password", PASSWORD)
    journey.press("Enter", "second-factor")
    page.fill("#id_code", totp_code(secret))
    journey.press("Enter", "staff-home")
    journey.follow("main a[href='/personale/administration/']", "staff-list")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personale og enheder")

    # Import units and staff from an Excel file: first the rows, then the import.
    journey.follow("main a[href='/personale/administration/import/']", "import")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "opsaetning.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": setup_workbook(),
            }
        ],
    )
    journey.follow("main form[enctype] button[type='submit']", "import-preview")
    expect(main.locator("table.import-staff")).to_contain_text("bo@testrup.example")
    assert not User.objects.filter(email="bo@testrup.example").exists()  # nothing saved before "Importér"
    journey.follow("form[action$='/import/bekraeft/'] button[type='submit']", "imported")
    expect(page.locator(".alert-success")).to_contain_text("Importeret: 1 nye enheder")
    assert sorted(Unit.objects.filter(municipality=town).values_list("name", flat=True)) == [
        "Bofællesskab Æble",
        "Hjemmeplejen Syd",
        "Plejecenter Åbo",
    ]
    expect(main).to_contain_text("Bo Berg")

    # Invite a caseworker, then give them a unit on their page.
    journey.follow("main a[href='/personale/administration/inviter/']", "invite")
    page.fill("#id_first_name", "Sara")
    page.fill("#id_last_name", "Sagsbehandler")
    page.fill("#id_email", "sara@testrup.example")
    page.get_by_label("Sagsbehandler", exact=True).check()
    journey.follow("main form button[type='submit']", "invited")
    sara = User.objects.get(email="sara@testrup.example")
    assert urlparse(page.url).path == f"/personale/administration/personer/{sara.pk}/"
    page.get_by_label("Plejecenter Åbo (Ældre)").check()
    journey.follow("main form button.button-primary", "unit-given")
    expect(page.locator(".alert-success")).to_contain_text("Roller og enheder er gemt")
    assert [unit.name for unit in sara.units.all()] == ["Plejecenter Åbo"]

    # The administrator logs out; the caseworker opens the link in their e-mail.
    journey.follow("header form[action='/konto/log-ud/'] button", "logged-out")
    (message,) = [message for message in mail.outbox if message.to == ["sara@testrup.example"]]
    link = re.search(r"https?://\S+/personale/invitation/\S+/", message.body).group(0)
    invitation_path = urlparse(link).path
    journey.open("invitation", invitation_path)
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    journey.follow("main form button[type='submit']", "password-chosen")
    assert urlparse(page.url).path == "/konto/log-ind/"

    # The link works once.
    console.expected_failures.add(f"{live_server.url}{invitation_path}")  # a 410 on purpose
    journey.open("invitation-used", invitation_path, status=410)
    expect(page.get_by_role("heading", level=1)).to_have_text("Linket er brugt")

    # The caseworker logs in: before any staff page she sets up an authenticator app.
    journey.open("login-caseworker", "/konto/log-ind/")
    page.fill("#id_login", "sara@testrup.example")
    page.fill("#id_password", NEW_PASSWORD)
    journey.press("Enter", "totp-enrolment")
    assert urlparse(page.url).path == "/konto/2fa/totp/activate/"
    sara_secret = page.locator("#authenticator_secret").input_value()
    page.fill("#id_code", totp_code(sara_secret))
    page.get_by_role("button", name="Aktiver").focus()
    journey.press("Enter", "totp-enrolled")
    assert Authenticator.objects.filter(user=sara, type=Authenticator.Type.TOTP).exists()

    # She sees exactly the citizens of Plejecenter Åbo.
    journey.open("caseworker-home", "/personale/")
    journey.follow("main a[href='/personale/borgere/']", "citizens")
    rows = main.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Karen Åbo-Borger")
    expect(main).not_to_contain_text("Poul Syd-Borger")

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
