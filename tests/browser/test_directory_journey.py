"""A relative finds whom to call in Hvidovre's "Find rundt" on a phone: by touch, by keyboard only, and on paper."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DEMENTIA_SITUATION = "Borgeren er syg og har behov for kontakt til en koordinator"
DEMENTIA_PHONE = "tel:+4536393737"


@pytest.fixture
def viewport_name() -> str:
    return "phone"  # 390 × 844


def test_relative_finds_the_dementia_coordinator_and_prints_the_card(live_policies, live_server, page, console):
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(f"{live_server.url}/hvidovre/")
    page.get_by_role("link", name="Find rundt", exact=True).click()
    page.wait_for_url(f"{live_server.url}/hvidovre/find-rundt/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find rundt: hvem skal du kontakte?")
    expect(page.locator(".emergency-notice")).to_contain_text("112")
    expect(page.locator(".emergency-notice").get_by_role("link", name="1813")).to_have_attribute("href", "tel:1813")

    search = page.get_by_role("searchbox", name="Hvad drejer det sig om?")
    search.fill("demens")
    page.get_by_role("button", name="Søg", exact=True).click()  # not the header's "Søg hele siden"
    page.wait_for_url(re.compile(r"/hvidovre/find-rundt/\?q=demens$"))
    expect(page.get_by_role("heading", level=2, name=re.compile("demens"))).to_be_visible()
    expect(search).to_have_value("demens")

    page.get_by_role("link", name=f"“{DEMENTIA_SITUATION}”").click()
    page.wait_for_url(re.compile(r"/hvidovre/find-rundt/situation/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"“{DEMENTIA_SITUATION}”")
    coordinator = page.locator(".contact-card", has=page.get_by_role("heading", name="Demenskoordinator"))
    call = coordinator.get_by_role("link", name="Ring 36 39 37 37")
    expect(call).to_be_visible()
    expect(call).to_have_attribute("href", DEMENTIA_PHONE)
    box = call.bounding_box()
    assert box["height"] >= 24 and box["x"] + box["width"] <= 390  # a target a finger can hit, on the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    coordinator.get_by_role("link", name="Demenskoordinator").click()
    page.wait_for_url(re.compile(r"/hvidovre/find-rundt/kontakt/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Demenskoordinator")
    share = page.locator("a.share-link")
    expect(share).to_have_attribute("href", page.url)
    expect(page.get_by_role("button", name="Udskriv")).to_be_visible()  # shown by the script

    page.emulate_media(media="print")
    for hidden in ["header.header", "footer", ".breadcrumbs", ".contact-share", ".skipnav"]:
        expect(page.locator(hidden).first).to_be_hidden()
    card = page.locator("main .contact-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Demenskoordinator")
    expect(card).to_contain_text("36 39 37 37")
    expect(card).to_contain_text("sundhedscentret@hvidovre.dk")
    expect(page.locator(".emergency-notice")).to_be_visible()
    expect(page.locator("p.print-only")).to_have_text(page.url)  # the address, on paper
    page.emulate_media(media="screen")
    expect(page.locator("header.header")).to_be_visible()
    assert console.take() == []


def tab_to(page, description: str, is_it, presses: int = 60) -> dict:
    """Press Tab until `is_it(focused element)` holds; the focused element as a dict."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                return {tag: el.tagName, id: el.id, text: el.textContent.trim(), href: el.getAttribute("href") || ""};
            }"""
        )
        if is_it(focused):
            return focused
    pytest.fail(f"{presses} presses of Tab never reached {description}")


def test_keyboard_user_searches_and_reaches_the_phone_number(live_policies, live_server, page, console):
    page.goto(f"{live_server.url}/hvidovre/find-rundt/")
    tab_to(page, "the search box", lambda el: el["id"] == "q")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("demens")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=demens$"))

    tab_to(page, "the situation found", lambda el: el["tag"] == "A" and DEMENTIA_SITUATION in el["text"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/situation/\d+/$"))

    tab_to(page, "the coordinator's card", lambda el: el["tag"] == "A" and el["text"] == "Demenskoordinator")
    focused = tab_to(page, "the coordinator's phone number", lambda el: el["href"] == DEMENTIA_PHONE, 1)
    assert "36 39 37 37" in focused["text"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused phone link shows no focus outline"

    page.keyboard.press("Shift+Tab")  # back to the card's name, which links to the card
    expect(page.get_by_role("link", name="Demenskoordinator", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/kontakt/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Demenskoordinator")
    assert console.take() == []
