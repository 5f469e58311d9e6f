"""The caseworker's pages for dialogue, consent and agreements, through the Django test client.

Expected texts are looked up with gettext, so the tests hold both before and after the Danish
translation of the consent app's strings is added.
"""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from consent import rules
from consent.cpr import parse_cpr
from consent.forms import INVALID_DATE
from consent.models import (
    Agreement,
    AuditEvent,
    Citizen,
    Consent,
    Dialogue,
    FollowUp,
    HelpChange,
    Relative,
    RelativeTold,
)
from consent.views import DUPLICATE_CPR, STALE_CONSENT, STALE_FOLLOW_UP
from portal.roles import Role
from tests.factories import (
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    RelativeFactory,
    StaffFactory,
    make_cpr,
)

TODAY = timezone.localdate


def text_of(message) -> str:
    """A message as a page shows it: in the active language, HTML-escaped."""
    return escape(str(message))


@pytest.fixture
def colleague(municipality, unit):
    user = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], first_name="Kim", last_name="Kollega")
    user.units.set([unit])
    return user


@pytest.fixture
def administrator(municipality, unit):
    """An administrator who works in the unit too (another unit's citizens are behind glass: test_break_glass)."""
    return StaffFactory(
        municipality=municipality,
        roles=[Role.MUNICIPALITY_ADMIN],
        units=[unit],
        first_name="Alma",
        last_name="Administrator",
    )


@pytest.fixture
def logged_in(client, caseworker):
    client.force_login(caseworker)
    return client


def consent_data(relative=None, **overrides) -> dict:
    data = {
        "decision": "permit",
        "categories": ["helbred", "praktiske_forhold"],
        "contact": "staff",
        "form": "oral",
        "oral_note": "Borgeren sagde ja, da vi talte om datteren.",
        "grantor": "citizen",
        "grantor_document": "",
        "given_on": TODAY().isoformat(),
        "valid_from": TODAY().isoformat(),
        "valid_until": "",
    }
    if relative is not None:
        data["relative"] = relative.pk
    data.update(overrides)
    return data


def ask(client, citizen, relative, category="helbred"):
    return client.post(
        reverse("consent:disclosure", args=[citizen.pk]),
        {"disclosure-relative": relative.pk, "disclosure-category": category},
    )


# --- The whole journey ------------------------------------------------------------------------


def test_the_caseworkers_journey_from_registration_to_a_revoked_consent(logged_in, unit):
    client = logged_in
    response = client.post(
        reverse("consent:register"), {"name": "Inger Ibsen", "cpr": "010150-1234", "units": [unit.pk]}
    )
    citizen = Citizen.objects.get(name="Inger Ibsen")
    assert response.status_code == 302 and response["Location"] == citizen.get_absolute_url()
    assert citizen.birth_date.isoformat() == "1950-01-01" and list(citizen.units.all()) == [unit]

    page = client.get(citizen.get_absolute_url()).text
    assert "010150-xxxx" in page and "010150-1234" not in page and "0101501234" not in page

    response = client.post(
        reverse("consent:relative-new", args=[citizen.pk]),
        {"name": "Jens Ibsen", "relation": "søn", "kind": "relative", "phone": "", "email": "", "staff_user": ""},
    )
    assert response.status_code == 302
    son = Relative.objects.get(citizen=citizen, name="Jens Ibsen")

    # "No, not now" without a date to ask again: the model's message at the field, nothing saved.
    dialogue = {"held_on": TODAY().isoformat(), "involvement": "not_now", "ask_again_on": ""}
    response = client.post(reverse("consent:dialogue-new", args=[citizen.pk]), dialogue)
    assert response.status_code == 200 and not Dialogue.objects.exists()
    assert 'id="id_ask_again_on_error"' in response.text
    assert text_of(gettext("When the answer is “not now”, choose when to ask again.")) in response.text
    ask_again_on = TODAY() + timedelta(days=3)
    dialogue["ask_again_on"] = ask_again_on.strftime("%d.%m.%Y")  # a Danish date works too
    assert client.post(reverse("consent:dialogue-new", args=[citizen.pk]), dialogue).status_code == 302
    assert Dialogue.objects.get(citizen=citizen).ask_again_on == ask_again_on

    tasks = client.get(reverse("consent:tasks"))
    assert tasks.status_code == 200
    assert [(task.kind, task.citizen, task.due) for task in tasks.context["tasks"]] == [
        ("ask_again", citizen, ask_again_on)
    ]
    assert "Inger Ibsen" in tasks.text and ask_again_on.strftime("%d.%m.%Y") in tasks.text

    response = client.post(reverse("consent:consent-new", args=[citizen.pk]), consent_data(son))
    assert response.status_code == 302
    permission = Consent.objects.get(relative=son)
    assert permission.valid_until == rules.default_valid_until(TODAY())
    assert permission.recorded_by.first_name == "Sara"

    answer = ask(client, citizen, son)
    assert answer.status_code == 200 and answer.context["answer"].allowed
    assert answer.context["answer"].consent == permission
    assert text_of(answer.context["answer"].reason) in answer.text and "alert-success" in answer.text
    assert permission.valid_until.strftime("%d.%m.%Y") in answer.text

    response = client.post(
        reverse("consent:consent-revoke", args=[permission.pk]),
        {"reason": "Borgeren har fortrudt.", "form": "written", "grantor": "citizen"},
    )
    assert response.status_code == 302
    revocation = Consent.objects.get(supersedes=permission)
    assert revocation.decision == Consent.Decision.REVOKED and revocation.reason == "Borgeren har fortrudt."

    answer = ask(client, citizen, son)
    assert answer.status_code == 200 and not answer.context["answer"].allowed
    assert answer.context["answer"].code == "revoked"
    assert text_of(answer.context["answer"].reason) in answer.text and "alert-error" in answer.text

    page = client.get(citizen.get_absolute_url())
    assert page.context["overview"].current_consents == []
    assert "Borgeren har fortrudt." in page.text  # in the history


