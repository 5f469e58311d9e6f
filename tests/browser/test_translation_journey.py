"""An editor translates a text of the municipality into Turkish, side by side with the Danish, and sees it checked.

The editor logs in (password and authenticator app), opens the translations from the page for staff, sees what is
missing in Turkish, marks an agency's draft as checked, opens a need side by side, writes the Turkish beside the
Danish, marks it as checked by the municipality and saves; the page then shows it as checked, and the overview
counts it. Every page is checked with axe-core, the console and the response headers, and its HTML goes to the Nu
HTML Checker at the end. The municipality and its texts are synthetic.
"""

import pyotp
import pytest
from playwright.sync_api import expect

from portal.models import Translation
from portal.roles import Role
from portal.translation_services import save_translation
from tests.browser.helpers import authenticator_secret, tab_to
from tests.browser.html_checker import html_checker, vnu_problems
from tests.browser.test_consent_journey import Journey
from tests.factories import PASSWORD, MunicipalityFactory, NeedFactory, StaffFactory

pytestmark = [pytest.mark.browser]


@pytest.fixture
def synthetic_town(transactional_db, roles):
    town = MunicipalityFactory(town="Syntetrup", slug="syntetrup", kommunekode="0999")
    need = NeedFactory(municipality=town, name="Akutte behov (syntetisk)")
    other = NeedFactory(municipality=town, name="Ekstra behov i hverdagen (syntetisk)")
    editor = StaffFactory(municipality=town, username="tove", roles=[Role.EDITOR])
    save_translation(
        acting_user=None, obj=other, field="name", language="tr", text="Günlük ek ihtiyaçlar (sentetik)",
        approved=False,
    )  # fmt: skip
    return {"town": town, "need": need, "other": other, "editor": editor}


def test_an_editor_translates_a_need_into_turkish_side_by_side_and_sees_it_checked(
    synthetic_town, live_server, new_context, console, tmp_path
):
    checker = html_checker()
    page = new_context().new_page()
    page.set_default_timeout(60_000)
    console.attach(page)
    journey = Journey(page, console, live_server.url, "desktop")
    main = page.locator("main")
    need = synthetic_town["need"]

    secret = authenticator_secret("tove")
    journey.open("login", "/konto/log-ind/")
    page.fill("#id_login", "tove")
    page.fill("#id_password", PASSWORD)
    journey.press("Enter", "second-factor")
    page.fill("#id_code", pyotp.TOTP(secret).now())
    journey.press("Enter", "staff-home")

    # The overview: in Turkish one need is a draft (an agency's), the policy's title and the other need are missing.
    journey.follow("main a[href='/personale/oversaettelser/']", "translations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversættelser")
    turkish = main.locator("table.translation-summary tr", has_text="Tyrkisk")
    expect(turkish.locator("td[data-state='missing']")).to_have_text("2")
    expect(turkish.locator("td[data-state='draft']")).to_have_text("1")

    # The draft, read beside its Danish and marked as checked.
    journey.open("translations-drafts", "/personale/oversaettelser/?sprog=tr&tilstand=draft")
    expect(main.locator("table.translation-list")).to_contain_text("Günlük ek ihtiyaçlar (sentetik)")
    journey.tick("input[name='valgt']")
    journey.follow("form[action$='/godkend/'] button[type='submit']", "drafts-approved")
    expect(page.locator(".alert-success")).to_contain_text("1 oversættelser er markeret som kontrolleret")

    # The missing texts in Turkish, then the need side by side.
    journey.open("translations-turkish", "/personale/oversaettelser/?sprog=tr&tilstand=missing&slags=contacts.need")
    journey.follow(f"main a[href^='/personale/oversaettelser/tr/contacts.need/{need.pk}/']", "side-by-side")
    expect(main.locator(".translation-source[lang='da']")).to_have_text("Akutte behov (syntetisk)")
    textarea = main.locator("#id_name-text")
    expect(textarea).to_have_attribute("lang", "tr")
    expect(textarea).to_have_attribute("dir", "ltr")
    journey.type_into("#id_name-text", "Acil ihtiyaçlar (sentetik)")
    tab_to(page, "#id_name-status_0")  # the group's chosen radio ("draft"); the arrow key chooses the next
    page.keyboard.press("ArrowDown")
    expect(main.locator("#id_name-status_1")).to_be_checked()
    journey.follow("#felt-name button[type='submit']", "side-by-side-saved")
    expect(page.locator(".alert-success")).to_contain_text("Oversættelsen er gemt.")
    expect(main.locator("#felt-name .badge")).to_have_text("Oversat og kontrolleret af kommunen")
    saved = Translation.objects.get(object_id=need.pk)
    assert (saved.text, saved.status, saved.language) == ("Acil ihtiyaçlar (sentetik)", "approved", "tr")

    journey.open("translations-after", "/personale/oversaettelser/")
    turkish = main.locator("table.translation-summary tr", has_text="Tyrkisk")
    expect(turkish.locator("td[data-state='approved']")).to_have_text("2")
    expect(turkish.locator("td[data-state='missing']")).to_have_text("1")

    # Arabic is written from right to left.
    journey.open("side-by-side-arabic", f"/personale/oversaettelser/ar/contacts.need/{need.pk}/")
    expect(main.locator("#id_name-text")).to_have_attribute("dir", "rtl")

    # The import of an agency's file, refused with its problem named (nothing is saved).
    journey.open("import", "/personale/oversaettelser/tr/import/")
    page.set_input_files(
        "#id_file",
        files=[
            {"name": "tr.csv", "mimeType": "text/csv", "buffer": b"key;state;source_da;target_tr\nx.y.1.z;;a;<b>\n"}
        ],
    )
    journey.follow("main form[enctype] button[type='submit']", "import-refused")
    expect(main.locator(".alert-error")).to_contain_text("Intet blev importeret")

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
