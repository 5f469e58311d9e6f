"""A caseworker's day with the keyboard alone, on a desktop: from logging in to a revoked consent.

Tab, Shift+Tab, Space, Enter, typing and (within a group of radio buttons) the arrow keys, no clicks:
log in, open Borgere, register a citizen (after correcting an impossible CPR number from the error summary),
add a relative, record a dialogue, record a consent (permit, helbred and behandling, staff may
contact, in writing), ask "Må jeg oplyse…?" about helbred (yes, with the consent shown), revoke the
consent with a reason, and ask again (no: revoked). The caseworker's pages are behind the login, so
the lists of public pages cannot reach them: every page on the way is checked here with axe-core and
the console, and their HTML, as the server sent it, goes to the Nu HTML Checker at the end.

The staff's pages on a phone: the phone is for relatives (public pages, the survey), so the caseworkers' journeys
here and in test_record_journey, test_log_checks_journey, test_help_change_journey and test_dashboard_journey run
on the desktop only, and test_the_other_consent_pages_and_their_errors, run on both viewports, opens their pages on
the phone too (axe-core, the console and the response), as staff_pages_on_a_phone says.
"""

import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from consent.models import AuditEvent, Citizen, Consent, Dialogue, HelpChange, Relative, RelativeTold
from portal.roles import Role
from tests.authenticator import totp_code
from tests.browser.helpers import BOTH_VIEWPORTS, VIEWPORTS, authenticator_secret, tab_to
from tests.browser.html_checker import checks_html, html_checker, vnu_problems
from tests.browser.public_pages import PublicPage, axe_problems, response_problems
from tests.factories import PASSWORD, MunicipalityFactory, StaffFactory, UnitFactory

pytestmark = [pytest.mark.browser]

CPR = "010190-1234"  # made up
CITIZEN = "Inger Ibsen"
RELATIVE = "Mette Ibsen"
REVOCATION_REASON = "Borgeren vil ikke længere have, at datteren får oplysninger."


class Journey:
    """Moves by keyboard and checks every page it arrives at; keeps each page's HTML for the checker."""

    def __init__(self, page, console, base_url: str, viewport: str):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.console, self.base_url, self.viewport = page, console, base_url, viewport
        self.axe = Axe()
        self.problems: list[str] = []
        self.files: dict[str, str] = {}  # file name -> page path
        self.bodies: dict[str, bytes] = {}

    def arrive(self, name: str, response, status: int = 200) -> None:
        """Check the page just loaded: status, CSP header, console, axe-core; keep its HTML."""
        path = urlparse(response.url).path if response else "?"
        label = f"{path} [{name}, {self.viewport}]"
        self.problems += response_problems(PublicPage(name, path, status=status), response)
        self.problems += [f"{label}: {problem}" for problem in self.console.take()]
        self.problems += axe_problems(self.axe, self.page, label)
        file_name = f"{len(self.files) + 1:02d}-{name}.html"
        self.files[file_name] = path
        self.bodies[file_name] = response.body()

    def open(self, name: str, path: str, status: int = 200) -> None:
        self.arrive(name, self.page.goto(f"{self.base_url}{path}"), status)

    def press(self, key: str, name: str) -> None:
        """Press `key` (Enter on a link or a button) and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            self.page.keyboard.press(key)
        self.arrive(name, navigation.value)

    def follow(self, selector: str, name: str) -> None:
        """Tab to the link or button matching `selector` and press Enter."""
        tab_to(self.page, selector)
        self.press("Enter", name)

    def type_into(self, selector: str, text: str) -> None:
        tab_to(self.page, selector)
        self.page.keyboard.type(text)
        expect(self.page.locator(selector)).to_have_value(text)

    def tick(self, selector: str) -> None:
        """Tab to a radio button or checkbox and press Space."""
        tab_to(self.page, selector)
        self.page.keyboard.press("Space")
        expect(self.page.locator(selector)).to_be_checked()

    def choose(self, selector: str, label: str) -> None:
        """Tab to a closed <select> and type the start of an option's text, as a keyboard user picks one."""
        tab_to(self.page, selector)
        self.page.keyboard.type(label)
        expect(self.page.locator(f"{selector} option:checked")).to_have_text(re.compile(f"^{re.escape(label)}"))

    def submit(self, name: str) -> None:
        self.follow("main form button[type='submit']", name)