def test_agreement_and_follow_up_move_the_next_date(logged_in, citizen, relative):
    client = logged_in
    first = TODAY() + timedelta(days=14)
    response = client.post(
        reverse("consent:agreement-new", args=[citizen.pk]),
        {
            "description": "Mette tager med til lægen",
            "responsible": "relative",
            "relative": relative.pk,
            "follow_up_every_days": "14",
            "next_follow_up": first.isoformat(),
        },
    )
    assert response.status_code == 302
    agreement = Agreement.objects.get(citizen=citizen)
    assert agreement.next_follow_up == first and agreement.relative == relative

    follow_up_url = reverse("consent:follow-up", args=[agreement.pk])
    form = client.get(follow_up_url)
    assert form.status_code == 200 and 'name="version" value="1"' in form.text
    next_date = TODAY() + timedelta(days=20)
    response = client.post(
        follow_up_url,
        {
            "held_on": TODAY().isoformat(),
            "outcome": "continue",
            "note": "Det går fint.",
            "next_date": next_date,
            "version": 1,
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.next_follow_up == next_date and agreement.version == 2

    response = client.post(
        follow_up_url, {"held_on": TODAY().isoformat(), "outcome": "end", "note": "", "next_date": "", "version": 2}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.ended_on == TODAY()


# --- Someone else was first --------------------------------------------------------------------


def test_two_changes_of_the_same_consent_version_the_second_is_told_and_keeps_its_text(
    client, caseworker, colleague, citizen, consent
):
    change_url = reverse("consent:consent-change", args=[consent.pk])
    other = Client()
    other.force_login(colleague)
    assert other.get(change_url).status_code == 200
    client.force_login(caseworker)
    assert client.get(change_url).status_code == 200

    first = consent_data(categories=["helbred"], oral_note="Kun helbred fremover.", reason="Borgeren ændrede mening.")
    assert other.post(change_url, first).status_code == 302
    second = consent_data(categories=["oekonomi"], oral_note="Min egen note om økonomi.", reason="Også økonomi.")
    response = client.post(change_url, second)

    assert response.status_code == 200
    assert text_of(STALE_CONSENT) in response.text
    assert "Min egen note om økonomi." in response.text and "Også økonomi." in response.text
    assert response.context["form"]["categories"].value() == ["oekonomi"]
    winner = Consent.objects.get(supersedes=consent)
    assert response.context["consent"] == winner and "Kun helbred fremover." in response.text
    # The re-shown form saves against the version now current.
    assert f'action="{reverse("consent:consent-change", args=[winner.pk])}"' in response.text
    assert Consent.objects.count() == 2
    assert AuditEvent.objects.filter(event=AuditEvent.Event.CONSENT_CHANGED).count() == 1

    assert client.post(reverse("consent:consent-change", args=[winner.pk]), second).status_code == 302
    assert Consent.objects.get(supersedes=winner).categories == ["oekonomi"]


def test_revoking_a_version_someone_else_just_replaced_is_told(client, caseworker, colleague, consent):
    other = Client()
    other.force_login(colleague)
    client.force_login(caseworker)
    assert (
        other.post(
            reverse("consent:consent-change", args=[consent.pk]), consent_data(categories=["helbred"])
        ).status_code
        == 302
    )
    response = client.post(
        reverse("consent:consent-revoke", args=[consent.pk]),
        {"reason": "Borgeren vil ikke mere.", "form": "oral", "grantor": "citizen"},
    )
    assert response.status_code == 200
    assert text_of(STALE_CONSENT) in response.text and "Borgeren vil ikke mere." in response.text
    assert not Consent.objects.filter(decision=Consent.Decision.REVOKED).exists()


def test_two_follow_ups_from_the_same_version_the_second_is_told(client, caseworker, colleague, agreement):
    url = reverse("consent:follow-up", args=[agreement.pk])
    other = Client()
    other.force_login(colleague)
    client.force_login(caseworker)
    data = {"held_on": TODAY().isoformat(), "outcome": "continue", "version": 1}
    assert (
        other.post(url, {**data, "note": "Kims opfølgning", "next_date": TODAY() + timedelta(days=10)}).status_code
        == 302
    )
    response = client.post(url, {**data, "note": "Saras opfølgning", "next_date": TODAY() + timedelta(days=12)})
    assert response.status_code == 200
    assert text_of(STALE_FOLLOW_UP) in response.text and "Saras opfølgning" in response.text
    assert 'name="version" value="2"' in response.text  # saving again means: after seeing Kim's
    assert list(FollowUp.objects.values_list("note", flat=True)) == ["Kims opfølgning"]
    agreement.refresh_from_db()
    assert agreement.next_follow_up == TODAY() + timedelta(days=10)


# --- Finding a citizen without personal data in URLs ------------------------------------------


def test_search_by_cpr_is_a_post_whose_results_come_on_the_response(logged_in, citizen):
    url = reverse("consent:citizens")
    response = logged_in.post(url, {"query": "121245-1234"})
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == url and response.request["QUERY_STRING"] == ""
    assert response.context["results"] == [citizen]
    assert "Birte Borger" in response.text and "121245-xxxx" in response.text
    assert "121245-1234" not in response.text and "1212451234" not in response.text
    assert citizen.get_absolute_url() in response.text
    found = AuditEvent.objects.get(event=AuditEvent.Event.CITIZEN_FOUND)
    assert found.citizen == citizen and "121245" not in str(found.payload)
    # Without dash, and by name, too; a GET with a query string searches nothing.
    assert logged_in.post(url, {"query": "1212451234"}).context["results"] == [citizen]
    assert logged_in.post(url, {"query": "birte"}).context["results"] == [citizen]
    assert logged_in.get(url, {"query": "121245-1234"}).context["results"] is None


def test_a_wrong_cpr_number_is_explained_at_the_field(logged_in, citizen):
    for wrong, code in [("12345", "cpr_format"), ("320145-1234", "cpr_date")]:
        response = logged_in.post(reverse("consent:citizens"), {"query": wrong})
        assert response.status_code == 200
        assert 'id="id_query_error"' in response.text
        with pytest.raises(ValidationError) as error:
            parse_cpr(wrong)
        assert error.value.code == code
        assert text_of(error.value.messages[0]) in response.text
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.CITIZEN_FOUND).exists()


def test_search_finds_no_citizen_of_another_unit(logged_in, municipality, other_unit, caseworker):
    CitizenFactory(
        municipality=municipality, units=[other_unit], created_by=caseworker, name="Anden Enhed", cpr="010203-1234"
    )
    response = logged_in.post(reverse("consent:citizens"), {"query": "010203-1234"})
    assert response.context["results"] == []
    assert logged_in.post(reverse("consent:citizens"), {"query": "Anden"}).context["results"] == []


def test_a_name_search_shows_25_citizens_says_there_are_more_and_logs_the_25(logged_in, municipality, unit, caseworker):
    for number in range(26):
        CitizenFactory(
            municipality=municipality, units=[unit], created_by=caseworker, name=f"Hansen {chr(ord('A') + number)}"
        )
    response = logged_in.post(reverse("consent:citizens"), {"query": "hansen"})
    assert len(response.context["results"]) == 25 and response.context["too_many"]
    assert text_of(gettext("There are more: search more precisely.")) in response.text
    assert response.text.count('<th scope="row"') == 25
    assert AuditEvent.objects.filter(event=AuditEvent.Event.CITIZEN_FOUND).count() == 25


def test_citizen_list_shows_only_masked_cpr_numbers(logged_in, citizen):
    response = logged_in.get(reverse("consent:citizens"))
    assert response.status_code == 200 and "121245-xxxx" in response.text and "121245-1234" not in response.text


# --- Registration ---------------------------------------------------------------------------


def test_a_caseworker_registers_only_in_their_own_units(logged_in, other_unit):
    response = logged_in.post(
        reverse("consent:register"), {"name": "Ny Borger", "cpr": make_cpr(), "units": [other_unit.pk]}
    )
    assert response.status_code == 200 and not Citizen.objects.exists()
    assert 'id="id_units_error"' in response.text
    assert other_unit.name not in response.text


def test_a_municipality_administrator_may_choose_any_unit(client, administrator, other_unit, unit):
    client.force_login(administrator)
    form = client.get(reverse("consent:register"))
    assert other_unit.name in form.text and unit.name in form.text
    response = client.post(
        reverse("consent:register"), {"name": "Ny Borger", "cpr": make_cpr(), "units": [other_unit.pk]}
    )
    assert response.status_code == 302


def test_a_cpr_number_registered_before_is_refused_at_the_field(logged_in, citizen, unit):
    response = logged_in.post(reverse("consent:register"), {"name": "Igen", "cpr": "1212451234", "units": [unit.pk]})
    assert response.status_code == 200 and text_of(DUPLICATE_CPR) in response.text
    assert 'id="id_cpr_error"' in response.text and Citizen.objects.count() == 1


def test_a_duplicate_cpr_number_is_told_in_danish_at_the_cpr_field_and_the_form_keeps_what_was_typed(
    logged_in, citizen, unit
):
    """The service raises DuplicateCitizen; the view puts the Danish message at the CPR field."""
    before = AuditEvent.objects.count()
    response = logged_in.post(
        reverse("consent:register"), {"name": "Birte Igen", "cpr": "121245-1234", "units": [unit.pk]}
    )
    with translation.override("en"):
        english = str(DUPLICATE_CPR)
    danish = str(DUPLICATE_CPR)
    assert danish != english
    error = re.search(r'<span class="form-error-message" id="id_cpr_error">(.*?)</span>\s*</?', response.text, re.S)
    assert error and escape(danish) in error.group(1)
    assert english not in response.text
    assert 'value="Birte Igen"' in response.text and 'value="121245-1234"' in response.text
    assert Citizen.objects.count() == 1 and AuditEvent.objects.count() == before


def test_a_rule_a_service_checks_comes_out_at_its_field_in_danish(logged_in, citizen, relative):
    """An agreement a relative carries out, without the relative: the service's RuleViolation at the field."""
    data = {
        "description": "Nogen ringer",
        "responsible": "relative",
        "relative": "",
        "follow_up_every_days": "7",
        "next_follow_up": TODAY().isoformat(),
    }
    response = logged_in.post(reverse("consent:agreement-new", args=[citizen.pk]), data)
    assert response.status_code == 200 and not Agreement.objects.exists()
    message = gettext("Choose which relative does it.")
    with translation.override("en"):
        assert message != gettext("Choose which relative does it.")
    error = re.search(r'id="id_relative_error">(.*?)</span>\s*</?', response.text, re.S)
    assert error and escape(message) in error.group(1)


def test_empty_forms_are_explained_in_danish_never_a_500(logged_in, citizen, consent, agreement):
    urls = [
        reverse("consent:register"),
        reverse("consent:relative-new", args=[citizen.pk]),
        reverse("consent:dialogue-new", args=[citizen.pk]),
        reverse("consent:consent-new", args=[citizen.pk]),
        reverse("consent:consent-change", args=[consent.pk]),
        reverse("consent:consent-revoke", args=[consent.pk]),
        reverse("consent:disclosure", args=[citizen.pk]),
        reverse("consent:agreement-new", args=[citizen.pk]),
        reverse("consent:follow-up", args=[agreement.pk]),
        reverse("consent:citizens"),
    ]
    before = AuditEvent.objects.count()
    for url in urls:
        assert logged_in.get(url).status_code == 200, url
        response = logged_in.post(url, {})
        assert response.status_code == 200, url
        assert text_of(gettext("There are problems")) in response.text, url
        assert "form-error-message" in response.text, url
    assert AuditEvent.objects.count() == before


def test_consent_rules_come_out_at_the_fields(logged_in, citizen, relative):
    data = consent_data(
        relative,
        categories=[],
        form="oral",
        oral_note=" ",
        contact="",
        grantor="guardian",
        valid_from=TODAY().isoformat(),
        valid_until=(TODAY() + timedelta(days=400)).strftime("%d.%m.%Y"),
        given_on="31.02.2025",
    )
    response = logged_in.post(reverse("consent:consent-new", args=[citizen.pk]), data)
    assert response.status_code == 200 and not Consent.objects.exists()
    for field in ["categories", "oral_note", "contact", "grantor_document", "valid_until", "given_on"]:
        assert f'id="id_{field}_error"' in response.text, field
    assert text_of(INVALID_DATE) in response.text
    assert text_of(gettext("An oral consent needs a note of the conversation.")) in response.text


def test_a_date_in_iso_or_danish_form_is_accepted(logged_in, citizen, relative):
    data = consent_data(relative, given_on="01.02.2025", valid_from="2025-02-01", valid_until="31.01.2026")
    assert logged_in.post(reverse("consent:consent-new", args=[citizen.pk]), data).status_code == 302
    consent = Consent.objects.get()
    assert (consent.given_on.isoformat(), consent.valid_until.isoformat()) == ("2025-02-01", "2026-01-31")


# --- Who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.EDITOR])
def test_managers_and_editors_get_a_403_page_that_explains(client, municipality, citizen, role):
    client.force_login(StaffFactory(municipality=municipality, roles=[role]))
    for url in [reverse("consent:citizens"), reverse("consent:tasks"), citizen.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 403
        assert text_of(gettext("You do not have access to this page")) in response.text
    assert client.post(reverse("consent:citizens"), {"query": "Birte"}).status_code == 403
    staff_home = client.get(reverse("staff-home")).text
    assert reverse("consent:citizens") not in staff_home


def test_anonymous_users_are_sent_to_log_in(client, citizen):
    response = client.get(citizen.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_staff_page_links_caseworkers_to_citizens_and_tasks(logged_in):
    page = logged_in.get(reverse("staff-home")).text
    assert reverse("consent:citizens") in page and reverse("consent:tasks") in page


def every_citizen_url(citizen, consent, agreement) -> list[str]:
    return [
        reverse("consent:citizen", args=[citizen.pk]),
        reverse("consent:relative-new", args=[citizen.pk]),
        reverse("consent:dialogue-new", args=[citizen.pk]),
        reverse("consent:consent-new", args=[citizen.pk]),
        reverse("consent:disclosure", args=[citizen.pk]),
        reverse("consent:agreement-new", args=[citizen.pk]),
        reverse("consent:receipt", args=[citizen.pk]),
        reverse("consent:fhir", args=[citizen.pk]),
        reverse("consent:audit-log", args=[citizen.pk]),
        reverse("consent:consent-change", args=[consent.pk]),
        reverse("consent:consent-revoke", args=[consent.pk]),
        reverse("consent:follow-up", args=[agreement.pk]),
    ]


def test_another_units_citizen_is_not_found(client, municipality, other_unit, caseworker, administrator):
    foreign = CitizenFactory(municipality=municipality, units=[other_unit], created_by=administrator)
    foreign_consent = ConsentFactory(relative=RelativeFactory(citizen=foreign), recorded_by=administrator)
    foreign_agreement = AgreementFactory(citizen=foreign, created_by=administrator)
    client.force_login(caseworker)
    for url in every_citizen_url(foreign, foreign_consent, foreign_agreement):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    assert not AuditEvent.objects.exists()


def test_another_municipalitys_administrator_finds_nothing(client, other_municipality, citizen, consent, agreement):
    client.force_login(StaffFactory(municipality=other_municipality, roles=[Role.MUNICIPALITY_ADMIN]))
    for url in every_citizen_url(citizen, consent, agreement):
        assert client.get(url).status_code == 404, url


def test_staff_who_are_the_citizens_relative_are_flagged_and_cannot_open_the_citizen(
    logged_in, municipality, unit, citizen
):
    nephew = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], first_name="Niels", last_name="Nevø")
    nephew.units.set([unit])
    response = logged_in.post(
        reverse("consent:relative-new", args=[citizen.pk]),
        {"name": "Niels Nevø", "relation": "nevø", "kind": "relative", "staff_user": nephew.pk},
    )
    assert response.status_code == 302
    assert Relative.objects.get(name="Niels Nevø").staff_user == nephew
    page = logged_in.get(citizen.get_absolute_url()).text
    assert text_of(gettext("Member of staff: %(name)s")) % {"name": "<bdi>Niels Nevø</bdi>"} in page

    other = Client()
    other.force_login(nephew)
    assert other.get(citizen.get_absolute_url()).status_code == 404
    assert other.post(reverse("consent:citizens"), {"query": "121245-1234"}).context["results"] == []


def test_only_staff_of_the_same_municipality_can_be_named_as_a_relative(logged_in, other_municipality, citizen):
    stranger = StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER])
    form = logged_in.get(reverse("consent:relative-new", args=[citizen.pk])).text
    assert f'value="{stranger.pk}"' not in form
    response = logged_in.post(
        reverse("consent:relative-new", args=[citizen.pk]),
        {"name": "X", "relation": "ven", "kind": "relative", "staff_user": stranger.pk},
    )
    assert response.status_code == 200 and 'id="id_staff_user_error"' in response.text


