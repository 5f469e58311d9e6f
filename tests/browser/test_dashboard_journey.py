"""A manager reads the survey results: logs in, opens the dashboard, switches wave, downloads the CSV.

The dashboard is behind the login, so the axe-core and Nu HTML Checker lists of public pages cannot
reach it: this module checks it itself, with the same helpers. The public "Sådan går det" page is in
tests/browser/public_pages.py's list.
"""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.roles import Role
from tests.browser.helpers import BOTH_VIEWPORTS, log_in
from tests.browser.html_checker import checks_html, html_checker, vnu_problems
from tests.browser.public_pages import PublicPage, axe_problems, response_problems
from tests.factories import PASSWORD, StaffFactory
from tests.scenarios import FREE_TEXT_MARK, ensure_demo_results

pytestmark = pytest.mark.browser


@pytest.fixture
def live_results(transactional_db, roles, live_server):
    """Testrup with its made-up survey results, and a manager (Leder) of Testrup, in the live server's database."""
    municipality = ensure_demo_results()
    survey = municipality.surveys.get()
    manager = StaffFactory(municipality=municipality, roles=[Role.MANAGER], username="leder-testrup")
    return {"municipality": municipality, "survey": survey, "waves": list(survey.waves.all()), "manager": manager}


def dashboard_path(live_results, wave=None) -> str:
    path = f"/personale/resultater/{live_results['survey'].pk}/"
    return f"{path}?wave={wave.pk}" if wave else path


@pytest.mark.parametrize("viewport_name", ["desktop"])  # the dashboard on a phone: the test below
def test_manager_switches_wave_and_downloads_the_figures(live_results, live_server, page, console, viewport_name):
    log_in(page, live_server.url, "leder-testrup", PASSWORD)
    page.locator("main a[href='/personale/resultater/']").click()  # from the staff page
    page.wait_for_url(f"{live_server.url}{dashboard_path(live_results)}")  # the only survey, straight away
    expect(page.get_by_role("heading", level=1)).to_have_text("Pårørendeundersøgelsen")
    first, second, open_wave = live_results["waves"]
    expect(page.locator("#wave")).to_have_value(str(open_wave.pk))  # the latest opened wave to begin with

    page.locator("#wave").select_option(str(first.pk))
    page.locator("form.results-wave-form button[type='submit']").click()
    page.wait_for_url(f"{live_server.url}{dashboard_path(live_results, first)}")
    expect(page.locator("#wave")).to_have_value(str(first.pk))
    charts = page.locator("svg.trend-chart[role='img']")
    expect(charts).to_have_count(2)  # one per indicator, each with a table beside it
    expect(page.locator("table caption[id^='trend-']")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("Ahornhuset")

    with page.expect_download() as download_info:
        page.locator("a[href$='resultater.csv']").click()
    download = download_info.value
    name = download.suggested_filename
    assert name.startswith("testrup-resultater-") and name.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))  # as Danish Excel reads it
    assert {row["Runde"] for row in rows} == {first.name, second.name, open_wave.name}
    egebo = [row for row in rows if row["Gruppe"] == "Egebo"]
    assert egebo and all(row["Svar (n)"] == "" and row["Skjult"].startswith("Skjult") for row in egebo)
    assert FREE_TEXT_MARK not in text
    assert console.take() == []


@BOTH_VIEWPORTS
def test_the_dashboard_passes_axe_and_the_html_checker(
    live_results, live_server, page, console, viewport_name, tmp_path
):
    from axe_playwright_python.sync_playwright import Axe

    checker = html_checker()
    log_in(page, live_server.url, "leder-testrup", PASSWORD)
    problems = []
    files = {}
    for number, wave in enumerate(live_results["waves"]):
        path = dashboard_path(live_results, wave)
        response = page.goto(f"{live_server.url}{path}")
        label = f"{path} [dashboard, {viewport_name}]"
        problems += response_problems(PublicPage("dashboard", path), response)
        problems += [f"{label}: {problem}" for problem in console.take()]
        problems += axe_problems(Axe(), page, label)
        name = f"dashboard-{number}.html"
        (tmp_path / name).write_bytes(response.body())
        files[name] = path
    if checks_html(viewport_name):
        problems += vnu_problems(checker, tmp_path, files)
    assert not problems, "axe-core, Nu HTML Checker, console or response problems:\n" + "\n".join(problems)