@pytest.fixture
def live_caseworker(transactional_db, roles):
    """Sara, a caseworker of two units of Testrup, in the live server's database."""
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    solgaarden = UnitFactory(municipality=municipality, name="Plejecenter Solgården")
    nord = UnitFactory(municipality=municipality, name="Hjemmeplejen Nord")
    return StaffFactory(
        municipality=municipality,
        roles=[Role.CASEWORKER],
        units=[solgaarden, nord],
        username="sara",
        first_name="Sara",
        last_name="Sagsbehandler",
    )


@pytest.mark.parametrize("viewport_name", ["desktop"])
def test_caseworker_records_and_revokes_a_consent_with_the_keyboard(
    live_caseworker, live_server, page, console, viewport_name, tmp_path
):
    checker = html_checker()  # fail fast when the checker cannot run
    journey = Journey(page, console, live_server.url, viewport_name)

    # Log in: the password, then the code of the authenticator app.
    secret = authenticator_secret("sara")
    journey.open("login", "/konto/log-ind/")
    journey.type_into("#id_login", "sara")
    journey.type_into("#id_password", PASSWORD)
    journey.press("Enter", "second-factor")
    journey.type_into("#id_code", totp_code(secret))
    journey.press("Enter", "staff-home")
    assert page.url == f"{live_server.url}/personale/"

    # Borgere, then register a citizen in one of the caseworker's two units.
    journey.follow("main a[href='/personale/borgere/']", "citizens")
    expect(page.get_by_role("heading", level=1)).to_have_text("Borgere")
    journey.follow("main a[href='/personale/borgere/ny/']", "register")
    journey.type_into("#id_name", CITIZEN)
    journey.type_into("#id_cpr", "320190-1234")  # a slip: there is no 32nd day
    page.keyboard.press("Shift+Tab")  # the focus order is the reading order
    expect(page.locator("#id_name")).to_be_focused()
    solgaarden = page.get_by_label("Plejecenter Solgården").get_attribute("id")
    journey.tick(f"#{solgaarden}")
    journey.submit("register-failed")
    summary = page.locator("[data-module='error-summary']")
    expect(summary).to_be_focused()  # DKFDS moves the focus to the summary of the errors
    expect(summary).to_contain_text("Der er problemer")
    expect(page.locator("#id_cpr")).to_have_value("320190-1234")  # what was typed is kept
    expect(page.locator(f"#{solgaarden}")).to_be_checked()
    tab_to(page, "[data-module='error-summary'] a[href='#id_cpr']")
    page.keyboard.press("Enter")  # the summary's link leads to the field
    expect(page.locator("#id_cpr")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(CPR)
    expect(page.locator("#id_cpr")).to_have_value(CPR)
    journey.submit("citizen-registered")
    citizen = Citizen.objects.get(name=CITIZEN)
    citizen_path = citizen.get_absolute_url()
    assert urlparse(page.url).path == citizen_path
    expect(page.get_by_role("heading", level=1)).to_have_text(CITIZEN)
    expect(page.locator("main")).to_contain_text("010190-xxxx")
    expect(page.locator("main")).not_to_contain_text(CPR)
    assert [unit.name for unit in citizen.units.all()] == ["Plejecenter Solgården"]

    # Add a relative.
    journey.follow(f"main a[href='{citizen_path}paaroerende/ny/']", "relative")
    journey.type_into("#id_name", RELATIVE)
    journey.type_into("#id_relation", "datter")
    expect(page.locator("#id_kind_0")).to_be_checked()  # "Relative or friend" to begin with
    journey.submit("relative-added")
    relative = Relative.objects.get(citizen=citizen, name=RELATIVE)

    # Record a dialogue: the date is today's to begin with; the citizen wants relatives involved.
    journey.follow(f"main a[href='{citizen_path}dialog/ny/']", "dialogue")
    journey.tick("#id_involvement_0")
    journey.type_into("#id_how_involved", "Datteren må ringe til personalet.")
    journey.submit("dialogue-recorded")
    assert Dialogue.objects.get(citizen=citizen).involvement == "yes"

    # Record a consent from the relative's row (the link chooses the relative).
    journey.follow(f"main a[href='{citizen_path}samtykke/ny/?paaroerende={relative.pk}']", "consent")
    expect(page.locator("#id_relative option:checked")).to_have_text(f"{RELATIVE} (datter)")
    journey.tick("#id_decision_0")  # permits
    journey.tick("#id_categories_0")  # helbred
    journey.tick("#id_categories_1")  # behandling
    journey.tick("#id_contact_0")  # staff may contact the relative
    # In writing is the second radio button of its group: Tab reaches only the first (Chromium's Shift+Tab too),
    # and within a group a keyboard user moves with the arrow keys, which check the button they move to.
    tab_to(page, "#id_form_0")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_form_1")).to_be_focused()
    expect(page.locator("#id_form_1")).to_be_checked()
    expect(page.locator("#id_grantor_0")).to_be_checked()  # the citizen, to begin with
    journey.submit("consent-recorded")
    consent = Consent.objects.get(relative=relative)
    assert (consent.decision, consent.categories, consent.contact, consent.form) == (
        "permit",
        ["helbred", "behandling"],
        "staff",
        "written",
    )

    # Må jeg oplyse…? about helbred: yes, and the consent that allows it is shown.
    journey.choose("#id_disclosure-relative", RELATIVE)
    journey.choose("#id_disclosure-category", "Helbred")
    journey.follow("form[action$='maa-jeg-oplyse/'] button[type='submit']", "disclosure-yes")
    answer = page.locator(".disclosure-answer")
    expect(answer.locator(".alert-success")).to_contain_text(f"Ja, du må give {RELATIVE} oplysningerne")
    facts = answer.locator("dl.consent-facts")
    expect(facts).to_contain_text("Helbred, Behandling")
    expect(facts).to_contain_text("Skriftligt")

    # Back to the citizen (the breadcrumb), and revoke the consent with a reason.
    journey.follow(f"a[href='{citizen_path}']", "citizen")
    journey.follow(f"main a[href='/personale/samtykke/{consent.pk}/tilbagekald/']", "revoke")
    journey.type_into("#id_reason", REVOCATION_REASON)
    journey.tick("#id_form_0")  # the citizen revoked it orally
    journey.submit("consent-revoked")
    assert Consent.objects.get(supersedes=consent).decision == "revoked"
    expect(page.locator("main")).to_contain_text(REVOCATION_REASON)  # in the history

    # Ask again: no, because the consent was revoked.
    journey.choose("#id_disclosure-relative", RELATIVE)
    journey.choose("#id_disclosure-category", "Helbred")
    journey.follow("form[action$='maa-jeg-oplyse/'] button[type='submit']", "disclosure-no")
    no = page.locator(".disclosure-answer .alert-error")
    expect(no).to_contain_text(f"Nej, du må ikke give {RELATIVE} oplysningerne")
    expect(no).to_contain_text(re.compile(r"tilbagekaldt"))
    assert AuditEvent.objects.filter(event=AuditEvent.Event.DISCLOSURE_CHECKED).count() == 2

    assert len(journey.files) == 18, list(journey.files.values())
    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + vnu_problems(checker, tmp_path, journey.files)
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)


