"""From results to action in a real browser (issue 15): a manager reads the verdict, writes a plan with two
actions, generates the yearly report and opens its PDF. The new staff pages pass axe-core and the Nu HTML
Checker (they are behind the login, so this module checks them itself, with the shared helpers)."""

import io
from pathlib import Path

import pypdf
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from portal.roles import Role
from surveys import services
from surveys.models import Action, ActionPlan
from tests.browser.helpers import log_in
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import PublicPage, axe_problems, response_problems
from tests.factories import PASSWORD, StaffFactory
from tests.scenarios import ensure_demo_results

pytestmark = pytest.mark.browser

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def live_results(transactional_db, roles, live_server):
    municipality = ensure_demo_results()
    survey = municipality.surveys.get()
    manager = StaffFactory(
        municipality=municipality, roles=[Role.MANAGER], username="leder-handling", first_name="Lone", last_name="Leder"
    )
    manager.user_permissions.add(Permission.objects.get(codename="view_answer_text"))
    return {"municipality": municipality, "survey": survey, "manager": manager}


def test_a_manager_reads_the_verdict_writes_a_plan_and_opens_the_yearly_report(live_results, live_server, page,
                                                                                 console):  # fmt: skip
    page.goto(f"{live_server.url}/konto/log-ind/", timeout=60_000)  # the first request of a fresh server may be slow
    log_in(page, live_server.url, "leder-handling", PASSWORD)
    page.locator("main a[href='/personale/resultater/']").click()
    verdicts = page.locator("section.results-verdicts")
    expect(verdicts.get_by_role("heading", level=2)).to_contain_text("Når vi målene?")
    expect(verdicts.locator("li.results-verdict")).to_have_count(2)  # one per target
    expect(verdicts).to_contain_text("Mødt med respekt")
    expect(verdicts).to_contain_text("Frist 31. december")

    page.goto(f"{live_server.url}/personale/")
    page.locator("main a[href='/personale/handleplaner/']").click()
    page.get_by_role("link", name="Ny handleplan").click()
    page.locator("#id_unit").select_option(label="Ahornhuset")
    page.locator("#id_title").fill("Mere respekt på Ahornhuset")
    page.get_by_role("button", name="Opret planen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mere respekt på Ahornhuset")
    for title, owner, deadline in [("Pårørendemøde hver måned", "Teamleder Ahorn", "2099-06-30"),
                                   ("Kursus i den svære samtale", "", "2099-03-31")]:  # fmt: skip
        page.locator("#id_title").fill(title)
        page.locator("#id_owner_name").fill(owner)
        if not owner:
            page.locator("#id_owner").select_option(label="Lone Leder")
        page.locator("#id_starts_on").fill("2099-01-01")
        page.locator("#id_deadline").fill(deadline)
        page.get_by_label("Mødt med respekt").check()
        page.get_by_role("button", name="Tilføj handlingen").click()
        expect(page.locator("table")).to_contain_text(title)
    assert Action.objects.filter(plan=ActionPlan.objects.get()).count() == 2

    page.goto(f"{live_server.url}/personale/")
    page.locator("main a[href='/personale/aarsrapport/']").click()
    page.locator("#id_year").fill(str(LAST_YEAR))
    page.get_by_role("button", name="Vis rapporten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Årlig opfølgning {LAST_YEAR}")
    expect(page.locator("main")).to_contain_text("Mødt med respekt")
    with page.expect_download(timeout=60_000) as download_info:  # WeasyPrint takes its time on a busy machine
        page.get_by_role("link", name="Hent som PDF").click(no_wait_after=True)
    download = download_info.value
    assert download.suggested_filename == f"testrup-aarsrapport-{LAST_YEAR}.pdf"
    document = pypdf.PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    assert document.trailer["/Root"]["/Lang"] == "da" and "/StructTreeRoot" in document.trailer["/Root"]
    assert document.metadata.title == f"Årlig opfølgning {LAST_YEAR} – Testrup Kommune"
    assert "Mødt med respekt" in "".join(p.extract_text() for p in document.pages)
    assert console.take() == []


def new_pages(live_results) -> list[str]:
    manager = live_results["manager"]
    plan = services.create_action_plan(acting_user=manager, unit=live_results["municipality"].units.first(),
                                       year=LAST_YEAR, title="Plan", today=timezone.localdate())  # fmt: skip
    indicator = live_results["survey"].questions.first().indicators.first()
    today = timezone.localdate()
    services.save_action(acting_user=manager, plan=plan, title="Møder", owner_name="Team", starts_on=today,
                         deadline=today, indicators=[indicator])  # fmt: skip
    services.save_yearly_report(acting_user=manager, year=LAST_YEAR, summary="Resumé", is_published=True,
                                version=None, today=timezone.localdate())  # fmt: skip
    survey = live_results["survey"]
    return [
        "/personale/handleplaner/",
        "/personale/handleplaner/ny/",
        f"/personale/handleplaner/{plan.pk}/",
        f"/personale/handleplaner/{plan.pk}/handling/{plan.actions.get().pk}/",
        "/personale/aarsrapport/",
        f"/personale/aarsrapport/{LAST_YEAR}/",
        f"/personale/aarsrapport/{LAST_YEAR + 2}/",  # a year in the future: the message at the field
        f"/personale/resultater/{survey.pk}/svar-med-fritekst/",
        f"/testrup/saadan-gaar-det/{LAST_YEAR}/",
        f"/personale/undersoegelser/runde/{survey.waves.order_by('opens_on').last().pk}/breve-med-adresse/",
    ]


def test_the_new_pages_pass_axe_and_the_nu_checker(live_results, live_server, page, console, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    checker = html_checker()
    page.goto(f"{live_server.url}/konto/log-ind/", timeout=60_000)  # the first request of a fresh server may be slow
    log_in(page, live_server.url, "leder-handling", PASSWORD)
    problems, files = [], {}
    for number, path in enumerate(new_pages(live_results)):
        response = page.goto(f"{live_server.url}{path}")
        problems += response_problems(PublicPage("action", path), response)
        problems += [f"{path}: {problem}" for problem in console.take()]
        problems += axe_problems(Axe(), page, path)
        name = f"page-{number}.html"
        (tmp_path / name).write_bytes(response.body())
        files[name] = path
    problems += vnu_problems(checker, tmp_path, files)
    assert not problems, "axe-core, Nu HTML Checker, console or response problems:\n" + "\n".join(problems)
