"""The access request and the log checks in a browser: a caseworker makes a citizen's access request and
opens its PDF; an administrator states a reason to open a citizen outside their units; the data protection
officer filters the log. Every page through axe-core, the console and (at the end) the Nu HTML checker."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from portal.roles import Role
from tests.browser.helpers import ConsoleWatch, log_in
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import (
    PASSWORD,
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    MunicipalityFactory,
    RelativeFactory,
    StaffFactory,
    UnitFactory,
)

# Staff's pages: on the desktop (test_consent_journey.staff_pages_on_a_phone says what is checked on a phone).
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("viewport_name", ["desktop"])]

CITIZEN = "Gerda Indsigtsen"


@pytest.fixture
def town(transactional_db, roles):
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    unit = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
    other_unit = UnitFactory(municipality=municipality, name="Hjemmeplejen Syd")
    sara = StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], units=[unit], username="sara", first_name="Sara"
    )
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=sara, name=CITIZEN, cpr="121245-1234")
    daughter = RelativeFactory(citizen=citizen, name="Mette Datter", phone="12 34 56 78")
    ConsentFactory(relative=daughter, recorded_by=sara)
    AgreementFactory(citizen=citizen, created_by=sara, description="Mette ringer hver søndag")
    south = CitizenFactory(municipality=municipality, units=[other_unit], created_by=sara, name="Svend Sydby")
    StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], username="alma", first_name="Alma")
    StaffFactory(municipality=municipality, roles=[Role.DATA_PROTECTION_OFFICER], username="dina", first_name="Dina")
    return {"citizen": citizen, "south": south}


def test_access_request_pdf_break_the_glass_and_the_log_checks(
    town, live_server, page, new_context, console, viewport_name, tmp_path
):
    checker = html_checker()
    journey = Journey(page, console, live_server.url, viewport_name)
    log_in(page, live_server.url, "sara", PASSWORD)
    citizen = town["citizen"].get_absolute_url()

    journey.open("citizen", citizen)
    journey.follow("a[href$='/indsigt/']", "access-request")
    expect(page.locator("main h1")).to_have_text("Indsigt i dine personoplysninger")
    expect(page.locator("main")).to_contain_text("Mette ringer hver søndag")
    with page.expect_download() as download:
        page.locator("a[href$='/indsigt/pdf/']").click()
    assert download.value.suggested_filename.startswith(f"indsigt-{town['citizen'].pk}-")
    pdf = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    assert CITIZEN in " ".join(p.extract_text() for p in pdf.pages)

    # An administrator opens a citizen outside their units: first the reason.
    alma = new_context().new_page()
    journey.page, journey.console = alma, ConsoleWatch().attach(alma)
    log_in(alma, live_server.url, "alma", PASSWORD)
    journey.open("break-glass", town["south"].get_absolute_url())
    expect(alma.locator("main h1")).to_have_text("Åbn en borger uden for dine enheder")
    journey.submit("break-glass-failed")
    expect(alma.locator("[data-module='error-summary']")).to_be_focused()
    journey.type_into("#id_reason", "Sagsbehandleren er syg, og sønnen har ringet om en indlæggelse.")
    journey.submit("break-glass-citizen")
    expect(alma.locator("main h1")).to_contain_text("Svend Sydby")

    # The data protection officer filters the log by person.
    dina = new_context().new_page()
    journey.page, journey.console = dina, ConsoleWatch().attach(dina)
    log_in(dina, live_server.url, "dina", PASSWORD)
    journey.open("log-checks", "/personale/logkontrol/")
    journey.choose("#id_person", "Alma")
    journey.submit("log-checks-filtered")
    glass = dina.locator("main table tbody tr", has_text="Åbnede en borger uden for egne enheder")
    expect(glass).to_contain_text("Nødadgang med begrundelse")
    expect(glass).to_contain_text("Uden for egne enheder")
    expect(dina.locator("main table")).not_to_contain_text("Sara")
    journey.follow("main table tbody a", "log-checks-staff")
    expect(dina.locator("main h1")).to_contain_text("Log for Alma")

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
