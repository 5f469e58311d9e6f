"""Log checks (logkontrol) and break the glass: the DPO's and the administrator's view of who looked at what."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consent import log_checks, services
from consent.access import policy
from consent.log_views import EVENTS_PER_PAGE, EXPORT_COLUMNS
from consent.models import AuditEvent, BreakGlass, Citizen
from portal.roles import Role
from tests.factories import AuditEventFactory, StaffFactory, UnitFactory
from tests.service_helpers import add_relative, register_citizen

LIMIT = log_checks.Thresholds(citizens_per_day=3, workday_starts=7, workday_ends=18)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_current_timezone())


# --- The rules, as plain functions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "outside"),
    [
        (local(2025, 6, 2, 6, 59), True),  # Monday before seven
        (local(2025, 6, 2, 7, 0), False),
        (local(2025, 6, 2, 17, 59), False),
        (local(2025, 6, 2, 18, 0), True),
        (local(2025, 6, 7, 11, 0), True),  # Saturday
        (local(2025, 6, 8, 11, 0), True),  # Sunday
    ],
)
def test_working_hours_are_weekdays_between_the_named_hours(at, outside):
    assert log_checks.outside_working_hours(at, LIMIT) is outside


def test_many_citizens_in_a_day_is_more_than_the_threshold():
    assert not log_checks.many_citizens_in_a_day(3, LIMIT)
    assert log_checks.many_citizens_in_a_day(4, LIMIT)


def test_outside_own_units_is_only_about_citizens():
    assert log_checks.outside_own_units(about_a_citizen=True, in_own_units=False)
    assert not log_checks.outside_own_units(about_a_citizen=True, in_own_units=True)
    assert not log_checks.outside_own_units(about_a_citizen=False, in_own_units=False)


def test_the_thresholds_come_from_the_settings(settings):
    settings.LOG_CHECK_CITIZENS_PER_DAY, settings.LOG_CHECK_WORKDAY_STARTS, settings.LOG_CHECK_WORKDAY_ENDS = 9, 6, 20
    assert log_checks.thresholds() == log_checks.Thresholds(9, 6, 20)


# --- The data -------------------------------------------------------------------------------------


class Town:
    """A municipality with two units, a caseworker in each, an administrator, a DPO, and citizens."""

    def __init__(self, municipality, other_municipality):
        self.unit_a, self.unit_b = (
            UnitFactory(municipality=municipality, name="Enhed A"),
            UnitFactory(municipality=municipality, name="Enhed B"),
        )
        self.ann = StaffFactory(
            municipality=municipality,
            roles=[Role.CASEWORKER],
            units=[self.unit_a],
            username="ann",
            first_name="Ann",
            last_name="Efternavn",
        )
        self.bo = StaffFactory(
            municipality=municipality, roles=[Role.CASEWORKER], units=[self.unit_b], first_name="Bo", username="bo"
        )
        self.admin = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], first_name="Alma")
        self.dpo = StaffFactory(municipality=municipality, roles=[Role.DATA_PROTECTION_OFFICER], first_name="Dina")
        self.citizens = [
            register_citizen(municipality, self.ann, name=f"Borger {n}", cpr=f"0{n + 1}0150-1234", units=[self.unit_a])
            for n in range(5)
        ]
        self.b_citizen = register_citizen(
            municipality, self.bo, name="Borger B", cpr="010160-1234", units=[self.unit_b]
        )
        self.relative = add_relative(self.citizens[0], self.ann, "Rikke Relativsen", relation="datter")
        foreign_unit = UnitFactory(municipality=other_municipality)
        foreign_staff = StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER], units=[foreign_unit])
        self.foreign = register_citizen(other_municipality, foreign_staff, name="Fremmed Borger", units=[foreign_unit])
        self.foreign_staff = foreign_staff


@pytest.fixture
def town(municipality, other_municipality):
    return Town(municipality, other_municipality)


def log_page(client, user, **filters):
    client.force_login(user)
    return client.get(reverse("consent:log-checks"), filters)


# --- The page ---------------------------------------------------------------------------------------


def test_the_dpo_sees_every_citizen_and_member_of_staff_of_the_municipality_and_nothing_else(client, town):
    services.record_view(citizen=town.citizens[0], acting_user=town.ann)
    services.record_view(citizen=town.b_citizen, acting_user=town.bo)
    services.record_view(citizen=town.foreign, acting_user=town.foreign_staff)
    response = log_page(client, town.dpo)
    assert response.status_code == 200
    citizens = {entry.citizen for entry in response.context["entries"]}
    assert {"Borger 0", "Borger B"} <= citizens and "Fremmed Borger" not in citizens
    assert "Fremmed Borger" not in response.text


def test_an_entry_says_who_what_exactly_and_when_for_may_i_tell(client, town):
    services.check_disclosure(
        citizen=town.citizens[0], relative=town.relative, category="helbred", acting_user=town.ann
    )
    response = log_page(client, town.dpo, event=AuditEvent.Event.DISCLOSURE_CHECKED)
    (entry,) = response.context["entries"]
    assert (entry.username, entry.name) == ("ann", "Ann Efternavn")
    assert entry.details == "Rikke Relativsen (datter), Helbred, Nej: ingen samtykke"
    assert "Rikke Relativsen (datter), Helbred, Nej: ingen samtykke" in response.text
    assert timezone.localtime(entry.event.at).strftime("%d.%m.%Y %H:%M") in response.text


def test_the_filters_person_citizen_kind_and_period(client, town):
    AuditEventFactory(actor=town.ann, citizen=town.citizens[0], at=local(2025, 3, 3, 10))
    AuditEventFactory(actor=town.ann, citizen=town.citizens[1], at=local(2025, 3, 4, 10))
    AuditEventFactory(actor=town.bo, citizen=town.b_citizen, at=local(2025, 3, 4, 11), event="receipt.viewed")

    def shown(**filters):
        return {
            (e.username, e.citizen, e.event.at.day) for e in log_page(client, town.dpo, **filters).context["entries"]
        }

    assert shown(person=town.ann.pk, end="2025-03-31") == {("ann", "Borger 0", 3), ("ann", "Borger 1", 4)}
    assert shown(citizen=town.citizens[1].pk, end="2025-03-31") == {("ann", "Borger 1", 4)}
    assert shown(event="receipt.viewed") == {("bo", "Borger B", 4)}
    assert shown(start="2025-03-04", end="2025-03-04") == {("ann", "Borger 1", 4), ("bo", "Borger B", 4)}


def test_a_bad_filter_gets_a_danish_message_and_shows_everything(client, town):
    response = log_page(client, town.dpo, start="2025-03-05", end="2025-03-01", person="999999")
    assert response.status_code == 200
    assert "Slutdatoen kan ikke ligge før startdatoen." in response.text


def test_unusual_access_is_flagged_and_can_be_filtered(client, town, settings):
    settings.LOG_CHECK_CITIZENS_PER_DAY = 3
    for citizen in town.citizens[:4]:  # four citizens on one day: more than three
        AuditEventFactory(actor=town.ann, citizen=citizen, at=local(2025, 3, 3, 10))
    AuditEventFactory(actor=town.bo, citizen=town.b_citizen, at=local(2025, 3, 3, 22))  # at night
    AuditEventFactory(actor=town.bo, citizen=town.b_citizen, at=local(2025, 3, 4, 10))  # nothing unusual
    AuditEventFactory(actor=town.admin, citizen=town.citizens[4], at=local(2025, 3, 4, 10))  # not their unit
    entries = log_page(client, town.dpo, end="2025-03-31").context["entries"]
    flags = {(e.username, e.citizen, e.event.at.hour): {f.value for f in e.flags} for e in entries}
    assert flags[("ann", "Borger 0", 9)] == {"many_citizens"}  # 10:00 local is 09:00 UTC
    assert flags[("bo", "Borger B", 21)] == {"outside_hours"}
    assert flags[("bo", "Borger B", 9)] == set()
    assert flags[(town.admin.username, "Borger 4", 9)] == {"outside_units"}
    unusual = log_page(client, town.dpo, unusual="on", end="2025-03-31").context["entries"]
    assert len(unusual) == len(entries) - 1 == 6
    # The database's filter and the plain functions agree, entry by entry.
    limit = log_checks.thresholds()
    every = log_checks.annotated(AuditEvent.objects.filter(at__lt=local(2025, 4, 1)))
    chosen = set(every.filter(log_checks.unusual_q(limit)).values_list("pk", flat=True))
    assert chosen == {event.pk for event in every if log_checks.flags_of(event, limit)}


def test_each_page_takes_the_same_number_of_queries_however_much_is_logged(client, town, django_assert_num_queries):
    client.force_login(town.dpo)
    for more, page in [(3, 1), (EVENTS_PER_PAGE + 20, 2)]:
        for _ in range(more):
            services.check_disclosure(
                citizen=town.citizens[0], relative=town.relative, category="helbred", acting_user=town.ann
            )
        # session, user, groups, the form's staff and citizens, count, page, relatives, the permissions for
        # relatives under 18 (the data check), the audit insert
        with django_assert_num_queries(10):
            response = client.get(reverse("consent:log-checks"), {"side": page})
        assert response.context["page"].number == page
        with django_assert_num_queries(9):  # the member of staff instead of the form's list of staff
            client.get(reverse("consent:log-checks-staff", args=[town.ann.pk]), {"side": page})


def test_reading_and_exporting_the_log_is_logged(client, town):
    log_page(client, town.dpo, person=town.ann.pk)
    client.get(reverse("consent:log-checks-csv"), {"person": town.ann.pk})
    checked = AuditEvent.objects.get(event=AuditEvent.Event.LOG_CHECKED)
    exported = AuditEvent.objects.get(event=AuditEvent.Event.LOG_EXPORTED)
    assert checked.payload == {"person_id": town.ann.pk} and checked.citizen is None
    assert exported.payload == {"person_id": town.ann.pk, "format": "csv"}


def test_the_per_staff_view_shows_one_persons_log(client, town):
    services.record_view(citizen=town.citizens[0], acting_user=town.ann)
    services.record_view(citizen=town.b_citizen, acting_user=town.bo)
    client.force_login(town.dpo)
    response = client.get(reverse("consent:log-checks-staff", args=[town.ann.pk]))
    assert {entry.username for entry in response.context["entries"]} == {"ann"}
    assert "Ann Efternavn (ann)" in response.text
    assert client.get(reverse("consent:log-checks-staff", args=[town.foreign_staff.pk])).status_code == 404


def test_the_csv_opens_in_danish_excel(client, town):
    services.check_disclosure(
        citizen=town.citizens[0], relative=town.relative, category="helbred", acting_user=town.ann
    )
    client.force_login(town.dpo)
    response = client.get(reverse("consent:log-checks-csv"))
    assert response["Content-Disposition"].startswith('attachment; filename="logkontrol-')
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeffTidspunkt;Brugernavn;Navn;Hændelse;Borger;Detaljer;Markeringer")
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == EXPORT_COLUMNS
    asked = next(row for row in rows if row[3] == "Spurgte “må jeg oplyse?”")
    assert asked[1:3] == ["ann", "Ann Efternavn"] and asked[4] == "Borger 0"
    assert asked[5] == "Rikke Relativsen (datter), Helbred, Nej: ingen samtykke"


def test_the_xlsx_has_the_same_rows(client, town):
    services.record_view(citizen=town.citizens[0], acting_user=town.ann)
    client.force_login(town.dpo)
    response = client.get(reverse("consent:log-checks-xlsx"), {"person": town.ann.pk, "event": "citizen.viewed"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == EXPORT_COLUMNS
    assert [row[1:5] for row in rows[1:]] == [["ann", "Ann Efternavn", "Åbnede borgerens side", "Borger 0"]]


def test_a_formula_in_a_name_is_written_as_text(client, town):
    town.ann.first_name = "=HYPERLINK(1)"
    town.ann.save()
    services.record_view(citizen=town.citizens[0], acting_user=town.ann)
    client.force_login(town.dpo)
    content = b"".join(client.get(reverse("consent:log-checks-csv")).streaming_content).decode()
    assert "'=HYPERLINK(1) Efternavn" in content


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER, Role.EDITOR])
def test_the_log_checks_are_only_for_the_administrator_and_the_dpo(client, municipality, town, role):
    client.force_login(StaffFactory(municipality=municipality, roles=[role], units=[town.unit_a]))
    for name in ("log-checks", "log-checks-csv", "log-checks-xlsx"):
        assert client.get(reverse(f"consent:{name}")).status_code == 403
    assert client.get(reverse("consent:log-checks-staff", args=[town.ann.pk])).status_code == 403
    client.force_login(town.admin)
    assert client.get(reverse("consent:log-checks")).status_code == 200


def test_the_dpo_sees_no_citizens_record(client, town):
    client.force_login(town.dpo)
    assert not policy.visible(town.dpo, Citizen).exists()
    assert client.get(town.citizens[0].get_absolute_url()).status_code == 403


# --- Break the glass ----------------------------------------------------------------------------------

REASON = "Borgerens sagsbehandler er syg, og datteren har ringet om en akut indlæggelse."


def test_an_administrator_states_a_reason_before_opening_a_citizen_outside_their_units(client, town):
    citizen = town.citizens[0]
    client.force_login(town.admin)
    response = client.get(citizen.get_absolute_url())
    glass = reverse("consent:break-glass", args=[citizen.pk])
    assert response.status_code == 302 and response["Location"] == glass
    assert not AuditEvent.objects.filter(actor=town.admin, event=AuditEvent.Event.CITIZEN_VIEWED).exists()
    page = client.get(glass)
    assert page.status_code == 200 and "Borger 0" not in page.text.split("<main", 1)[1]

    response = client.post(glass, {"reason": "Fordi"})
    assert "Skriv hvorfor du skal åbne borgeren, med mindst 20 tegn." in response.text
    assert not BreakGlass.objects.exists()

    response = client.post(glass, {"reason": REASON})
    assert response.status_code == 302 and response["Location"] == citizen.get_absolute_url()
    opened = BreakGlass.objects.get()
    assert (opened.actor, opened.citizen, opened.reason) == (town.admin, citizen, REASON)
    event = AuditEvent.objects.get(event=AuditEvent.Event.BREAK_GLASS)
    assert event.payload == {"break_glass_id": opened.pk}  # the reason stays in its own table
    assert client.get(citizen.get_absolute_url()).status_code == 200
    assert client.get(reverse("consent:access-request", args=[citizen.pk])).status_code == 200
    assert client.get(town.citizens[1].get_absolute_url()).status_code == 302  # only that citizen

    entries = log_page(client, town.dpo, event=AuditEvent.Event.BREAK_GLASS).context["entries"]
    assert {flag.value for flag in entries[0].flags} >= {"break_glass", "outside_units"}


def test_the_glass_closes_again_after_the_named_hours(client, town, settings):
    settings.BREAK_GLASS_HOURS = 8
    citizen = town.citizens[0]
    BreakGlass.objects.create(
        municipality=citizen.municipality,
        actor=town.admin,
        citizen=citizen,
        reason=REASON,
        at=timezone.now() - timedelta(hours=8, minutes=1),
    )
    client.force_login(town.admin)
    assert client.get(citizen.get_absolute_url()).status_code == 302
    settings.BREAK_GLASS_HOURS = 9
    assert client.get(citizen.get_absolute_url()).status_code == 200


def test_a_caseworker_cannot_break_the_glass(client, town):
    client.force_login(town.bo)
    citizen = town.citizens[0]
    assert client.get(citizen.get_absolute_url()).status_code == 404
    assert client.post(reverse("consent:break-glass", args=[citizen.pk]), {"reason": REASON}).status_code == 404
    assert not BreakGlass.objects.exists()


def test_nobody_breaks_the_glass_into_another_municipality(client, town):
    client.force_login(town.admin)
    url = reverse("consent:break-glass", args=[town.foreign.pk])
    assert client.post(url, {"reason": REASON}).status_code == 404
    assert client.get(town.foreign.get_absolute_url()).status_code == 404
    assert not BreakGlass.objects.exists()


def test_an_administrator_finds_a_citizen_outside_their_units_by_search_and_then_states_a_reason(client, town):
    client.force_login(town.admin)
    response = client.post(reverse("consent:citizens"), {"query": "Borger B"})
    assert [c.name for c in response.context["results"]] == ["Borger B"]
    assert town.b_citizen.get_absolute_url() in response.text


def test_stated_reasons_are_never_changed_or_deleted(town):
    opened = services.break_glass(citizen=town.citizens[0], reason=REASON, acting_user=town.admin)
    with pytest.raises(Exception, match="never"):
        opened.save()
    with pytest.raises(Exception, match="never"):
        opened.delete()


def test_a_date_in_the_log_checks_form_is_a_local_day(town):
    events = log_checks.in_period(AuditEvent.objects.all(), date(2025, 3, 4), date(2025, 3, 4))
    AuditEventFactory(actor=town.ann, citizen=town.citizens[0], at=local(2025, 3, 4, 0, 30))  # 23:30 UTC the 3rd
    AuditEventFactory(actor=town.ann, citizen=town.citizens[0], at=local(2025, 3, 5, 0, 30))
    assert [timezone.localtime(e.at).day for e in events] == [4]
