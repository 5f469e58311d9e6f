"""axe-core (WCAG 2.1 A and AA rules) on every public page, plus the CSP header and a clean console.

Every page is checked on the phone viewport; on the desktop viewport the portal's own pages and,
for each municipality, its landing page and the fewest policy pages that show every kind of section.
"""

import pytest

from tests.browser.helpers import BOTH_VIEWPORTS, policy_slugs
from tests.browser.public_pages import PORTAL_PAGES, check_page, municipality_pages

pytestmark = pytest.mark.browser

FULL_SET_VIEWPORT = "phone"


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def report(problems: list[str]) -> str:
    return "axe-core, console or response problems:\n" + "\n".join(problems)


@BOTH_VIEWPORTS
def test_portal_pages(live_policies, live_server, page, console, axe, viewport_name):
    problems = []
    for public_page in PORTAL_PAGES:
        problems += check_page(page, axe, console, live_server.url, public_page, viewport_name)
    assert not problems, report(problems)


@BOTH_VIEWPORTS
@pytest.mark.parametrize("slug", policy_slugs())
def test_municipality_pages(live_policies, live_server, page, console, axe, viewport_name, slug):
    pages = municipality_pages(live_policies[slug], full=viewport_name == FULL_SET_VIEWPORT)
    problems = []
    for public_page in pages:
        problems += check_page(page, axe, console, live_server.url, public_page, viewport_name)
    assert not problems, report(problems)
