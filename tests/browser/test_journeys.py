"""What a relative, an English-speaking visitor, an editor and a keyboard user do, on a phone and a desktop."""

import re

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from tests.browser.helpers import BOTH_VIEWPORTS, log_in
from tests.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser, BOTH_VIEWPORTS]

THEME_2 = "/haderslev/tema-2-du-skal-ikke-staa-alene/"


def test_relative_finds_a_theme_from_the_front_page(live_policies, live_server, page, console):
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "da")

    page.get_by_role("link", name=re.compile(r"^Haderslev Kommune")).click()
    page.wait_for_url(f"{live_server.url}/haderslev/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Tema 2\b")).click()
    page.wait_for_url(f"{live_server.url}{THEME_2}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du skal ikke stå alene")
    expect(page.get_by_role("heading", name="Mål i 2024:")).to_be_visible()
    quote = page.locator("main figure.policy-quote blockquote").first
    expect(quote).to_be_visible()
    expect(quote).not_to_be_empty()
    assert console.take() == []


def test_visitor_switches_language(live_policies, live_server, page, console):
    page.goto(f"{live_server.url}{THEME_2}")
    expect(page.locator("html")).to_have_attribute("lang", "da")

    page.locator("header").get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/en/"))
    assert page.url.startswith(f"{live_server.url}/en/"), page.url
    assert page.url == f"{live_server.url}/en{THEME_2}"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumbs.get_by_role("link", name="Front page")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the page's content")).to_be_attached()
    # The policy has no English version, so its Danish text is marked as Danish (WCAG 3.1.2).
    for danish in [page.get_by_role("heading", level=1), page.get_by_role("heading", name="Mål i 2024:")]:
        expect(danish).to_be_visible()
        assert danish.evaluate("el => el.closest('[lang]').getAttribute('lang')") == "da"
    quote = page.locator("main figure.policy-quote").first
    assert quote.evaluate("el => el.closest('[lang]').getAttribute('lang')") == "da"

    page.locator("header").get_by_role("link", name="Dansk").click()
    page.wait_for_url(f"{live_server.url}{THEME_2}")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("navigation", name="Brødkrumme").get_by_role("link", name="Forside")).to_be_visible()
    assert console.take() == []


def test_editor_edits_and_unpublishes_a_page(live_policies, roles, live_server, page, new_context):
    haderslev = live_policies["haderslev"]
    editor = StaffFactory(municipality=haderslev, roles=[Role.EDITOR], is_staff=True)
    policy_page = haderslev.pages.get(slug="hvem-er-en-paaroerende")
    public_url = f"{live_server.url}{policy_page.get_absolute_url()}"
    first_section = policy_page.sections.order_by("order", "pk").first()
    new_text = "En pårørende er den, som borgeren selv peger på. Ændret i en browsertest."
    assert new_text not in first_section.body

    log_in(page, live_server.url, editor.username, PASSWORD)
    change_url = f"{live_server.url}/admin/portal/page/{policy_page.pk}/change/"
    response = page.goto(change_url)
    assert response.status == 200, f"{change_url} answered {response.status} to an editor of Haderslev"
    body = page.locator("#id_sections-0-body")
    expect(body).to_have_value(first_section.body)
    body.fill(new_text)
    page.locator("input[name='_save']").click()
    page.wait_for_url(f"{live_server.url}/admin/portal/page/")
    expect(page.locator(".messagelist .success")).to_be_visible()

    page.goto(public_url)
    expect(page.locator("main")).to_contain_text(new_text)
    anonymous = new_context().new_page()
    anonymous.goto(public_url)
    expect(anonymous.locator("main")).to_contain_text(new_text)

    assert page.goto(change_url).status == 200
    page.locator("#id_is_published").uncheck()
    page.locator("input[name='_save']").click()
    page.wait_for_url(f"{live_server.url}/admin/portal/page/")

    response = anonymous.goto(public_url)
    assert response.status == 404
    fresh = new_context().new_page()
    assert fresh.goto(public_url).status == 404

    response = page.goto(public_url)
    assert response.status == 200
    expect(page.get_by_role("heading", name="Forhåndsvisning")).to_be_visible()
    expect(page.locator("main")).to_contain_text(new_text)
    expect(page.locator("main .badge", has_text="Kladde").first).to_be_visible()


def test_keyboard_user_skips_to_the_content(live_policies, live_server, page):
    page.goto(f"{live_server.url}{THEME_2}")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent.trim()]")
    assert focused == ["A", "Gå til sidens indhold"]
    expect(page.get_by_role("link", name="Gå til sidens indhold")).to_be_focused()
    expect(page.get_by_role("link", name="Gå til sidens indhold")).to_be_visible()  # visible when focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()
    assert page.url.endswith("#main-content")
