"""A municipality fills its "Find rundt" from a spreadsheet, and a relative finds the new contact on a phone.

The editor of Haderslev (whose policy names no contacts, so its directory starts empty) logs in, downloads the
template, uploads an Excel file, sees the rows and what the import will do, and orders the import; its page
says it waits, and shows what the import did once the task queue's worker has done it (without a reload); then
a relative on a phone searches the whole site from the box in the header and reaches the new contact's phone
number.

Every page is checked with axe-core, the console and the response headers, and its HTML goes to the Nu HTML
Checker at the end. The contact points are synthetic (no seed names a contact in Haderslev).
"""

import importlib
import io
import re
from urllib.parse import urlparse

import pyotp
import pytest
from django.core.management import call_command
from openpyxl import Workbook
from playwright.sync_api import expect

from contacts.models import ContactPoint
from portal.roles import Role
from tests.browser.helpers import VIEWPORTS, authenticator_secret
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.public_pages import axe_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import PASSWORD, StaffFactory

pytestmark = [pytest.mark.browser]

ROWS = [
    ["id", "behov", "situation", "spørg om", "kontakt", "telefon", "e-mail"],
    ["syn-1", "Ekstra behov i hverdagen", "Min far bliver mere og mere glemsom", "Spørg om en demensudredning",
     "Hukommelsesteamet (syntetisk)", "70 20 30 40", "hukommelse@haderslev.example"],
    ["syn-2", "Akutte behov", "Min mor kan ikke længere klare sig selv", "Spørg om hjælp i hjemmet",
     "Visitationen (syntetisk)", "70 20 30 41", ""],
]  # fmt: skip


def run_the_worker() -> None:
    """The task queue's worker (`manage.py db_worker`), its own loop run in the test's process until the queue is
    empty: the live server's database is the test's (in memory on SQLite), which a worker process cannot open.
    tests/test_queue_workers.py orders a 10,000-row import through gunicorn for a real worker process."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def workbook() -> bytes:
    book = Workbook()
    for row in ROWS:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def haderslev_editor(live_policies, roles):
    # The directory's permissions for editors (migration contacts.0002), gone with the tables a transactional
    # test empties, as the roles are.
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("contacts.migrations.0002_editors_keep_the_directory")
    state = MigrationLoader(connection).project_state(("contacts", "0002_editors_keep_the_directory"))
    migration.grant_directory(state.apps, None)
    return StaffFactory(municipality=live_policies["haderslev"], username="rikke", roles=[Role.EDITOR])


def test_an_editor_imports_a_spreadsheet_and_a_relative_finds_the_new_contact_on_a_phone(
    haderslev_editor, live_server, new_context, console, tmp_path
):
    checker = html_checker()
    page = new_context().new_page()
    page.set_default_timeout(60_000)
    console.attach(page)
    journey = Journey(page, console, live_server.url, "desktop")
    main = page.locator("main")

    # The editor logs in (password and authenticator app) and opens the import from the page for staff.
    secret = authenticator_secret("rikke")
    journey.open("login", "/konto/log-ind/")
    page.fill("#id_login", "rikke")
    page.fill("#id_password", PASSWORD)
    journey.press("Enter", "second-factor")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    journey.press("Enter", "staff-home")
    journey.follow("main a[href='/personale/find-rundt/import/']", "import")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importér vejviseren fra en fil")
    with page.expect_download() as download:
        page.get_by_role("link", name="Hent skabelonen (Excel)").click()
    assert download.value.suggested_filename == "find-rundt-skabelon.xlsx"

    # The rows first, with what the import will do; nothing is saved yet.
    page.set_input_files(
        "#id_file",
        files=[{"name": "kontakter.xlsx", "mimeType": "application/octet-stream", "buffer": workbook()}],
    )
    journey.follow("main form[enctype] button[type='submit']", "import-preview")
    expect(main.locator("ul.import-plan")).to_contain_text("2 nye kontaktpunkter")
    expect(main.locator("ul.import-plan")).to_contain_text("2 nye situationer")
    expect(main.locator("table.import-rows")).to_contain_text("Hukommelsesteamet (syntetisk)")
    assert not ContactPoint.objects.filter(municipality__slug="haderslev").exists()
    # Importing is ordered: the page of the import says it waits, and updates itself when a worker has done it.
    journey.follow("form[action$='/import/gem/'] button[type='submit']", "import-waiting")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import af vejviseren")
    expect(page.get_by_role("status")).to_contain_text("Importen venter på sin tur.")
    assert not ContactPoint.objects.filter(municipality__slug="haderslev").exists()
    progress_path = urlparse(page.url).path
    assert re.fullmatch(r"/personale/find-rundt/import/\d+/", progress_path)
    run_the_worker()
    expect(page.get_by_role("status")).to_contain_text("Importeret: 2 nye kontaktpunkter", timeout=15_000)
    assert page.url.endswith(progress_path)  # no reload, no navigation
    journey.problems += axe_problems(journey.axe, page, f"{progress_path} [import-updated, desktop]")
    journey.problems += [f"{progress_path} [import-updated]: {problem}" for problem in console.take()]
    assert ContactPoint.objects.filter(municipality__slug="haderslev").count() == 2
    journey.open("import-done", progress_path)  # the same page loaded again: the result, and no script
    expect(page.locator(".alert-success")).to_contain_text(
        "Importeret: 2 nye kontaktpunkter, 0 ændrede, 2 nye behov, 2 nye situationer."
    )

    # A relative on a phone searches Haderslev's whole site from the box in the header.
    phone = new_context().new_page()
    phone.set_viewport_size(VIEWPORTS["phone"])
    console.attach(phone)
    relative = Journey(phone, console, live_server.url, "phone")
    relative.open("municipality", "/haderslev/")
    box = phone.get_by_role("search", name="Hele siden").get_by_role("searchbox")
    box.fill("glemsom")
    with phone.expect_navigation() as navigation:
        box.press("Enter")
    relative.arrive("site-search", navigation.value)
    assert re.search(r"/haderslev/soeg/\?q=glemsom$", phone.url)
    found = phone.locator("#results-directory").locator("xpath=..")
    expect(found).to_contain_text("Hukommelsesteamet (syntetisk)")
    assert phone.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"]["width"]
    with phone.expect_navigation() as navigation:
        found.get_by_role("link", name="“Min far bliver mere og mere glemsom”").click()
    relative.arrive("situation", navigation.value)
    call = phone.get_by_role("link", name="Ring 70 20 30 40")
    expect(call).to_have_attribute("href", "tel:+4570203040")
    target = call.bounding_box()
    assert target["height"] >= 24 and target["x"] + target["width"] <= VIEWPORTS["phone"]["width"]

    for file_name, body in {**journey.bodies, **{f"phone-{k}": v for k, v in relative.bodies.items()}}.items():
        (tmp_path / file_name).write_bytes(body)
    files = {**journey.files, **{f"phone-{k}": v for k, v in relative.files.items()}}
    problems = journey.problems + relative.problems + vnu_problems(checker, tmp_path, files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
