"""The public pages the accessibility and HTML checks visit, and the checks every visit makes."""

from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.browser.helpers import ConsoleWatch
from tests.scenarios import FIXED_CODE

THEME_PAGE_EN = "/en/haderslev/tema-2-du-skal-ikke-staa-alene/"
DIRECTORY_EN = "/en/hvidovre/find-rundt/"
LOGIN = "/konto/log-ind/"
# The municipalities whose "Find rundt" pages are checked: Hvidovre's real directory, and one still empty.
DIRECTORY_MUNICIPALITIES = frozenset({"hvidovre", "haderslev"})
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@dataclass(frozen=True)
class PublicPage:
    name: str  # also the file name for the HTML checker: letters, digits and hyphens
    path: str
    status: int = 200
    failed_login: bool = False  # POST wrong credentials to the login page and check the answer
    prepare: Callable[[], object] | None = None  # puts the data the page needs into the live server's database
    failed_form: bool = False  # send the page's form as it is (empty) and check the error summary


def prepare_survey() -> None:
    """A survey with every kind of question and an unused invitation for tests.scenarios.FIXED_CODE."""
    from tests.scenarios import ensure_fixed_survey

    ensure_fixed_survey()


SURVEY_ANSWER = f"/undersoegelse/{FIXED_CODE}/"


def prepare_results() -> None:
    """A made-up municipality whose survey has results to show (tests.scenarios.demo_results)."""
    from tests.scenarios import ensure_demo_results

    ensure_demo_results()


HOW_IT_GOES = "/testrup/saadan-gaar-det/"  # tests.scenarios.DEMO_SLUG


PORTAL_PAGES = [
    PublicPage("front-page", "/"),
    PublicPage("accessibility-statement", "/tilgaengelighed/"),
    PublicPage("login", LOGIN),
    PublicPage("login-failed", LOGIN, failed_login=True),
    PublicPage("not-found", "/ingen-kommune-har-denne-adresse/", status=404),
    PublicPage("en-municipality", "/en/haderslev/"),
    PublicPage("en-policy-page", THEME_PAGE_EN),
    PublicPage("survey-code", "/undersoegelse/"),
    PublicPage("survey-code-failed", "/undersoegelse/", failed_form=True),
    PublicPage("survey-answer", SURVEY_ANSWER, prepare=prepare_survey),
    PublicPage("survey-answer-failed", SURVEY_ANSWER, prepare=prepare_survey, failed_form=True),
    PublicPage("en-survey-answer", f"/en{SURVEY_ANSWER}", prepare=prepare_survey),
    PublicPage("ar-survey-answer", f"/ar{SURVEY_ANSWER}", prepare=prepare_survey),  # right to left
    PublicPage("survey-thanks", "/undersoegelse/tak/"),
    PublicPage("en-directory", DIRECTORY_EN),
    PublicPage("how-it-goes", HOW_IT_GOES, prepare=prepare_results),
    PublicPage("en-how-it-goes", f"/en{HOW_IT_GOES}", prepare=prepare_results),
]


def representative_pages(pages: list) -> list:
    """The fewest of `pages` that together show every kind of section and every kind of page among them."""
    wanted = {section.kind for page in pages for section in page.sections.all()} | {page.kind for page in pages}
    chosen = []
    while wanted:
        best = max(pages, key=lambda page: len(wanted & kinds_of(page)))
        chosen.append(best)
        wanted -= kinds_of(best)
    return sorted(chosen, key=lambda page: (page.order, page.pk))


def kinds_of(page) -> set[str]:
    return {section.kind for section in page.sections.all()} | {page.kind}


def municipality_pages(municipality, *, full: bool) -> list[PublicPage]:
    """The municipality's landing page and every published policy page (or a representative subset),
    and for DIRECTORY_MUNICIPALITIES the pages of its directory."""
    policy_pages = list(municipality.pages.filter(is_published=True).prefetch_related("sections"))
    assert policy_pages, f"{municipality} has no published pages"
    if not full:
        policy_pages = representative_pages(policy_pages)
    return [
        PublicPage(municipality.slug, municipality.get_absolute_url()),
        *(PublicPage(f"{municipality.slug}--{page.slug}", page.get_absolute_url()) for page in policy_pages),
        *(directory_pages(municipality, full=full) if municipality.slug in DIRECTORY_MUNICIPALITIES else []),
    ]


