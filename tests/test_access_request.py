"""The citizen's access request (GDPR art. 15): everything the portal holds, readable, printable, as PDF and JSON."""

import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from consent import services
from consent.models import Agreement, AuditEvent, Dialogue, FollowUp, HelpChange
from portal.pdf import PdfUnavailable
from portal.roles import Role
from tests.factories import StaffFactory, UnitFactory
from tests.service_helpers import add_relative, change, record, register_citizen

CITIZEN = "Gudrun Indsigtsen"
CPR = "170342-1238"
# A distinctive string in every kind of record, to find in the document.
DISTINCT = {
    "relative": "Holger Indsigtsen",
    "phone": "61626364",
    "email": "holger@indsigt.example",
    "note": "Sagde ja ved hjemmebesøget",
    "reason": "Udvidet til økonomi efter ønske",
    "dialogue": "Ønsker datteren med til møder",
    "agreement": "Holger ringer hver søndag",
    "follow_up": "Det går fint med opkaldene",
}


@pytest.fixture
def unit(municipality):
    return UnitFactory(municipality=municipality, name="Plejecenter Indsigt")


@pytest.fixture
def caseworker(municipality, unit):
    return StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], units=[unit], first_name="Sara", last_name="Sagsbehandler"
    )


def full_record(municipality, caseworker, unit, *, relatives: int = 1):
    """A citizen with something in every part of the record; `relatives` scales how much there is."""
    citizen = register_citizen(municipality, caseworker, name=CITIZEN, cpr=CPR, units=[unit])
    for number in range(relatives):
        suffix = "" if number == 0 else f" {number}"
        relative = add_relative(
            citizen,
            caseworker,
            DISTINCT["relative"] + suffix,
            phone=DISTINCT["phone"],
            email=DISTINCT["email"],
        )
        first = record(relative, caseworker, oral_note=DISTINCT["note"], given_on=date(2025, 3, 1))
        change(first, caseworker, categories=["helbred", "oekonomi"], reason=DISTINCT["reason"], oral_note="Ja igen.")
        services.record_dialogue(
            citizen=citizen,
            dialogue=Dialogue(held_on=date(2025, 3, 1), involvement="yes", how_involved=DISTINCT["dialogue"]),
            acting_user=caseworker,
        )
        agreement = services.record_agreement(
            citizen=citizen,
            agreement=Agreement(
                description=DISTINCT["agreement"],
                responsible="relative",
                relative=relative,
                follow_up_every_days=7,
                next_follow_up=date(2025, 3, 8),
            ),
            acting_user=caseworker,
        )
        services.record_follow_up(
            agreement=agreement,
            follow_up=FollowUp(
                held_on=date(2025, 3, 8), outcome="continue", note=DISTINCT["follow_up"], next_date=date(2025, 3, 15)
            ),
            loaded_version=agreement.version,
            acting_user=caseworker,
        )
        services.record_view(citizen=citizen, acting_user=caseworker)
    return citizen


