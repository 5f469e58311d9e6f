"""A worn-out relative on a phone, by keyboard only: from the offers page to "Hvordan har du det?", to the offers
and the coordinator that fit, to "Ring mig op" (a fake number first); then the municipality's Pårørendekontakt
reads the request, notes how it was answered and closes it. Every page goes through axe-core and the console on
the way, and through the Nu HTML Checker at the end."""

import pytest
from playwright.sync_api import expect

from contacts.models import ContactRequest
from portal.roles import Role
from tests.browser.helpers import log_in, tab_to
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def viewport_name() -> str:
    return "phone"  # 390 × 844


def pick(journey: Journey, name: str, value: str) -> None:
    """Tab into a group of radio buttons and move with the arrow keys to `value`, as a keyboard user answers."""
    page = journey.page
    tab_to(page, f"input[type='radio'][name='{name}']")
    for _press in range(12):
        if page.evaluate("() => document.activeElement.value") == value:
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()


def test_a_relative_takes_the_self_check_and_asks_to_be_called_and_staff_answer(
    live_policies, roles, live_server, page, new_context, console, viewport_name, tmp_path
):
    checker = html_checker()
    hvidovre = live_policies["hvidovre"]
    StaffFactory(municipality=hvidovre, roles=[Role.RELATIVES_CONTACT], username="pia", first_name="Pia")
    journey = Journey(page, console, live_server.url, viewport_name)

    journey.open("offers", "/hvidovre/find-rundt/til-dig-som-paaroerende/")
    expect(page.locator("main section.offer")).to_have_count(7)
    journey.follow("main a[href='/hvidovre/find-rundt/hvordan-har-du-det/']", "self-check")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvordan har du det?")
    journey.submit("self-check-empty")  # nothing answered: asked again, nothing lost
    expect(page.locator("[data-module='error-summary']")).to_be_focused()

    pick(journey, "strain", "hard")
    pick(journey, "alone", "yes")
    pick(journey, "sleep", "sometimes")
    pick(journey, "own_time", "no")
    pick(journey, "knows_whom_to_ask", "no")
    pick(journey, "illness", "dementia")
    pick(journey, "in_danger", "no")
    journey.submit("self-check-answer")
    assert page.url.endswith("/hvidovre/find-rundt/hvordan-har-du-det/")  # the answers are not in the address
    expect(page.get_by_role("heading", level=1)).to_have_text("Det kan hjælpe dig")
    coordinator = page.locator("main .contact-card", has=page.get_by_role("heading", name="Demenskoordinator"))
    expect(coordinator.first).to_be_visible()
    offer = page.locator("main section.offer", has=page.get_by_role("heading", name="Midlertidig aflastningsplads"))
    expect(offer).to_contain_text("Kontakt Boligteamet og hør om mulighederne for midlertidig aflastningsplads.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    journey.follow("main a[href='/hvidovre/find-rundt/ring-mig-op/']", "contact-request")
    pick(journey, "way", "call")
    journey.type_into("#id_name", "Karen Jensen")
    journey.type_into("#id_phone", "12 34 56 78")  # not a Danish number
    journey.type_into("#id_message", "Min mand har demens. Jeg er udkørt.")
    journey.tick("#id_consent")
    journey.submit("contact-request-fake-phone")
    expect(page.locator("#id_phone_error")).to_contain_text("Det er ikke et dansk telefonnummer.")
    expect(page.locator("#id_name")).to_have_value("Karen Jensen")  # nothing typed is lost
    tab_to(page, "#id_phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("20 30 40 50")
    expect(page.locator("#id_consent")).to_be_checked()  # the consent given is kept too
    journey.submit("contact-request-sent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Din henvendelse er sendt")
    contact_request = ContactRequest.objects.get()
    assert (contact_request.name, contact_request.phone) == ("Karen Jensen", "20304050")

    staff = new_context().new_page()
    journey.page, journey.console = staff, journey.console.__class__().attach(staff)
    log_in(staff, live_server.url, "pia", PASSWORD)
    expect(staff.locator("main")).to_contain_text("1 venter")
    journey.follow("main a[href='/personale/henvendelser/']", "staff-requests")
    journey.follow(f"main a[href='/personale/henvendelser/{contact_request.pk}/']", "staff-request")
    expect(staff.locator("main")).to_contain_text("20 30 40 50")
    expect(staff.locator("main")).to_contain_text("Min mand har demens. Jeg er udkørt.")
    journey.type_into("#id_note", "Ringet op, aftalt møde med demenskoordinatoren.")
    journey.submit("staff-request-closed")
    expect(staff.locator("main")).to_contain_text("Besvaret og lukket")
    contact_request.refresh_from_db()
    assert contact_request.status == "closed"

    assert len(journey.files) == 10, list(journey.files.values())
    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