def test_the_log_is_for_the_municipality_administrator(client, caseworker, administrator, citizen):
    client.force_login(caseworker)
    client.get(citizen.get_absolute_url())
    url = reverse("consent:audit-log", args=[citizen.pk])
    assert client.get(url).status_code == 403
    assert url not in client.get(citizen.get_absolute_url()).text

    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    assert "Sara Sagsbehandler" in response.text
    assert text_of(AuditEvent.Event.CITIZEN_VIEWED.label) in response.text
    assert text_of(AuditEvent.Event.AUDIT_VIEWED.label) in response.text


def test_every_form_is_protected_by_csrf(caseworker, citizen):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(caseworker)
    assert strict.post(reverse("consent:citizens"), {"query": "Birte"}).status_code == 403
    assert strict.post(reverse("consent:dialogue-new", args=[citizen.pk]), {}).status_code == 403
    assert 'name="csrfmiddlewaretoken"' in strict.get(citizen.get_absolute_url()).text


# --- Receipt and export ------------------------------------------------------------------------


def test_the_receipt_lists_the_current_consents_and_agreements(logged_in, citizen, consent, agreement):
    response = logged_in.get(reverse("consent:receipt", args=[citizen.pk]))
    assert response.status_code == 200
    assert "Mette Datter" in response.text and "Mette ringer hver søndag" in response.text
    assert "121245-xxxx" in response.text and "data-print" in response.text
    assert AuditEvent.objects.filter(event=AuditEvent.Event.RECEIPT_VIEWED, citizen=citizen).count() == 1