@pytest.fixture
def busy_citizen(live_caseworker):
    """A citizen with something of everything: due and overdue tasks, kinds of relatives, consents, agreements."""
    from datetime import timedelta

    from django.utils import timezone

    from portal.roles import Role
    from tests.factories import AgreementFactory, CitizenFactory, ConsentFactory, RelativeFactory, StaffFactory

    today = timezone.localdate()
    municipality, unit = live_caseworker.municipality, live_caseworker.units.get(name="Plejecenter Solgården")
    colleague = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], first_name="Kim", last_name="Kollega")
    citizen = CitizenFactory(
        municipality=municipality, units=[unit], created_by=live_caseworker, name="Birte Borger", cpr="121245-1234"
    )
    daughter = RelativeFactory(citizen=citizen, name="Mette Datter", phone="12 34 56 78", email="mette@example.dk")
    RelativeFactory(citizen=citizen, name="Læge Jensen", relation="egen læge", kind="professional")
    RelativeFactory(citizen=citizen, name="Lille Ida", relation="barnebarn", is_minor=True)
    RelativeFactory(citizen=citizen, name="Kim Kollega", relation="nevø", staff_user=colleague)
    permission = ConsentFactory(relative=daughter, recorded_by=live_caseworker, valid_until=today + timedelta(days=10))
    ConsentFactory(
        relative=daughter, recorded_by=live_caseworker, decision="refuse", categories=["oekonomi"], contact=""
    )
    revoked = ConsentFactory(
        relative=RelativeFactory(citizen=citizen, name="Søren Søn", relation="søn"), recorded_by=live_caseworker
    )
    ConsentFactory(
        relative=revoked.relative,
        recorded_by=live_caseworker,
        supersedes=revoked,
        decision="revoked",
        form="written",
        oral_note="",
        contact="",
        reason="Fortrudt.",
    )
    overdue = AgreementFactory(citizen=citizen, created_by=live_caseworker, next_follow_up=today - timedelta(days=2))
    overdue.follow_ups.create(
        held_on=today - timedelta(days=30), outcome="continue", note="Fint.", recorded_by=live_caseworker
    )
    ended = AgreementFactory(citizen=citizen, created_by=live_caseworker, ended_on=today - timedelta(days=1))
    Dialogue.objects.create(
        citizen=citizen, involvement="not_now", ask_again_on=today - timedelta(days=1), recorded_by=live_caseworker
    )
    hospital = HelpChange.objects.create(
        citizen=citizen,
        kind="hospital",
        category="helbred",
        changes_on=today,
        summary="Hun er faldet og bliver undersøgt.",
        recorded_by=live_caseworker,
    )
    RelativeTold.objects.create(
        help_change=hospital,
        relative=daughter,
        consent=permission,
        how="phone",
        told_on=today,
        message="Kære Mette Datter",
        recorded_by=live_caseworker,
    )
    lonely = CitizenFactory(municipality=municipality, units=[unit], created_by=live_caseworker, name="Ene Borger")
    return {
        "citizen": citizen,
        "daughter": daughter,
        "hospital": hospital,
        "permission": permission,
        "revoked": revoked,
        "overdue": overdue,
        "ended": ended,
        "lonely": lonely,
        # With the unit: another unit's citizens would be behind glass (test_log_checks_journey).
        "administrator": StaffFactory(
            municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], units=[unit], username="admin-testrup"
        ),
        "manager": StaffFactory(municipality=municipality, roles=[Role.MANAGER], username="leder-testrup"),
    }


