"""What a relative, an English-speaking visitor, an editor and a keyboard user do, on a phone and a desktop."""

import re

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from tests.browser.helpers import BOTH_VIEWPORTS, log_in
from tests.browser.html_checker import checks_html, html_checker, vnu_problems
from tests.browser.public_pages import axe_problems
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


def test_editor_drafts_previews_publishes_and_reverts_a_page(
    live_policies, roles, live_server, page, new_context, viewport_name, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe

    haderslev = live_policies["haderslev"]
    # The municipality's face, in a colour at the lower edge of what is allowed (3:1 against white; white text).
    haderslev.accent_colour, haderslev.opening_hours = "#767676", "Mandag-fredag 10-14"
    haderslev.logo_type = "image/svg+xml"
    haderslev.logo = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="120" height="40"/></svg>'
    )
    haderslev.save()
    editor = StaffFactory(municipality=haderslev, roles=[Role.EDITOR], is_staff=True)
    policy_page = haderslev.pages.get(slug="hvem-er-en-paaroerende")
    public_url = f"{live_server.url}{policy_page.get_absolute_url()}"
    old_text = policy_page.sections.order_by("order", "pk").first().body
    new_text = "En pårørende er den, som borgeren selv peger på. Ændret i en browsertest."
    anonymous = new_context().new_page()
    anonymous.goto(public_url)

    # Draft: saved, previewed by the editor, unseen by the public.
    log_in(page, live_server.url, editor.username, PASSWORD)
    change_url = f"{live_server.url}/admin/portal/page/{policy_page.pk}/change/"
    assert page.goto(change_url).status == 200
    body = page.locator("#id_sections-0-body")
    expect(body).to_have_value(old_text)
    body.fill(new_text)
    page.locator("input[name='_save']").click()
    page.wait_for_url(f"{live_server.url}/admin/portal/page/")
    expect(page.locator(".messagelist .success")).to_be_visible()
    anonymous.goto(public_url)
    expect(anonymous.locator("main")).not_to_contain_text(new_text)

    page.goto(change_url)
    expect(page.get_by_text("Kladden herunder har ændringer, som offentligheden ikke ser endnu.")).to_be_visible()
    with page.context.expect_page() as preview_opened:
        page.get_by_role("link", name="Forhåndsvis kladden").click()
    preview = preview_opened.value
    expect(preview.get_by_role("heading", name="Forhåndsvisning")).to_be_visible()
    expect(preview.locator("main")).to_contain_text(new_text)
    preview.close()

    # Publish: the public sees it at once.
    page.get_by_role("button", name="Gem og udgiv").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Siden er udgivet (version 2)")
    published_html = anonymous.goto(public_url).text()  # for the Nu checker below
    expect(anonymous.locator("main")).to_contain_text(new_text)
    problems = axe_problems(Axe(), anonymous, public_url)
    assert problems == [], "\n".join(problems)
    expect(anonymous.get_by_role("link", name="Haderslev Kommune: politikkens forside")).to_be_visible()
    expect(anonymous.locator("footer")).to_contain_text("Mandag-fredag 10-14")
    heading_colour = anonymous.locator(".solution-info").evaluate("el => getComputedStyle(el).backgroundColor")
    assert heading_colour == "rgb(118, 118, 118)"
    # The municipality's face on its other pages: axe-core on each, and the Nu checker on the HTML as sent.
    sent = {}
    for path in ["/haderslev/", "/haderslev/hele-politikken/", "/haderslev/klagevejledning/"]:
        response = anonymous.goto(f"{live_server.url}{path}")
        problems = axe_problems(Axe(), anonymous, path)
        assert problems == [], "\n".join(problems)
        sent[f"page-{len(sent)}.html"] = path
        (tmp_path / f"page-{len(sent) - 1}.html").write_text(response.text(), encoding="utf-8")
    if checks_html(viewport_name):
        sent["page-3.html"] = public_url
        (tmp_path / "page-3.html").write_text(published_html, encoding="utf-8")
        problems = vnu_problems(html_checker(), tmp_path, sent)
        assert problems == [], "\n".join(problems)

    # Versions: the difference, and version 1 put back in one step.
    page.get_by_role("link", name="Versioner og historik").click()
    expect(page.locator(".diff-added")).to_contain_text(new_text)
    expect(page.locator(".page-versions")).to_contain_text(editor.display_name)
    page.get_by_role("button", name="Sæt version 1 tilbage").click()
    expect(page.locator(".messagelist .success")).to_contain_text("Version 1 er sat tilbage")
    anonymous.goto(public_url)
    expect(anonymous.locator("main")).to_contain_text(old_text[:60])
    expect(anonymous.locator("main")).not_to_contain_text(new_text)

    # Unpublish: gone for the public, still previewed by the editor.
    page.goto(change_url)
    page.get_by_role("button", name="Gem og afpublicér").click()
    expect(page.locator(".messagelist")).to_contain_text("ikke længere på den offentlige side")
    assert new_context().new_page().goto(public_url).status == 404
    assert page.goto(public_url).status == 200
    expect(page.get_by_role("heading", name="Forhåndsvisning")).to_be_visible()
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
