"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, viewport) for each test. The tests run
against the real policies from fixtures/policies/ and directories from fixtures/directory/, loaded
into the live server's (transactional) database by `live_policies`. Run them alone with
`pytest tests/browser` or `pytest -m browser`.
"""

import os

# Playwright's sync API keeps an asyncio event loop in this thread; without this Django refuses ORM
# calls from fixtures and tests ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from pathlib import Path

import pytest

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, ConsoleWatch


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _stop_html_checker():
    """Stops the Nu HTML Checker's service (tests.browser.html_checker) if a test of this process started it."""
    yield
    from tests.browser.html_checker import stop_html_checker

    stop_html_checker()


@pytest.fixture
def viewport_name() -> str:
    """The desktop unless a test parametrizes it (helpers.BOTH_VIEWPORTS)."""
    return "desktop"


@pytest.fixture
def new_context(browser, viewport_name):
    """Makes fresh browser contexts (each with its own cookies) on the test's viewport; closes them after it."""
    contexts = []

    def make():
        context = browser.new_context(viewport=VIEWPORTS[viewport_name], locale="da-DK")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in the test's own fresh context."""
    return new_context().new_page()


@pytest.fixture
def console(page) -> ConsoleWatch:
    """What `page` logs as errors, from its first navigation on."""
    return ConsoleWatch().attach(page)


@pytest.fixture
def live_policies(transactional_db, live_server):
    """The five municipalities with their policies and "Find rundt" directories, in the database the live server reads.

    The `policies` and `directories` fixtures of tests/conftest.py need `db`, whose transaction the
    live server's thread would not see; this is their transactional twin. Like a deployment
    (`load_policies`, then `load_directories`), it loads the directories after the policies.
    """
    from contacts.directory_fixtures import directory_fixture_paths, load_directory
    from portal.policy_fixtures import load_policy, policy_fixture_paths

    municipalities = {
        result.municipality.slug: result.municipality for result in map(load_policy, policy_fixture_paths())
    }
    for path in directory_fixture_paths():
        load_directory(path)
    for municipality in municipalities.values():
        municipality.refresh_from_db()
    return municipalities


@pytest.fixture
def roles(transactional_db):
    """The staff groups with their permissions, as the migrations make them (tests.factories.restore_role_groups).

    Transactional tests return the database to its migrated state, the groups included (tests.quick_flush); only
    Django's own flush (kept for a test with available_apps or serialized_rollback) would empty them, and then this
    runs the migration's own function again.
    """
    from tests.factories import restore_role_groups

    restore_role_groups()