def directory_pages(municipality, *, full: bool) -> list[PublicPage]:
    """The pages of the municipality's "Find rundt": the directory, a search with results and one without,
    each situation, each contact card, and the offers (or, not `full`, one situation and one contact card)."""
    from django.db.models import Count
    from django.urls import reverse

    from contacts.models import Situation

    slug = municipality.slug
    directory = reverse("contacts:directory", args=[slug])
    assert municipality.needs.exists() or slug != "hvidovre", f"{municipality}: load fixtures/directory/{slug}.json"
    # The situation with the most contact points first: the subset shows the fullest page.
    situations = list(
        Situation.objects.filter(need__municipality=municipality)
        .annotate(links=Count("contacts"))
        .order_by("-links", "need__order", "order", "pk")
    )
    contacts = list(municipality.contact_points.order_by("name", "pk"))
    if not full:
        situations, contacts = situations[:1], contacts[:1]
    return [
        PublicPage(f"{slug}--find-rundt", directory),
        PublicPage(f"{slug}--find-rundt--search", f"{directory}?q=demens"),
        PublicPage(f"{slug}--find-rundt--search-nothing", f"{directory}?q=fodbold"),
        *(
            PublicPage(f"{slug}--find-rundt--situation-{number}", reverse("contacts:situation", args=[slug, s.pk]))
            for number, s in enumerate(situations, start=1)
        ),
        *(
            PublicPage(f"{slug}--find-rundt--contact-{number}", reverse("contacts:contact", args=[slug, c.pk]))
            for number, c in enumerate(contacts, start=1)
        ),
        PublicPage(f"{slug}--find-rundt--offers", reverse("contacts:offers", args=[slug])),
        PublicPage(
            f"{slug}--find-rundt--offers-filtered",
            reverse("contacts:offers", args=[slug]) + "?type=respite&for=dementia",
        ),
        PublicPage(f"{slug}--find-rundt--search-offers", f"{directory}?q=aflastning"),
        PublicPage(f"{slug}--find-rundt--self-check", reverse("contacts:self-check", args=[slug])),
        PublicPage(f"{slug}--find-rundt--contact-request", reverse("contacts:contact-request", args=[slug])),
    ]


def all_public_pages(municipalities) -> list[PublicPage]:
    return [*PORTAL_PAGES, *(p for m in municipalities for p in municipality_pages(m, full=True))]


def open_page(page, base_url: str, public_page: PublicPage):
    """Loads the page (for the failed login: posts wrong credentials) and returns the document's response."""
    url = f"{base_url}{public_page.path}"
    if public_page.prepare is not None:
        public_page.prepare()
    response = page.goto(url)
    if public_page.failed_login:
        page.get_by_label("Brugernavn").fill("ingen-saadan-bruger")
        page.get_by_label("Adgangskode").fill("forkert-adgangskode")
        with page.expect_response(lambda r: r.url == url and r.request.method == "POST") as answer:
            page.get_by_role("button", name="Log ind").click()
        response = answer.value
        page.wait_for_load_state()
        summary = page.locator("[data-module='error-summary']")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Der er problemer")
        expect(summary).to_be_focused()  # DKFDS.init() moves focus to the summary
    if public_page.failed_form:
        with page.expect_response(lambda r: r.url == url and r.request.method == "POST") as answer:
            page.locator("main form button[type='submit']").click()
        response = answer.value
        page.wait_for_load_state()
        summary = page.locator("[data-module='error-summary']")
        expect(summary).to_contain_text("Der er problemer")
        expect(summary).to_be_focused()
    return response


def response_problems(public_page: PublicPage, response) -> list[str]:
    problems = []
    if response is None:
        return [f"{public_page.path}: no response"]
    if response.status != public_page.status:
        problems.append(f"{public_page.path}: status {response.status}, expected {public_page.status}")
    if not response.headers.get("content-security-policy"):
        problems.append(f"{public_page.path}: no Content-Security-Policy header")
    return problems


def axe_problems(axe, page, label: str) -> list[str]:
    results = axe.run(page, options=AXE_OPTIONS)
    problems = []
    for violation in results.response["violations"]:
        problems.append(f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            problems.append(f"    {target}\n        {summary}")
    return problems


def check_page(page, axe, console: ConsoleWatch, base_url: str, public_page: PublicPage, viewport: str) -> list[str]:
    """Everything wrong with one public page: status, CSP header, console errors, axe violations."""
    label = f"{public_page.path} [{public_page.name}, {viewport}]"
    if public_page.status == 404:
        # The document answers 404 on purpose; Django's plain 404 page names no icon, so Chromium also
        # asks for /favicon.ico, which the portal does not serve (its pages link favicon.svg).
        console.expected_failures |= {f"{base_url}{public_page.path}", f"{base_url}/favicon.ico"}
    response = open_page(page, base_url, public_page)
    problems = response_problems(public_page, response)
    problems += [f"{label}: {problem}" for problem in console.take()]
    problems += axe_problems(axe, page, label)
    return problems