def staff_pages_on_a_phone(busy_citizen) -> list[tuple[str, str]]:
    """The pages of the caseworkers' journeys that run on the desktop only, and that the list below does not open
    anyway: the sweep opens them on the phone (name, path) for the caseworker; the administrator's are below."""
    citizen = busy_citizen["citizen"].get_absolute_url()
    return [
        ("staff-home", "/personale/"),  # test_caseworker_records_and_revokes_a_consent_with_the_keyboard
        ("help-change-new", f"{citizen}aendring-i-hjaelpen/ny/"),  # test_help_change_journey
        ("help-change", busy_citizen["hospital"].get_absolute_url()),
        ("correct-relative", f"/personale/paaroerende/{busy_citizen['daughter'].pk}/ret/"),  # test_record_journey
        ("reassign", f"/personale/aftaler/{busy_citizen['overdue'].pk}/ansvarlig/"),
        ("close", f"{citizen}afslut/"),
        ("access-request", f"{citizen}indsigt/"),  # test_log_checks_journey
    ]


ADMINISTRATOR_PAGES_ON_A_PHONE = [("personal-data", "/personale/persondata/"), ("retention", "/personale/opbevaring/")]


@BOTH_VIEWPORTS
def test_the_other_consent_pages_and_their_errors(
    busy_citizen, live_server, page, new_context, console, viewport_name, tmp_path
):
    """What the journey does not pass: lists, tasks, the receipt, changes, follow-ups, the log, the 403
    page, notices, and each form sent empty (its error summary), all through axe-core and the checker.
    On the phone also the pages of the caseworkers' desktop-only journeys (staff_pages_on_a_phone); neither they
    nor the citizen's page, with a change in the help, scroll sideways there (a wide table scrolls in its box)."""
    from tests.browser.helpers import ConsoleWatch, log_in

    phone = viewport_name == "phone"
    checker = html_checker()
    journey = Journey(page, console, live_server.url, viewport_name)
    log_in(page, live_server.url, "sara", PASSWORD)
    citizen = busy_citizen["citizen"].get_absolute_url()
    lonely = busy_citizen["lonely"].get_absolute_url()

    journey.open("citizens", "/personale/borgere/")
    journey.type_into("#id_query", "Borger")
    journey.press("Enter", "search-results")
    expect(page.locator("main table")).to_contain_text("Birte Borger")
    journey.type_into("#id_query", "Ingen")
    journey.press("Enter", "search-nothing")
    for name, path in [
        ("tasks", "/personale/opgaver/"),
        ("citizen-busy", citizen),
        ("receipt", f"{citizen}kvittering/"),
        ("change", f"/personale/samtykke/{busy_citizen['permission'].pk}/aendr/"),
        ("revoke-already-revoked", f"/personale/samtykke/{busy_citizen['revoked'].pk}/tilbagekald/"),
        ("follow-up-ended", f"/personale/aftaler/{busy_citizen['ended'].pk}/opfoelgning/"),
        ("consent-no-relatives", f"{lonely}samtykke/ny/"),
        ("disclosure-no-relatives", f"{lonely}maa-jeg-oplyse/"),
        ("en-citizen", f"/en{citizen}"),
    ]:
        journey.open(name, path)
        if phone and name == "citizen-busy":  # with a change in the help and who was told (test_help_change_journey)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORTS["phone"]["width"], f"the citizen's page scrolls sideways ({width} px)"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if phone:
        for name, path in staff_pages_on_a_phone(busy_citizen):
            journey.open(name, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORTS["phone"]["width"], f"{name} scrolls sideways ({width} px)"

    # Each form sent empty: the summary of the errors, and each field's message.
    for name, path in [
        ("register", "/personale/borgere/ny/"),
        ("relative", f"{citizen}paaroerende/ny/"),
        ("dialogue", f"{citizen}dialog/ny/"),
        ("consent", f"{citizen}samtykke/ny/"),
        ("change", f"/personale/samtykke/{busy_citizen['permission'].pk}/aendr/"),
        ("revoke", f"/personale/samtykke/{busy_citizen['permission'].pk}/tilbagekald/"),
        ("disclosure", f"{citizen}maa-jeg-oplyse/"),
        ("agreement", f"{citizen}aftaler/ny/"),
        ("follow-up", f"/personale/aftaler/{busy_citizen['overdue'].pk}/opfoelgning/"),
    ]:
        journey.open(name, path)
        journey.submit(f"{name}-failed")
        expect(page.locator("[data-module='error-summary']")).to_be_focused()

    # The log, for the municipality's administrator; the 403 page, for a manager.
    for username, name, path, status in [
        ("admin-testrup", "audit-log", f"{citizen}log/", 200),
        ("leder-testrup", "forbidden", "/personale/borgere/", 403),
    ]:
        other = new_context().new_page()
        journey.page, journey.console = other, ConsoleWatch().attach(other)
        journey.console.expected_failures.add(f"{live_server.url}{path}")  # Chromium logs the 403
        log_in(other, live_server.url, username, PASSWORD)
        journey.open(name, path, status)
        if phone and username == "admin-testrup":  # test_record_journey's pages for the administrator
            for other_name, other_path in ADMINISTRATOR_PAGES_ON_A_PHONE:
                journey.open(other_name, other_path)
    extra = len(staff_pages_on_a_phone(busy_citizen)) + len(ADMINISTRATOR_PAGES_ON_A_PHONE) if phone else 0
    assert len(journey.files) == 32 + extra, list(journey.files.values())

    for file_name, body in journey.bodies.items():
        (tmp_path / file_name).write_bytes(body)
    problems = journey.problems + (vnu_problems(checker, tmp_path, journey.files) if checks_html(viewport_name) else [])
    assert not problems, "axe-core, console, response or HTML problems:\n" + "\n".join(problems)