def test_the_fhir_export_is_json_and_logged(logged_in, citizen, consent):
    url = reverse("consent:fhir", args=[citizen.pk])
    assert 'name="cpr"' in logged_in.get(url).text  # asks for the CPR number first
    response = logged_in.post(url, {"cpr": "121245-1234"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["subject"]["identifier"]["value"] == "1212451234"
    assert AuditEvent.objects.filter(event=AuditEvent.Event.FHIR_EXPORTED, citizen=citizen).count() == 1
    assert "1212451234" not in str(list(AuditEvent.objects.values_list("payload", flat=True)))


@pytest.mark.parametrize("typed", ["121245-1235", "010190-1234", "12124512", ""])
def test_a_cpr_number_that_is_not_the_citizens_exports_nothing_and_is_not_shown_again(logged_in, citizen, typed):
    response = logged_in.post(reverse("consent:fhir", args=[citizen.pk]), {"cpr": typed})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert 'class="form-error-message"' in response.text or "form-error" in response.text
    if typed:
        assert typed not in response.text.split("<main", 1)[1]
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.FHIR_EXPORTED).exists()


# --- Every write is logged once ----------------------------------------------------------------


def test_every_write_and_every_view_creates_exactly_one_audit_event(client, administrator, unit, municipality):
    client.force_login(administrator)

    def one_event(method, url, data=None, *, event, status=302):
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        response = getattr(client, method)(url, data or {})
        assert response.status_code == status, (url, response.status_code)
        new = AuditEvent.objects.exclude(pk__in=before)
        assert [item.event for item in new] == [event], url
        assert new.get().actor == administrator
        return response

    one_event(
        "post",
        reverse("consent:register"),
        {"name": "Log Borger", "cpr": "020260-1234", "units": [unit.pk]},
        event=AuditEvent.Event.CITIZEN_REGISTERED,
    )
    citizen = Citizen.objects.get(name="Log Borger")
    one_event("get", citizen.get_absolute_url(), event=AuditEvent.Event.CITIZEN_VIEWED, status=200)
    one_event(
        "post", reverse("consent:citizens"), {"query": "020260-1234"}, event=AuditEvent.Event.CITIZEN_FOUND, status=200
    )
    one_event(
        "post",
        reverse("consent:relative-new", args=[citizen.pk]),
        {"name": "Rie", "relation": "søster", "kind": "relative"},
        event=AuditEvent.Event.RELATIVE_ADDED,
    )
    relative = Relative.objects.get(name="Rie")
    one_event(
        "post",
        reverse("consent:dialogue-new", args=[citizen.pk]),
        {"held_on": TODAY().isoformat(), "involvement": "yes"},
        event=AuditEvent.Event.DIALOGUE_RECORDED,
    )
    one_event(
        "post",
        reverse("consent:consent-new", args=[citizen.pk]),
        consent_data(relative),
        event=AuditEvent.Event.CONSENT_RECORDED,
    )
    first = Consent.objects.get()
    one_event(
        "post",
        reverse("consent:consent-change", args=[first.pk]),
        consent_data(categories=["helbred"]),
        event=AuditEvent.Event.CONSENT_CHANGED,
    )
    second = Consent.objects.get(supersedes=first)
    one_event(
        "post",
        reverse("consent:disclosure", args=[citizen.pk]),
        {"disclosure-relative": relative.pk, "disclosure-category": "helbred"},
        event=AuditEvent.Event.DISCLOSURE_CHECKED,
        status=200,
    )
    one_event(
        "post",
        reverse("consent:consent-revoke", args=[second.pk]),
        {"reason": "Fortrudt", "form": "oral", "grantor": "citizen"},
        event=AuditEvent.Event.CONSENT_REVOKED,
    )
    one_event(
        "post",
        reverse("consent:agreement-new", args=[citizen.pk]),
        {
            "description": "Ugentlig samtale",
            "responsible": "staff",
            "follow_up_every_days": 7,
            "next_follow_up": TODAY().isoformat(),
        },
        event=AuditEvent.Event.AGREEMENT_RECORDED,
    )
    agreement = Agreement.objects.get()
    one_event(
        "post",
        reverse("consent:follow-up", args=[agreement.pk]),
        {"held_on": TODAY().isoformat(), "outcome": "continue", "next_date": TODAY() + timedelta(7), "version": 1},
        event=AuditEvent.Event.FOLLOW_UP_RECORDED,
    )
    one_event("get", reverse("consent:receipt", args=[citizen.pk]), event=AuditEvent.Event.RECEIPT_VIEWED, status=200)
    one_event(
        "post",
        reverse("consent:fhir", args=[citizen.pk]),
        {"cpr": "020260-1234"},
        event=AuditEvent.Event.FHIR_EXPORTED,
        status=200,
    )
    one_event("get", reverse("consent:audit-log", args=[citizen.pk]), event=AuditEvent.Event.AUDIT_VIEWED, status=200)
    # Failed writes log nothing.
    before = AuditEvent.objects.count()
    client.post(reverse("consent:dialogue-new", args=[citizen.pk]), {"held_on": "i går", "involvement": "yes"})
    assert AuditEvent.objects.count() == before
    assert all(
        "Rie" not in str(payload) and "020260" not in str(payload)
        for payload in AuditEvent.objects.values_list("payload", flat=True)
    )


# --- Tasks ------------------------------------------------------------------------------------


def test_the_task_list_marks_what_is_overdue_and_skips_what_is_not_due(logged_in, caseworker, citizen, relative):
    today = TODAY()
    AgreementFactory(
        citizen=citizen, created_by=caseworker, description="Forfalden", next_follow_up=today - timedelta(2)
    )
    AgreementFactory(citizen=citizen, created_by=caseworker, description="Snart", next_follow_up=today + timedelta(7))
    AgreementFactory(citizen=citizen, created_by=caseworker, description="Senere", next_follow_up=today + timedelta(8))
    AgreementFactory(
        citizen=citizen,
        created_by=caseworker,
        description="Afsluttet",
        next_follow_up=today - timedelta(9),
        ended_on=today,
    )
    ConsentFactory(relative=relative, recorded_by=caseworker, valid_until=today + timedelta(30))  # review due
    ConsentFactory(relative=RelativeFactory(citizen=citizen), recorded_by=caseworker)  # a year left: not due
    replaced = ConsentFactory(
        relative=RelativeFactory(citizen=citizen), recorded_by=caseworker, valid_until=today + timedelta(3)
    )
    ConsentFactory(
        relative=replaced.relative, recorded_by=caseworker, supersedes=replaced
    )  # its newer version is not due
    Dialogue.objects.create(
        citizen=citizen,
        held_on=today - timedelta(20),
        involvement="not_now",
        ask_again_on=today - timedelta(1),
        recorded_by=caseworker,
    )
    Dialogue.objects.create(citizen=citizen, held_on=today - timedelta(5), involvement="yes", recorded_by=caseworker)

    response = logged_in.get(reverse("consent:tasks"))
    found = [(task.kind, task.text, task.overdue) for task in response.context["tasks"]]
    assert [(kind, overdue) for kind, _text, overdue in found] == [
        ("follow_up", True),
        ("follow_up", False),
        ("consent_review", False),
    ]
    assert "Forfalden" in found[0][1] and "Snart" in found[1][1]
    assert response.text.count(text_of(gettext("Overdue"))) >= 1 and "task-overdue" in response.text

    # The latest dialogue decides: once it says "not now" with a date that has passed, it is overdue.
    Dialogue.objects.create(
        citizen=citizen,
        held_on=today - timedelta(2),
        involvement="not_now",
        ask_again_on=today - timedelta(1),
        recorded_by=caseworker,
    )
    tasks = logged_in.get(reverse("consent:tasks")).context["tasks"]
    assert [(task.kind, task.overdue) for task in tasks if task.kind == "ask_again"] == [("ask_again", True)]


def test_the_task_list_leaves_out_other_units(logged_in, municipality, other_unit, administrator):
    foreign = CitizenFactory(municipality=municipality, units=[other_unit], created_by=administrator)
    AgreementFactory(citizen=foreign, created_by=administrator, next_follow_up=TODAY())
    assert logged_in.get(reverse("consent:tasks")).context["tasks"] == []


# --- A fixed number of queries ----------------------------------------------------------------


def fill(citizen, user, size: int) -> None:
    """`size` relatives, each with a consent changed once, a refusal, an agreement with two follow-ups."""
    today = TODAY()
    for number in range(size):
        relative = RelativeFactory(citizen=citizen)
        first = ConsentFactory(relative=relative, recorded_by=user, valid_until=today + timedelta(5))
        ConsentFactory(relative=relative, recorded_by=user, supersedes=first, valid_until=today + timedelta(10))
        ConsentFactory(relative=relative, recorded_by=user, decision="refuse", categories=["oekonomi"], contact="")
        agreement = AgreementFactory(
            citizen=citizen,
            created_by=user,
            relative=relative,
            responsible="relative",
            next_follow_up=today - timedelta(1),
        )
        for days in (10, 5):
            FollowUp.objects.create(
                agreement=agreement,
                held_on=today - timedelta(days),
                outcome="continue",
                next_date=today,
                recorded_by=user,
            )
        Dialogue.objects.create(
            citizen=citizen, involvement="not_now", ask_again_on=today + timedelta(number), recorded_by=user
        )
        help_change = HelpChange.objects.create(
            citizen=citizen, kind="hospital", category="helbred", changes_on=today, summary="Indlagt.", recorded_by=user
        )
        RelativeTold.objects.create(
            help_change=help_change,
            relative=relative,
            consent=first,
            how="phone",
            told_on=today,
            message="Din mor er indlagt.",
            recorded_by=user,
        )


CITIZEN_PAGE_QUERIES = 14  # 12, the corrections for the history, the changes in the help with how many were told
TASK_LIST_QUERIES = 6


@pytest.mark.parametrize("size", [1, 12])
def test_the_citizen_page_takes_a_fixed_number_of_queries(
    logged_in, caseworker, citizen, size, django_assert_num_queries
):
    fill(citizen, caseworker, size)
    with django_assert_num_queries(CITIZEN_PAGE_QUERIES):
        response = logged_in.get(citizen.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["overview"].relatives) == size
    assert len(response.context["overview"].current_consents) == 2 * size


@pytest.mark.parametrize("size", [1, 8])
def test_the_task_list_takes_a_fixed_number_of_queries(
    logged_in, municipality, unit, caseworker, size, django_assert_num_queries
):
    for _citizen in range(size):
        fill(CitizenFactory(municipality=municipality, units=[unit], created_by=caseworker), caseworker, 2)
    with django_assert_num_queries(TASK_LIST_QUERIES):
        response = logged_in.get(reverse("consent:tasks"))
    # Per citizen: two follow-ups due, two consent reviews, one "ask again".
    assert len(response.context["tasks"]) == 5 * size


# The other pages, each with what it always asks: the session, the user and their roles (3), and then
# its own. The consent and follow-up pages fetch their object and its citizen in one scoped query.
PAGE_QUERIES = {
    "citizens": 6,
    "register": 6,
    "relative-new": 5,
    "dialogue-new": 4,
    "consent-new": 6,
    "disclosure": 6,
    "agreement-new": 5,
    "receipt": 7,
    "fhir": 4,  # the form that asks for the CPR number; the export: tests/test_fhir.py
    "consent-change": 5,
    "consent-revoke": 5,
    "follow-up": 5,
    "audit-log": 7,
}


@pytest.mark.parametrize("size", [1, 6])
@pytest.mark.parametrize("name", PAGE_QUERIES)
def test_every_other_consent_page_takes_a_fixed_number_of_queries(
    client, caseworker, administrator, citizen, size, name, django_assert_num_queries
):
    fill(citizen, caseworker, size)
    consent = rules.current_only(Consent.objects.filter(citizen=citizen)).first()
    agreement = Agreement.objects.filter(citizen=citizen).first()
    pk = {"consent-change": consent.pk, "consent-revoke": consent.pk, "follow-up": agreement.pk}.get(name, citizen.pk)
    url = reverse(f"consent:{name}", args=[] if name in ("citizens", "register") else [pk])
    client.force_login(administrator if name == "audit-log" else caseworker)
    with django_assert_num_queries(PAGE_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200


def test_opening_a_replaced_version_leads_to_the_current_one(logged_in, consent, caseworker):
    newer = ConsentFactory(
        relative=consent.relative, recorded_by=caseworker, supersedes=consent, categories=["helbred"]
    )
    for name in ["consent:consent-change", "consent:consent-revoke"]:
        response = logged_in.get(reverse(name, args=[consent.pk]))
        assert response.status_code == 302 and response["Location"] == reverse(name, args=[newer.pk])


def test_the_pages_work_in_english_too(logged_in, citizen, consent, agreement):
    for url in [citizen.get_absolute_url(), reverse("consent:tasks"), reverse("consent:citizens")]:
        response = logged_in.get("/en" + url)
        assert response.status_code == 200 and '<html lang="en">' in response.text