def test_a_caseworker_gets_everything_about_the_citizen_in_one_document(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    response = client.get(reverse("consent:access-request", args=[citizen.pk]))
    assert response.status_code == 200
    text = response.text
    for kind, value in {"citizen": CITIZEN, "cpr": "170342-xxxx", **DISTINCT}.items():
        assert value in text, kind
    assert "Udvidet til økonomi efter ønske" in text and "Sara Sagsbehandler" in text  # who recorded, who looked
    assert "1703421238" not in text and "170342-1238" not in text


def test_making_it_is_logged_with_its_format_and_it_includes_its_own_making(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    before = AuditEvent.objects.count()
    data = json.loads(client.get(reverse("consent:access-request-json", args=[citizen.pk])).content)
    made = AuditEvent.objects.get(pk__gt=0, event=AuditEvent.Event.ACCESS_REQUEST_MADE)
    assert AuditEvent.objects.count() == before + 1
    assert (made.actor, made.citizen, made.payload) == (
        caseworker,
        citizen,
        {"citizen_id": citizen.pk, "format": "json"},
    )
    assert data["log"][-1]["event"] == AuditEvent.Event.ACCESS_REQUEST_MADE


def test_the_json_is_machine_readable_with_every_part(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    response = client.get(reverse("consent:access-request-json", args=[citizen.pk]))
    data = json.loads(response.content)
    assert data["citizen"]["name"] == CITIZEN and data["citizen"]["date_of_birth"] == "1942-03-17"
    assert data["data_controller"]["kommunekode"] == municipality.kommunekode
    (relative,) = data["relatives"]
    assert (relative["phone"], relative["email"]) == (DISTINCT["phone"], DISTINCT["email"])
    assert [c["current"] for c in data["consents"]] == [False, True]
    assert data["consents"][1]["replaces"] == data["consents"][0]["id"]
    assert data["dialogues"][0]["how_involved"] == DISTINCT["dialogue"]
    assert data["agreements"][0]["follow_ups"][0]["note"] == DISTINCT["follow_up"]
    assert {entry["by"] for entry in data["log"]} == {"Sara Sagsbehandler"}
    assert "no-store" in response["Cache-Control"]


def test_file_names_and_addresses_carry_no_personal_data(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    for name in ("access-request", "access-request-pdf", "access-request-json"):
        url = reverse(f"consent:{name}", args=[citizen.pk])
        assert "Gudrun" not in url and "170342" not in url
    response = client.get(reverse("consent:access-request-json", args=[citizen.pk]))
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="indsigt-{citizen.pk}-{timezone.localdate().isoformat()}.json"'


def test_the_pdf_is_a_tagged_pdf_with_the_citizens_data(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    response = client.get(reverse("consent:access-request-pdf", args=[citizen.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="indsigt-{citizen.pk}-')
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert CITIZEN in text and DISTINCT["agreement"] in text
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert AuditEvent.objects.filter(event=AuditEvent.Event.ACCESS_REQUEST_MADE, payload__format="pdf").count() == 1


def test_without_the_pdf_library_the_printable_page_is_offered(client, municipality, caseworker, unit, monkeypatch):
    def missing(html):
        raise PdfUnavailable("libpango-1.0.so.0: cannot open shared object file")

    monkeypatch.setattr("consent.views.render_pdf", missing)
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    response = client.get(reverse("consent:access-request-pdf", args=[citizen.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert CITIZEN in response.text and "PDF" in response.text


def test_another_units_or_municipalitys_citizen_is_not_found(client, municipality, other_municipality, unit):
    registrar = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit])
    citizen = register_citizen(municipality, registrar, units=[unit])
    elsewhere = StaffFactory(
        municipality=municipality, roles=[Role.CASEWORKER], units=[UnitFactory(municipality=municipality)]
    )
    foreign = StaffFactory(
        municipality=other_municipality, roles=[Role.CASEWORKER], units=[UnitFactory(municipality=other_municipality)]
    )
    for user in (elsewhere, foreign):
        client.force_login(user)
        for name in ("access-request", "access-request-pdf", "access-request-json"):
            assert client.get(reverse(f"consent:{name}", args=[citizen.pk])).status_code == 404
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.ACCESS_REQUEST_MADE).exists()


@pytest.mark.parametrize("name", ["access-request", "access-request-json"])
def test_the_number_of_queries_does_not_grow_with_the_record(
    client, municipality, caseworker, unit, name, django_assert_num_queries
):
    small = full_record(municipality, caseworker, unit, relatives=1)
    other_unit = UnitFactory(municipality=municipality)
    caseworker.units.add(other_unit)
    big = register_citizen(municipality, caseworker, name="Stor Borger", cpr="010150-1234", units=[unit, other_unit])
    for number in range(4):
        relative = add_relative(big, caseworker, f"Pårørende {number}")
        consent = change(record(relative, caseworker), caseworker, categories=["praktiske_forhold"])
        services.record_view(citizen=big, acting_user=caseworker)
        help_change = services.record_help_change(
            citizen=big,
            help_change=HelpChange(kind="new_help", changes_on=consent.valid_from, summary="Hjælp til bad."),
            acting_user=caseworker,
        )
        services.record_relative_told(
            help_change=help_change,
            relative_id=relative.pk,
            how="phone",
            told_on=consent.valid_from,
            message="Din far får hjælp til bad.",
            acting_user=caseworker,
        )
    client.force_login(caseworker)
    # session, user, groups, the citizen (with municipality and registrar), the audit insert, units, relatives,
    # consents, dialogues, agreements, follow-ups, the log, the reasons, the changes in the help, who was told
    for citizen in (small, big):
        with django_assert_num_queries(15):
            assert client.get(reverse(f"consent:{name}", args=[citizen.pk])).status_code == 200


def test_it_is_linked_from_the_citizens_page(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    page = client.get(citizen.get_absolute_url()).text
    assert reverse("consent:access-request", args=[citizen.pk]) in page


def test_the_log_in_the_document_is_in_time_order(client, municipality, caseworker, unit):
    citizen = full_record(municipality, caseworker, unit)
    client.force_login(caseworker)
    data = json.loads(client.get(reverse("consent:access-request-json", args=[citizen.pk])).content)
    times = [entry["at"] for entry in data["log"]]
    assert times == sorted(times) and len(times) >= 8
    assert timezone.now() - timedelta(minutes=5) < datetime.fromisoformat(times[-1])
