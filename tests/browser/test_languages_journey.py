"""The public pages in the other interface languages, and a relative's journey on a phone in Arabic and in Turkish.

(a) The 9 kinds of public page a relative meets (front page, a municipality, a policy page, "Find rundt" with a
search, a situation, the offers, "Sådan går det", the survey's code page and its form), each clean in axe-core
and in the Nu HTML checker, with <html lang> in the page's language:
- every kind in Arabic (right to left: the one layout that mirrors) and in English (left to right);
- in Turkish, Polish and Ukrainian by turns, each language on 3 kinds and each kind in one of them, so every kind
  is also checked in a second left-to-right language and each language's texts on several pages.
Not in Danish: test_accessibility.py (axe-core) and test_html_validity.py (the checker) visit all 9 kinds in
Danish already. Another language in settings.LANGUAGES fails the test until it is given a place here. One live
server and one browser for all of them; only Hvidovre's policy and directory are loaded (the other
municipalities' pages are checked in Danish and English by test_accessibility.py and test_html_validity.py).
(b), (c) The journey front page → municipality → policy page → Find rundt → the survey on a phone, in
Arabic (right to left: the page's parts mirrored, phone numbers still left to right) and in Turkish; the
language stays as the relative follows links, and the switcher takes them back into it.

Nothing here needs the content to be translated: untranslated content shows in Danish, marked lang="da".
"""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import AXE_OPTIONS, HOW_IT_GOES, SURVEY_ANSWER, prepare_results, prepare_survey
from tests.scenarios import FIXED_CODE

pytestmark = pytest.mark.browser

LANGUAGES = [code for code, _name in settings.LANGUAGES]
EVERY_PAGE = ["ar", "en"]  # right to left, and left to right
BY_TURNS = ["tr", "pl", "uk"]  # the other left-to-right languages, one for each kind of page in turn
SLUG = "hvidovre"


@pytest.fixture
def live_hvidovre(transactional_db, live_server):
    """Hvidovre's policy and "Find rundt" from fixtures/, the survey with its test invitation, and Testrup's
    results, in the database the live server reads."""
    from contacts.directory_fixtures import DIRECTORY_FIXTURE_DIR, load_directory
    from portal.policy_fixtures import POLICY_FIXTURE_DIR, load_policy

    municipality = load_policy(POLICY_FIXTURE_DIR / f"{SLUG}.json").municipality
    load_directory(DIRECTORY_FIXTURE_DIR / f"{SLUG}.json")
    prepare_survey()
    prepare_results()
    municipality.refresh_from_db()
    return municipality


def in_language(code: str, path: str) -> str:
    return path if code == "da" else f"/{code}{path}"


def public_paths(municipality) -> dict[str, str]:
    """name -> Danish path of the pages a relative meets."""
    from contacts.models import Situation

    page = municipality.pages.filter(is_published=True).order_by("order", "pk").first()
    situation = Situation.objects.filter(need__municipality=municipality).order_by("need__order", "order").first()
    return {
        "front-page": "/",
        "municipality": f"/{SLUG}/",
        "policy-page": f"/{SLUG}/{page.slug}/",
        "find-rundt-search": f"/{SLUG}/find-rundt/?q=demens",
        "situation": f"/{SLUG}/find-rundt/situation/{situation.pk}/",
        "offers": f"/{SLUG}/find-rundt/til-dig-som-paaroerende/",
        "how-it-goes": HOW_IT_GOES,
        "survey-code": "/undersoegelse/",
        "survey-answer": SURVEY_ANSWER,
    }


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.mark.parametrize("viewport_name", ["phone"])
def test_the_public_pages_in_the_other_languages_pass_axe_and_the_html_checker(
    live_hvidovre, live_server, page, console, axe, tmp_path, viewport_name
):
    assert sorted(LANGUAGES) == sorted(["da", *EVERY_PAGE, *BY_TURNS]), "give the new language its pages here"
    checker = html_checker()
    problems: list[str] = []
    files: dict[str, str] = {}
    for number, (name, danish_path) in enumerate(public_paths(live_hvidovre).items()):
        for code in [*EVERY_PAGE, BY_TURNS[number % len(BY_TURNS)]]:
            path = in_language(code, danish_path)
            response = page.goto(f"{live_server.url}{path}")
            label = f"{path} [{code}]"
            if response is None or response.status != 200:
                problems.append(f"{label}: status {response and response.status}")
                continue
            html_lang = page.locator("html").get_attribute("lang")
            if html_lang != code:
                problems.append(f'{label}: <html lang="{html_lang}">')
            problems += [f"{label}: {problem}" for problem in console.take()]
            for violation in axe.run(page, options=AXE_OPTIONS).response["violations"]:
                targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
                problems.append(
                    f"{label}: axe {violation['id']} ({violation['impact']}): {violation['help']}: {targets}"
                )
            file_name = f"{code}-{name}.html"
            (tmp_path / file_name).write_bytes(response.body())
            files[file_name] = path
    assert len(files) == 9 * 3
    assert {file_name.split("-")[0] for file_name in files} == {*EVERY_PAGE, *BY_TURNS}
    problems += vnu_problems(checker, tmp_path, files)
    assert not problems, "Problems in the pages in other languages:\n" + "\n".join(problems)


# --- a relative's journey on a phone --------------------------------------------------------------------


def box(locator) -> dict:
    locator.scroll_into_view_if_needed()
    return locator.bounding_box()


