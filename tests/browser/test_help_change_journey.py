"""When the help changes, in a real browser and by keyboard only: a caseworker records that the citizen is in
hospital (forgetting what the relatives may be told first), sees who may be told and who may not, and records
that the daughter was told by phone with the drafted message. Then a relative reads "Sådan går det" on a phone.
Every page goes through axe-core and the console on the way, and through the Nu HTML Checker at the end. The
caseworker's journey runs on the desktop; test_consent_journey's sweep opens her pages (the citizen with a change
in the help, the change, the form) on a phone, and checks that they do not scroll sideways."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import AuditEvent, HelpChange, RelativeTold
from portal.roles import Role
from tests.browser.helpers import log_in, tab_to
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import HOW_IT_GOES, prepare_results
from tests.browser.test_consent_journey import Journey
from tests.factories import (
    PASSWORD,
    CitizenFactory,
    ConsentFactory,
    MunicipalityFactory,
    RelativeFactory,
    StaffFactory,
    UnitFactory,
)

pytestmark = [pytest.mark.browser]


def choose_radio(page, name: str, value: str) -> None:
    """Tab into a group of radio buttons and move with the arrow keys to `value`, as a keyboard user does."""
    tab_to(page, f"input[name='{name}']")
    wanted = page.locator(f"input[name='{name}'][value='{value}']")
    for _press in range(10):
        if wanted.is_checked():
            return
        page.keyboard.press("ArrowDown")
    expect(wanted).to_be_checked()


@pytest.fixture
def family(transactional_db, roles):
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
    citizen = CitizenFactory(
        municipality=municipality, units=[unit], created_by=caseworker, name="Birte Borger", cpr="121245-1234"
    )
    daughter = RelativeFactory(citizen=citizen, name="Mette Datter", phone="12345678", email="mette@example.dk")
    ConsentFactory(relative=daughter, recorded_by=caseworker)  # health and practical matters, staff may contact
    son = RelativeFactory(citizen=citizen, name="Jens Søn", relation="søn", phone="87654321")
    ConsentFactory(relative=son, recorded_by=caseworker, categories=["praktiske_forhold"])
    RelativeFactory(citizen=citizen, name="Lille Ida", relation="barnebarn", is_minor=True)
    return citizen, daughter


@pytest.mark.parametrize("viewport_name", ["desktop"])  # staff: test_consent_journey.staff_pages_on_a_phone
def test_a_caseworker_records_a_hospital_stay_and_that_the_daughter_was_told(
    family, live_server, page, console, viewport_name, tmp_path
):
    checker = html_checker()
    citizen, daughter = family
    journey = Journey(page, console, live_server.url, viewport_name)
    log_in(page, live_server.url, "sara", PASSWORD)
    journey.open("citizen", citizen.get_absolute_url())
    journey.follow(f"nav a[href='{citizen.get_absolute_url()}aendring-i-hjaelpen/ny/']", "help-change-new")

    # What changed, from when; the summary is forgotten first.
    choose_radio(page, "kind", "hospital")
    journey.submit("help-change-no-summary")
    expect(page.locator("[data-module='error-summary']")).to_be_focused()
    expect(page.locator("#id_summary_error")).to_contain_text("Skriv med en sætning eller to")
    expect(page.locator("input[name='kind'][value='hospital']")).to_be_checked()  # what was chosen is kept
    journey.type_into("#id_summary", "Hun er faldet og bliver undersøgt. Vi ringer, når hun kommer hjem.")
    journey.submit("help-change")
    change = HelpChange.objects.get()
    assert page.url.endswith(change.get_absolute_url())

    # Who may be told (a consent covering health, staff may contact) and who may not, with why.
    may = page.locator("section[aria-labelledby='may-heading']")
    expect(may).to_contain_text("Mette Datter")
    expect(may).not_to_contain_text("Jens Søn")
    may_not = page.locator("section[aria-labelledby='may-not-heading']")
    expect(may_not.locator("tr", has_text="Jens Søn")).to_contain_text("omfatter ikke helbred")
    expect(may_not.locator("tr", has_text="Lille Ida")).to_contain_text("under 18")
    message = page.locator(f"#id_told-{daughter.pk}-message")
    expect(message).to_contain_text("Kære Mette Datter")
    expect(message).to_contain_text("Birte Borger er indlagt på hospitalet fra den")
    expect(message).to_contain_text("Sara Sagsbehandler, Testrup Kommune")
    expect(page.locator(f"input[name='told-{daughter.pk}-how'][value='phone']")).to_be_checked()

    # She was told by phone: the keyboard user presses the button beside her.
    journey.follow(f"button[name='told_for'][value='{daughter.pk}']", "told")
    told = page.locator("section[aria-labelledby='told-heading']")
    expect(told.locator("tr", has_text="Mette Datter")).to_contain_text("Telefonisk")
    expect(page.locator("section[aria-labelledby='may-heading']")).to_contain_text("Har allerede fået besked:")
    entry = RelativeTold.objects.get()
    assert (entry.relative_id, entry.how, entry.told_on) == (daughter.pk, "phone", timezone.localdate())
    assert AuditEvent.objects.filter(event=AuditEvent.Event.RELATIVE_TOLD, citizen=citizen).count() == 1

    journey.open("citizen-after", citizen.get_absolute_url())
    changes = page.locator("section[aria-labelledby='help-changes-heading']")
    expect(changes).to_contain_text("1 pårørende har fået besked")

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("viewport_name", ["phone"])
def test_a_relative_reads_how_it_is_going_on_a_phone(transactional_db, live_server, page, console, tmp_path):
    checker = html_checker()
    prepare_results()
    journey = Journey(page, console, live_server.url, "phone")
    journey.open("how-it-goes", HOW_IT_GOES)
    sentences = page.locator("p.results-sentence")
    expect(sentences.first).to_contain_text("ud af 10.")
    expect(sentences.first).to_contain_text("Målet er")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    chart = page.locator("svg.bar-chart").first
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 390, box
    # The chart's words are drawn at a size a person reads on a phone, not scaled down to a few pixels.
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('svg.bar-chart text')]"
        ".map(text => text.getBoundingClientRect().height))"
    )
    assert smallest >= 13, smallest
    # The sentence comes first, then the chart, then the figures' table.
    order = page.evaluate(
        """() => {
            const y = selector => document.querySelector(selector).getBoundingClientRect().top;
            return [y('p.results-sentence'), y('svg.bar-chart'), y('table.results-table')];
        }"""
    )
    assert order == sorted(order), order
    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
