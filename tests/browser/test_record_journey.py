"""A record over its life, in a real browser: a caseworker sees that an old permission for a grandchild under 18
is not in force, corrects a relative's phone number (forgetting the reason first), gives an agreement to a
colleague, and closes the citizen's course (trying a date in the future first); the municipality
administrator reads the page of personal data and tries a retention period of 0 years. Every page goes
through axe-core and the console on the way, and through the Nu HTML Checker at the end."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import Agreement, Citizen, Correction
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


@pytest.fixture
def record(transactional_db, roles):
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    unit = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
    caseworker = StaffFactory(
        municipality=municipality,
        roles=[Role.CASEWORKER],
        units=[unit],
        username="sara",
        first_name="Sara",
        last_name="Sagsbehandler",
    )
    StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], username="admin-testrup")
    citizen = CitizenFactory(
        municipality=municipality, units=[unit], created_by=caseworker, name="Birte Borger", cpr="121245-1234"
    )
    daughter = RelativeFactory(citizen=citizen, name="Mette Datter", phone="12345678", email="mette@example.dk")
    ConsentFactory(relative=daughter, recorded_by=caseworker)
    grandchild = RelativeFactory(citizen=citizen, name="Lille Ida", relation="barnebarn", is_minor=True)
    ConsentFactory(relative=grandchild, recorded_by=caseworker)  # as recorded before such were refused
    colleague = StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], units=[unit], first_name="Ole", last_name="Kollega"
    )
    AgreementFactory(citizen=citizen, created_by=caseworker, owner=caseworker, description="Mette ringer hver fredag")
    return citizen, daughter, colleague


def test_a_caseworker_corrects_a_relative_and_closes_the_course(
    record, live_server, page, new_context, console, viewport_name, tmp_path
):
    checker = html_checker()
    citizen, daughter, colleague = record
    journey = Journey(page, console, live_server.url, viewport_name)
    log_in(page, live_server.url, "sara", PASSWORD)
    url = citizen.get_absolute_url()

    journey.open("citizen", url)
    grid = page.locator("table.consent-grid")
    expect(grid.locator("tr", has_text="Mette Datter")).to_contain_text("Tilladt")
    expect(grid.locator("tr", has_text="Lille Ida")).not_to_contain_text("Tilladt")
    relatives = page.locator("section[aria-labelledby='consent-heading'] table").nth(1)
    expect(relatives.locator("tr", has_text="Lille Ida")).to_contain_text("Gælder ikke: under 18")
    expect(relatives.locator("tr", has_text="Lille Ida")).not_to_contain_text("Tilladt")

    # Correct the phone number; the reason is forgotten first.
    journey.follow(f"main a[href='/personale/paaroerende/{daughter.pk}/ret/']", "correct-relative")
    page.locator("#id_phone").fill("12345679")
    journey.submit("correct-relative-no-reason")
    expect(page.locator("[data-module='error-summary']")).to_be_focused()
    expect(page.locator("#id_reason_error")).to_contain_text("Skriv, hvorfor oplysningerne rettes.")
    expect(page.locator("#id_phone")).to_have_value("12345679")  # what was typed is kept
    page.locator("#id_reason").fill("Tastefejl i telefonnummeret.")
    journey.submit("citizen-corrected")
    history = page.locator("section[aria-labelledby='history-heading']")
    expect(history).to_contain_text("“12345678” → “12345679”. Begrundelse: Tastefejl i telefonnummeret.")
    assert Correction.objects.get().old_value == "12345678"

    # Give the agreement to a colleague of the unit, who is then reminded of its follow-ups.
    agreement = Agreement.objects.get()
    journey.follow(f"main a[href='/personale/aftaler/{agreement.pk}/ansvarlig/']", "reassign")
    expect(page.locator("[data-owner]")).to_have_text("Sara Sagsbehandler")
    page.locator("#id_owner").select_option(str(colleague.pk))
    journey.submit("citizen-reassigned")
    expect(page.locator(".alert[role=status]")).to_contain_text("Ole Kollega er nu ansvarlig for aftalen.")
    agreements = page.locator("section[aria-labelledby='agreements-heading']")
    expect(agreements).to_contain_text("Ansvarlig sagsbehandler: Ole Kollega")
    assert Agreement.objects.get().owner == colleague

    # Close the course; a date in the future first.
    journey.follow(f"main a[href='{url}afslut/']", "close")
    tomorrow = timezone.localdate() + timedelta(days=1)
    page.locator("#id_closed_on").fill(tomorrow.isoformat())
    page.locator("input[name='closed_because'][value='moved']").check()
    journey.submit("close-in-the-future")
    expect(page.locator("#id_closed_on_error")).to_contain_text("Datoen for afslutning kan ikke ligge i fremtiden.")
    page.locator("#id_closed_on").fill(timezone.localdate().isoformat())
    journey.submit("citizen-closed")
    expect(page.locator("main")).to_contain_text("Forløbet er afsluttet")
    expect(page.locator(f"main a[href='{url}paaroerende/ny/']")).to_have_count(0)
    assert Citizen.objects.get(pk=citizen.pk).closed_on == timezone.localdate()
    journey.open("closed-form", f"/personale/paaroerende/{daughter.pk}/ret/")
    expect(page.locator("main form")).to_have_count(0)

    # The municipality administrator: the page of personal data, and a retention period of 0 years.
    other = new_context().new_page()
    journey.page, journey.console = other, ConsoleWatch().attach(other)
    log_in(other, live_server.url, "admin-testrup", PASSWORD)
    journey.open("personal-data", "/personale/persondata/")
    expect(other.locator("main table")).to_contain_text("Borgernes sager")
    journey.follow("main a[href='/personale/opbevaring/']", "retention")
    other.locator("#id_years").fill("0")
    journey.submit("retention-zero")
    expect(other.locator("#id_years_error")).to_contain_text("Opbevaringsperioden skal være mindst 1 år.")

    assert len(journey.files) == 13, list(journey.files.values())
    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