def left_to_right(page, locator) -> bool:
    """Whether the text's first character is drawn left of its last one (the way "36 39 28 80" reads)."""
    return locator.evaluate(
        """element => {
            const text = element.firstChild;
            const range = document.createRange();
            range.setStart(text, 0); range.setEnd(text, 1);
            const first = range.getBoundingClientRect().left;
            range.setStart(text, text.length - 1); range.setEnd(text, text.length);
            return first < range.getBoundingClientRect().left;
        }"""
    )


def check_language_page(page, base_url: str, code: str, rtl: bool) -> None:
    """The page is in `code`, runs the right way, and its switcher marks `code` and leads to this page."""
    assert page.url.startswith(f"{base_url}/{code}/"), page.url
    html = page.locator("html")
    expect(html).to_have_attribute("lang", code)
    if rtl:
        expect(html).to_have_attribute("dir", "rtl")
    else:
        assert html.get_attribute("dir") is None
    current = page.locator(".language-switcher a[aria-current='true']")
    expect(current).to_have_attribute("hreflang", code)
    assert current.get_attribute("href") == page.url.removeprefix(base_url).split("?")[0] + (
        "?" + page.url.split("?", 1)[1] if "?" in page.url else ""
    )
    # The page's header reads from the reading direction's side: the portal's name at the right in Arabic.
    logo = box(page.locator(".portal-logo"))
    width = page.viewport_size["width"]
    if rtl:
        assert logo["x"] + logo["width"] > width * 0.75, logo
    else:
        assert logo["x"] < width * 0.25, logo


@pytest.mark.parametrize("viewport_name", ["phone"])
@pytest.mark.parametrize(("code", "rtl"), [("ar", True), ("tr", False)])
def test_a_relative_finds_their_way_on_a_phone_in_their_language(
    live_hvidovre, live_server, page, console, viewport_name, code, rtl
):
    base = live_server.url
    # The front page in Danish; the relative picks their language in the switcher at the top.
    page.goto(f"{base}/")
    switch = page.locator(f".language-switcher a[hreflang='{code}']")
    expect(switch).to_be_visible()
    switch.click()
    page.wait_for_url(f"{base}/{code}/")
    check_language_page(page, base, code, rtl)

    # Front page → the municipality → a policy page, following links: the language stays.
    page.locator(f"main a[href='/{code}/{SLUG}/']").first.click()
    page.wait_for_url(f"{base}/{code}/{SLUG}/")
    check_language_page(page, base, code, rtl)
    page.locator(f"main a[href^='/{code}/{SLUG}/']:not([href*='find-rundt'])").first.click()
    page.wait_for_load_state()
    check_language_page(page, base, code, rtl)
    crumbs = page.locator(".breadcrumbs__list-item")
    first, second = box(crumbs.nth(0)), box(crumbs.nth(1))
    if rtl:  # the breadcrumbs run from the right, their chevrons pointing left
        assert first["x"] > second["x"], (first, second)
        transform = crumbs.nth(1).locator("svg").evaluate("element => getComputedStyle(element).transform")
        assert transform.startswith("matrix(-1"), transform
    else:
        assert first["x"] < second["x"], (first, second)

    # Find rundt with a search, from the header's search box of the municipality's pages… then a situation.
    page.goto(f"{base}/{code}/{SLUG}/find-rundt/")
    check_language_page(page, base, code, rtl)
    search = page.locator("main form[role='search'] input[name='q'], main input[name='q']").first
    search.fill("demens")
    search.press("Enter")
    page.wait_for_url(re.compile(rf"/{code}/{SLUG}/find-rundt/\?q=demens"))
    check_language_page(page, base, code, rtl)
    page.locator(f"main a[href^='/{code}/{SLUG}/find-rundt/situation/']").first.click()
    page.wait_for_load_state()
    check_language_page(page, base, code, rtl)
    card = page.locator(".contact-card").first
    border = card.evaluate(
        "element => [getComputedStyle(element).borderRightWidth, getComputedStyle(element).borderLeftWidth]"
    )
    assert border == (["6px", "1px"] if rtl else ["1px", "6px"]), border  # the accent on the reading side
    number = card.locator(".contact-call bdi[dir='ltr']")
    expect(number).to_have_text(re.compile(r"^\d\d \d\d \d\d \d\d$"))
    assert left_to_right(page, number), "the phone number is drawn right to left"

    # The survey: the relative types the address from their letter (Danish) and switches to their language.
    page.goto(f"{base}{SURVEY_ANSWER}")
    page.locator(f".language-switcher a[hreflang='{code}']").click()
    page.wait_for_url(f"{base}/{code}/undersoegelse/{FIXED_CODE}/")
    check_language_page(page, base, code, rtl)
    radio = page.locator(".survey-form .form-radio").first
    label = page.locator(f".survey-form label[for='{radio.get_attribute('id')}']")
    radio_box, label_box = box(radio), box(label)
    if rtl:  # the answer scale's circles stand at the right of their words
        assert radio_box["x"] > label_box["x"] + label_box["width"] - radio_box["width"] - 1, (radio_box, label_box)
    else:
        assert radio_box["x"] <= label_box["x"] + 1, (radio_box, label_box)
    # The code page and "Sådan går det" keep the language too.
    page.goto(f"{base}/{code}/undersoegelse/")
    check_language_page(page, base, code, rtl)
    page.goto(f"{base}/{code}{HOW_IT_GOES}")
    check_language_page(page, base, code, rtl)
    if code == "tr":
        expect(page.locator("main")).to_contain_text(re.compile(r"%\d"))  # "%75": the sign before the number
    assert not console.take()
