"""A citizen's record over its life: corrected with its history, the law exactly (§ 44 from the day given,
who revoked, relatives under 18), the grid at a glance, closing, and the DPO's page of personal data."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consent import rules, services
from consent.models import AuditEvent, Citizen, Consent, Correction, Dialogue, FollowUp, RecordRetention, Relative
from portal.errors import RuleViolation
from portal.roles import Role
from tests.factories import StaffFactory, UnitFactory
from tests.service_helpers import add_relative as make_relative
from tests.service_helpers import new_consent, record
from tests.service_helpers import register_citizen as make_citizen

TODAY = timezone.localdate


def make_unit(municipality, name):
    return UnitFactory(municipality=municipality, name=name)


def make_caseworker(municipality, *units, **fields):
    return StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=list(units), **fields)


@pytest.fixture
def unit(municipality):
    return make_unit(municipality, "Plejecenter Solgården")


@pytest.fixture
def other_unit(municipality):
    return make_unit(municipality, "Hjemmeplejen Nord")


@pytest.fixture
def caseworker(municipality, unit):
    return make_caseworker(municipality, unit, first_name="Sara", last_name="Sagsbehandler")


@pytest.fixture
def administrator(municipality):
    return StaffFactory(
        municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN], first_name="Alma", last_name="Administrator"
    )


@pytest.fixture
def citizen(municipality, caseworker, unit):
    return make_citizen(municipality, caseworker, units=[unit])


@pytest.fixture
def anna(citizen, caseworker):
    return make_relative(citizen, caseworker, "Anna Testesen", phone="20304050")


@pytest.fixture
def logged_in(client, caseworker):
    client.force_login(caseworker)
    return client


def problems_of(error: RuleViolation) -> dict:
    return {field: [str(message) for message in messages] for field, messages in error.value.message_dict.items()}


# --- Sundhedsloven § 44: one year from the day the consent was GIVEN ---------------------------------


def test_a_permission_lapses_one_year_after_it_was_given_not_after_it_took_effect(anna, caseworker):
    given, starts = date(2025, 1, 10), date(2025, 6, 1)
    consent = services.record_consent(
        consent=new_consent(anna, given_on=given, valid_from=starts), acting_user=caseworker
    )
    assert consent.valid_until == date(2026, 1, 10) == rules.default_valid_until(given)


def test_a_permission_ending_more_than_a_year_after_it_was_given_is_refused_in_danish(anna, caseworker):
    too_long = new_consent(anna, given_on=date(2025, 1, 10), valid_from=date(2025, 6, 1), valid_until=date(2026, 5, 31))
    with pytest.raises(RuleViolation) as error:
        services.record_consent(consent=too_long, acting_user=caseworker)
    assert problems_of(error)["valid_until"] == [
        "Et samtykke til at oplyse en pårørende bortfalder senest et år efter, at det blev givet "
        "(sundhedsloven § 44): senest 10.01.2026."
    ]
    assert not Consent.objects.exists()


# --- Who revoked --------------------------------------------------------------------------------------


def test_a_guardian_revokes_and_the_revocation_says_so_with_the_appointment(logged_in, citizen, anna, caseworker):
    consent = record(anna, caseworker, given_on=TODAY())
    response = logged_in.post(
        reverse("consent:consent-revoke", args=[consent.pk]),
        {"reason": "Værgen tilbagekalder.", "form": "written", "grantor": "guardian", "grantor_document": "FR-1"},
    )
    assert response.status_code == 302
    revocation = Consent.objects.get(supersedes=consent)
    assert revocation.decision == Consent.Decision.REVOKED
    assert (revocation.grantor, revocation.grantor_document) == (Consent.Grantor.GUARDIAN, "FR-1")
    page = logged_in.get(citizen.get_absolute_url()).content.decode()
    assert "Samtykke tilbagekaldt af værge" in page


def test_a_guardians_revocation_without_the_appointment_is_refused_at_the_field(logged_in, anna, caseworker):
    consent = record(anna, caseworker, given_on=TODAY())
    response = logged_in.post(
        reverse("consent:consent-revoke", args=[consent.pk]),
        {"reason": "Værgen tilbagekalder.", "form": "written", "grantor": "guardian"},
    )
    assert response.status_code == 200
    assert 'id="id_grantor_document_error"' in response.text
    assert not Consent.objects.filter(supersedes=consent).exists()


# --- Relatives under 18: decided once, in consent.rules ---------------------------------------------


def test_a_permission_for_a_relative_under_18_is_refused_at_entry_with_the_reason(citizen, caseworker):
    child = make_relative(citizen, caseworker, "Lille Testesen", relation="barnebarn", is_minor=True)
    with pytest.raises(RuleViolation) as error:
        services.record_consent(consent=new_consent(child, given_on=TODAY()), acting_user=caseworker)
    (message,) = problems_of(error)["decision"]
    assert "under 18" in message and "Må jeg oplyse?" in message
    refusal = services.record_consent(
        consent=new_consent(child, Consent.Decision.REFUSE, given_on=TODAY()), acting_user=caseworker
    )
    assert refusal.pk is not None  # a refusal about them is fine


def test_a_relative_with_a_permission_cannot_be_corrected_to_under_18(citizen, anna, caseworker):
    record(anna, caseworker, given_on=TODAY())
    with pytest.raises(RuleViolation) as error:
        services.correct_record(
            record=anna, changes={"is_minor": True}, reason="Forkert alder.", acting_user=caseworker
        )
    assert "Tilbagekald samtykket først" in problems_of(error)["is_minor"][0]
    anna.refresh_from_db()
    assert not anna.is_minor and not Correction.objects.exists()


def test_no_page_shows_permitted_for_a_relative_under_18(logged_in, citizen, caseworker):
    """Even a permission that got in before the rule (written straight to the table) is shown as the answer is."""
    child = make_relative(citizen, caseworker, "Lille Testesen", relation="barnebarn", is_minor=True)
    Consent.objects.create(
        **{
            field: value
            for field, value in vars(new_consent(child, given_on=TODAY(), valid_until=TODAY())).items()
            if not field.startswith("_")
        }
        | {"recorded_by_id": caseworker.pk}
    )
    response = logged_in.get(citizen.get_absolute_url())
    ((_relative, cells),) = response.context["overview"].grid
    assert {state for _category, state, _answer in cells} == {rules.GridState.NO_CONSENT}
    # The relatives' table and the consents' table ask the same rule: no "Tilladt" anywhere on the page.
    legacy = Consent.objects.get(relative=child)
    pages = {
        "citizen page": response,
        "receipt": logged_in.get(reverse("consent:receipt", args=[citizen.pk])),
        "change page": logged_in.get(reverse("consent:consent-change", args=[legacy.pk])),
        "access request": logged_in.get(reverse("consent:access-request", args=[citizen.pk])),
    }
    for name, page in pages.items():
        text = page.content.decode()
        assert page.status_code == 200, name
        assert "ælder ikke: under 18" in text, name
        assert ">Tilladt<" not in text and "Tilladt " not in text, name
    assert rules.permission_allows_nothing(legacy)
    assert not rules.permission_allows_nothing(record(make_relative(citizen, caseworker, "Voksen"), caseworker))


def test_the_log_checks_show_the_dpo_every_permission_for_a_relative_under_18_from_before_the_rule(
    client, municipality, citizen, caseworker, anna
):
    child = make_relative(citizen, caseworker, "Lille Testesen", relation="barnebarn", is_minor=True)
    legacy = new_consent(child, given_on=TODAY(), valid_until=TODAY())
    legacy.recorded_by = caseworker
    legacy.save()  # as the database may hold one from before the service refused them
    record(anna, caseworker, given_on=TODAY())  # an adult's permission is no finding
    dpo = StaffFactory(municipality=municipality, roles=[Role.DATA_PROTECTION_OFFICER])
    client.force_login(dpo)
    response = client.get(reverse("consent:log-checks"))
    assert [consent.pk for consent in response.context["allowing_nothing"]] == [legacy.pk]
    page = response.content.decode()
    assert "1 tilladelse til en pårørende under 18" in page
    assert f"<bdi>{citizen.name}</bdi>: registreret den {TODAY():%d.%m.%Y} af <bdi>Sara Sagsbehandler</bdi>" in page
    # Revoked, it is no longer a finding.
    services.revoke_consent(consent=legacy, reason="Under 18.", form="oral", acting_user=caseworker)
    assert client.get(reverse("consent:log-checks")).context["allowing_nothing"] == []


# --- The grid ------------------------------------------------------------------------------------------


def test_the_grid_shows_each_relative_and_kind_as_may_i_tell_answers_it(logged_in, citizen, anna, caseworker):
    bo = make_relative(citizen, caseworker, "Bo Testesen", relation="søn")
    record(anna, caseworker, categories=["helbred"], given_on=TODAY() - timedelta(days=350))
    record(anna, caseworker, Consent.Decision.REFUSE, ["misbrug"], given_on=TODAY())
    record(bo, caseworker, categories=["oekonomi"], given_on=TODAY())
    response = logged_in.get(citizen.get_absolute_url())
    states = {
        (relative.name, category.value): state
        for relative, cells in response.context["overview"].grid
        for category, state, _answer in cells
    }
    assert states[("Anna Testesen", "helbred")] == rules.GridState.EXPIRES_SOON
    assert states[("Anna Testesen", "misbrug")] == rules.GridState.REFUSED
    assert states[("Anna Testesen", "oekonomi")] == rules.GridState.NO_CONSENT
    assert states[("Bo Testesen", "oekonomi")] == rules.GridState.PERMITTED
    page = response.content.decode()
    for word in ("Tilladt", "Udløber snart", "Afslået", "Intet samtykke"):
        assert word in page
    order = [page.index(heading) for heading in ("1. Dialog", "2. Samtykke", "3. Gensidighed", "4. Aftaler")]
    assert order == sorted(order), "the page follows the policy's order"


# --- Corrections ------------------------------------------------------------------------------------------


def test_correcting_a_relative_keeps_the_earlier_value_who_when_and_why(logged_in, citizen, anna, caseworker):
    data = {"name": "Anna Testesen", "relation": "datter", "kind": "relative", "phone": "20304051", "email": ""}
    response = logged_in.post(
        reverse("consent:correct-relative", args=[anna.pk]), {**data, "reason": "Tastefejl.", "seen": 0}
    )
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.phone == "20304051"
    correction = Correction.objects.get()
    assert (correction.field, correction.old_value, correction.new_value) == ("phone", "20304050", "20304051")
    assert (correction.corrected_by, correction.reason) == (caseworker, "Tastefejl.")
    event = AuditEvent.objects.latest("pk")
    assert event.event == AuditEvent.Event.RECORD_CORRECTED
    assert event.payload == {"record": "relative", "record_id": anna.pk, "fields": ["phone"]}
    page = logged_in.get(citizen.get_absolute_url()).content.decode()
    assert escape("“20304050” → “20304051”. Begrundelse: Tastefejl.") in page


def test_a_correction_without_a_reason_or_without_a_change_saves_nothing(logged_in, anna):
    url = reverse("consent:correct-relative", args=[anna.pk])
    same = {
        "name": anna.name,
        "relation": anna.relation,
        "kind": anna.kind,
        "phone": anna.phone,
        "email": "",
        "seen": 0,
    }
    response = logged_in.post(url, {**same, "phone": "1"})
    assert response.status_code == 200 and "Skriv, hvorfor oplysningerne rettes." in response.text
    response = logged_in.post(url, {**same, "reason": "Ingen ændring."})
    assert response.status_code == 200 and "Intet blev ændret" in response.text
    assert not Correction.objects.exists()


def test_a_dialogue_an_agreement_and_the_citizens_name_and_unit_are_corrected(
    client, citizen, anna, caseworker, administrator, other_unit
):
    dialogue = services.record_dialogue(
        citizen=citizen, dialogue=Dialogue(involvement="yes", how_involved="Ring til Anna"), acting_user=caseworker
    )
    services.correct_record(
        record=dialogue,
        changes={"how_involved": "Ring til Anna om fredagen"},
        reason="Præcisering.",
        acting_user=caseworker,
    )
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=services.Agreement(
            description="Anna handler",
            responsible="relative",
            relative=anna,
            follow_up_every_days=7,
            next_follow_up=TODAY(),
        ),
        acting_user=caseworker,
    )
    services.correct_record(
        record=agreement, changes={"follow_up_every_days": 14}, reason="Aftalt igen.", acting_user=caseworker
    )
    administrator.units.add(*citizen.units.all(), other_unit)  # else they open the citizen only by stating a reason
    client.force_login(administrator)
    response = client.post(
        reverse("consent:correct-citizen", args=[citizen.pk]),
        {"name": "Karen Testesen-Hansen", "units": [other_unit.pk], "reason": "Navneændring og flytning.", "seen": 0},
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.name == "Karen Testesen-Hansen" and list(citizen.units.all()) == [other_unit]
    fields = set(Correction.objects.values_list("record", "field", "old_value", "new_value"))
    assert fields == {
        ("dialogue", "how_involved", "Ring til Anna", "Ring til Anna om fredagen"),
        ("agreement", "follow_up_every_days", "7", "14"),
        ("citizen", "name", "Karen Testesen", "Karen Testesen-Hansen"),
        ("citizen", "units", "Plejecenter Solgården", "Hjemmeplejen Nord"),
    }


def test_a_caseworker_cannot_move_a_citizen_to_a_unit_not_their_own(logged_in, citizen, other_unit):
    response = logged_in.post(
        reverse("consent:correct-citizen", args=[citizen.pk]),
        {"name": citizen.name, "units": [other_unit.pk], "reason": "Flytning.", "seen": 0},
    )
    assert response.status_code == 200 and not Correction.objects.exists()


def test_a_correction_saved_after_someone_elses_shows_theirs_keeps_what_was_typed_and_saves_nothing(
    logged_in, citizen, anna, caseworker, municipality, unit
):
    url = reverse("consent:correct-relative", args=[anna.pk])
    form = logged_in.get(url).context["form"]
    opened_with = form.initial["seen"]
    colleague = make_caseworker(municipality, unit, first_name="Ole", last_name="Kollega")
    services.correct_record(
        record=Relative.objects.get(pk=anna.pk),
        changes={"phone": "20304099"},
        reason="Anna ringede selv.",
        acting_user=colleague,
        seen=services.correction_token(anna),
    )
    mine = {"name": "Anna Testesen", "relation": "datter", "kind": "relative", "phone": "20304051", "email": ""}
    response = logged_in.post(url, {**mine, "reason": "Tastefejl.", "seen": opened_with})

    assert response.status_code == 200
    page = response.content.decode()
    assert "En anden har rettet oplysningerne, efter du åbnede formularen, så intet blev gemt." in page
    assert escape("Telefon: nu “20304099” (var “20304050”), rettet af ") + "<bdi>Ole Kollega</bdi>" in page
    assert 'value="20304051"' in page and "Tastefejl." in page, "what the user typed is kept in the form"
    anna.refresh_from_db()
    assert anna.phone == "20304099"
    assert list(Correction.objects.values_list("new_value", "corrected_by")) == [("20304099", colleague.pk)]

    # Saving the kept form again, after reading theirs, saves the user's correction.
    again = response.context["form"].data.copy()
    assert int(again["seen"]) == services.correction_token(anna)
    assert logged_in.post(url, again).status_code == 302
    anna.refresh_from_db()
    assert anna.phone == "20304051"


def test_a_correction_form_without_its_token_saves_nothing(logged_in, anna):
    data = {"name": "Anna Testesen", "relation": "datter", "kind": "relative", "phone": "1", "reason": "Fejl."}
    response = logged_in.post(reverse("consent:correct-relative", args=[anna.pk]), data)
    assert response.status_code == 200 and not Correction.objects.exists()
    assert "Formularen er ufuldstændig: åbn den igen." in response.content.decode()


# --- Closing a course -----------------------------------------------------------------------------------


def test_a_closing_date_in_the_future_is_refused_in_danish_and_nothing_is_saved(logged_in, citizen):
    response = logged_in.post(
        reverse("consent:close", args=[citizen.pk]),
        {"closed_on": (TODAY() + timedelta(days=1)).isoformat(), "closed_because": "moved"},
    )
    assert response.status_code == 200
    assert "Datoen for afslutning kan ikke ligge i fremtiden." in response.text
    citizen.refresh_from_db()
    assert citizen.closed_on is None


def test_a_closed_record_is_read_only_every_write_refuses(citizen, anna, caseworker):
    consent = record(anna, caseworker, given_on=TODAY())
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=services.Agreement(
            description="Opfølgning", responsible="staff", follow_up_every_days=7, next_follow_up=TODAY()
        ),
        acting_user=caseworker,
    )
    services.close_course(citizen=citizen, closed_on=TODAY(), because="died", acting_user=caseworker)
    writes = [
        lambda: services.add_relative(
            citizen=citizen, relative=Relative(name="Ny", relation="ven"), acting_user=caseworker
        ),
        lambda: services.record_dialogue(citizen=citizen, dialogue=Dialogue(involvement="yes"), acting_user=caseworker),
        lambda: services.record_consent(consent=new_consent(anna, given_on=TODAY()), acting_user=caseworker),
        lambda: services.revoke_consent(consent=consent, reason="x", form="oral", acting_user=caseworker),
        lambda: services.record_agreement(
            citizen=citizen,
            agreement=services.Agreement(
                description="x", responsible="staff", follow_up_every_days=7, next_follow_up=TODAY()
            ),
            acting_user=caseworker,
        ),
        lambda: services.record_follow_up(
            agreement=agreement,
            follow_up=FollowUp(outcome="end", held_on=TODAY()),
            loaded_version=agreement.version,
            acting_user=caseworker,
        ),
        lambda: services.correct_record(record=anna, changes={"phone": "1"}, reason="x", acting_user=caseworker),
        lambda: services.close_course(citizen=citizen, closed_on=TODAY(), because="moved", acting_user=caseworker),
    ]
    events = AuditEvent.objects.count()
    for write in writes:
        with pytest.raises(RuleViolation):
            write()
    assert AuditEvent.objects.count() == events


def test_the_pages_of_a_closed_record_hide_the_forms(logged_in, citizen, anna, caseworker):
    services.close_course(citizen=citizen, closed_on=TODAY(), because="no_help", acting_user=caseworker)
    page = logged_in.get(citizen.get_absolute_url()).content.decode()
    assert "Forløbet er afsluttet" in page
    for name in ("relative-new", "dialogue-new", "consent-new", "agreement-new", "close", "correct-citizen"):
        assert reverse(f"consent:{name}", args=[citizen.pk]) not in page, name
    form_page = logged_in.get(reverse("consent:correct-relative", args=[anna.pk])).content.decode()
    assert 'name="reason"' not in form_page
    assert "kan ikke længere ændres" in form_page


# --- Retention period and the DPO's page -----------------------------------------------------------------


@pytest.mark.parametrize("years", ["0", "-1"])
def test_a_retention_period_of_0_or_minus_1_is_refused_at_the_field(client, administrator, years):
    client.force_login(administrator)
    response = client.post(reverse("consent:retention"), {"years": years})
    assert response.status_code == 200
    assert "Opbevaringsperioden skal være mindst 1 år." in response.text
    assert not RecordRetention.objects.exists()


@override_settings(CONSENT_RETENTION_YEARS=7, PORTAL_LOGIN_LOG_RETENTION_DAYS=90)
def test_the_personal_data_page_lists_each_store_from_the_settings_the_jobs_use(
    client, administrator, municipality, django_assert_num_queries
):
    client.force_login(administrator)
    with django_assert_num_queries(5):  # session, user, roles, the user's municipality, its retention period
        response = client.get(reverse("personal-data"))
    page = response.content.decode()
    assert "Borgernes sager" in page and "7 år efter, at borgerens forløb blev afsluttet" in page
    assert "Personalets log-ind" in page and "90 dage" in page
    assert "E-mail-adresser til invitationer" in page and "indtil dagen efter, at undersøgelsesrunden lukker" in page
    services.set_retention(municipality=municipality, years=12, acting_user=administrator)
    assert "12 år efter" in client.get(reverse("personal-data")).content.decode()


def test_only_the_municipality_administrator_sees_the_personal_data_page(client, caseworker):
    client.force_login(caseworker)
    response = client.get(reverse("personal-data"))
    assert response.status_code == 403
    assert "Kun kommunens administrator" in response.content.decode()
    client.logout()
    assert client.get(reverse("personal-data")).status_code == 302


# The session, the user and their roles (3), then the page's own: the record with its citizen (1); the
# record's latest correction, the form's token (1, the correction pages); the agreement's relatives to
# choose from (1) and its chosen relative (1); the citizen's units and the units to choose from (2); the
# municipality's retention period (1).
NEW_PAGE_QUERIES = {
    "correct-relative": 5,
    "correct-dialogue": 5,
    "correct-agreement": 7,
    "correct-citizen": 7,
    "close": 5,
}


@pytest.mark.parametrize("name", NEW_PAGE_QUERIES)
def test_the_correction_and_closing_pages_take_a_fixed_number_of_queries(
    logged_in, citizen, anna, caseworker, name, django_assert_num_queries
):
    for number in range(3):
        make_relative(citizen, caseworker, f"Pårørende {number}")
    dialogue = services.record_dialogue(citizen=citizen, dialogue=Dialogue(involvement="yes"), acting_user=caseworker)
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=services.Agreement(
            description="x", responsible="relative", relative=anna, follow_up_every_days=7, next_follow_up=TODAY()
        ),
        acting_user=caseworker,
    )
    pk = {"correct-relative": anna.pk, "correct-dialogue": dialogue.pk, "correct-agreement": agreement.pk}
    with django_assert_num_queries(NEW_PAGE_QUERIES[name]):
        response = logged_in.get(reverse(f"consent:{name}", args=[pk.get(name, citizen.pk)]))
    assert response.status_code == 200


def test_the_citizen_page_of_an_erased_citizen_opens_and_names_no_one(client, administrator, citizen, anna, caseworker):
    from consent import retention

    services.close_course(citizen=citizen, closed_on=date(2000, 1, 1), because="died", acting_user=caseworker)
    assert retention.erase_expired_records() == 1
    administrator.units.add(*citizen.units.all())  # else they open the citizen only by stating a reason
    client.force_login(administrator)
    page = client.get(citizen.get_absolute_url()).content.decode()
    assert "Slettet borger" in page and "Anna Testesen" not in page
    assert Citizen.objects.get(pk=citizen.pk).erased_at is not None
    log = client.get(reverse("consent:audit-log", args=[citizen.pk])).content.decode()
    assert "Portalen (sletning efter opbevaringsperioden)" in log
