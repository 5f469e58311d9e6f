"""The FHIR export: HL7 FHIR R5 (5.0.0) Consent resources in a Bundle of type "collection".

fhir.resources (the R5 models) checks the structure. It does not check codes against their value sets,
reference targets, or the order of a period, so these tests check those too, and that the export
keeps the portal's meaning (which version is in force) and leaks no CPR number or name.
"""

import json
import re
import uuid
from datetime import date

import fhir.resources as fhir_resources
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.bundle import Bundle
from fhir.resources.consent import Consent as FhirConsent

from consent import fhir, rules, services
from consent.models import Citizen, Consent, Relative
from tests.service_helpers import (
    CITIZEN_BIRTH_PART,
    CITIZEN_CPR_DIGITS,
    CITIZEN_NAME,
    add_relative,
    change,
    new_consent,
    record,
    register_citizen,
)

TODAY = date(2025, 6, 1)

# http://hl7.org/fhir/R5/valueset-consent-state-codes.html and valueset-consent-provision-type.html
R5_CONSENT_STATES = {"draft", "active", "inactive", "not-done", "entered-in-error", "unknown"}
R5_DECISIONS = {"permit", "deny"}
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def history(registered_citizen, caseworker):
    """A citizen with one consent version of each kind the export must tell apart."""
    anna = add_relative(registered_citizen, caseworker, "Anna Testesen", phone="20304050")
    bo = add_relative(registered_citizen, caseworker, "Bo Testesen", relation="søn")
    carl = add_relative(registered_citizen, caseworker, "Carl Nabosen", relation="nabo")
    dorte = add_relative(
        registered_citizen, caseworker, "Dorte Fagsen", relation="egen læge", kind=Relative.Kind.PROFESSIONAL
    )
    erik = add_relative(registered_citizen, caseworker, "Erik Testesen", relation="bror")

    first = record(anna, caseworker, categories=["helbred", "behandling"], given_on=date(2025, 3, 1))
    changed = change(
        first,
        caseworker,
        categories=["helbred", "behandling", "oekonomi"],
        given_on=date(2025, 4, 1),
        form=Consent.Form.WRITTEN,
        oral_note="",
        contact=Consent.Contact.CITIZEN_CONTACTS,
        reason="Borgeren ville også have datteren til at hjælpe med økonomien.",
    )
    refusal = record(anna, caseworker, Consent.Decision.REFUSE, ["misbrug"], given_on=date(2025, 3, 1))
    revoked = record(bo, caseworker, categories=["praktiske_forhold"], given_on=date(2025, 1, 10))
    revocation = services.revoke_consent(
        consent=revoked,
        reason="Borgeren er blevet uvenner med sønnen.",
        form="oral",
        acting_user=caseworker,
        on=date(2025, 5, 1),
    )
    expired = record(carl, caseworker, given_on=date(2024, 1, 1), valid_until=date(2024, 12, 31))
    guardian = record(
        dorte,
        caseworker,
        given_on=date(2025, 2, 1),
        grantor=Consent.Grantor.GUARDIAN,
        grantor_document="Familieretshuset j.nr. FR-77-0017",
        form=Consent.Form.WRITTEN,
        oral_note="",
    )
    future = record(
        erik,
        caseworker,
        categories=["sociale_forhold"],
        given_on=date(2025, 5, 20),
        valid_from=date(2025, 7, 1),
        grantor=Consent.Grantor.POWER_OF_ATTORNEY,
        grantor_document="Fremtidsfuldmagt tinglyst FM-2023-55",
    )
    return {
        "first": first,
        "changed": changed,
        "refusal": refusal,
        "revoked": revoked,
        "revocation": revocation,
        "expired": expired,
        "guardian": guardian,
        "future": future,
    }


@pytest.fixture
def bundle(registered_citizen, history):
    return fhir.consents_bundle(registered_citizen, cpr=CITIZEN_CPR_DIGITS, on=TODAY)


def resources_by_version(bundle, history, municipality) -> dict[str, dict]:
    by_id = {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}
    return {name: by_id[fhir.fhir_id(municipality, "consent", version.pk)] for name, version in history.items()}


def test_the_models_are_fhir_r5():
    assert fhir_resources.__fhir_version__ == "5.0.0" == fhir.FHIR_VERSION


def test_bundle_and_every_entry_parse_as_r5_resources(bundle, registered_citizen):
    json.dumps(bundle)  # plain JSON, nothing left for a custom encoder
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection" and bundle["resourceType"] == "Bundle"
    assert len(bundle["entry"]) == Consent.objects.filter(citizen=registered_citizen).count() == 8
    for entry in bundle["entry"]:
        assert entry["resource"]["resourceType"] == "Consent"
        FhirConsent.model_validate(entry["resource"])


def test_status_and_decision_are_codes_of_their_r5_value_sets(bundle):
    for entry in bundle["entry"]:
        assert entry["resource"]["status"] in R5_CONSENT_STATES
        assert entry["resource"]["decision"] in R5_DECISIONS


def test_every_period_starts_before_it_ends(bundle):
    for entry in bundle["entry"]:
        period = entry["resource"]["period"]
        assert "start" in period
        if "end" in period:
            assert date.fromisoformat(period["start"]) <= date.fromisoformat(period["end"])


def test_each_version_is_active_exactly_when_the_portal_counts_it(bundle, history, municipality):
    resources = resources_by_version(bundle, history, municipality)
    assert {name: resource["status"] for name, resource in resources.items()} == {
        "first": "inactive",  # superseded by "changed"
        "changed": "active",
        "refusal": "active",
        "revoked": "inactive",  # superseded by the revocation
        "revocation": "inactive",
        "expired": "inactive",
        "guardian": "active",
        "future": "active",  # to be followed, from period.start
    }
    # The same rule stated with the portal's own notions, for every version.
    versions = list(Consent.objects.all())
    current = {version.pk for version in rules.current_versions(versions)}
    for version in versions:
        status = resources_by_version(bundle, {"v": version}, municipality)["v"]["status"]
        counts = (
            version.pk in current
            and version.decision != Consent.Decision.REVOKED
            and not (version.valid_until and version.valid_until < TODAY)
        )
        assert status == ("active" if counts else "inactive"), version


def test_confidentiality_is_the_default_and_each_decision_an_exception_to_it(bundle, history, municipality):
    """R5: `decision` is the default, a provision an exception, a nested provision an exception to that."""
    resources = resources_by_version(bundle, history, municipality)
    assert {resource["decision"] for resource in resources.values()} == {"deny"}
    (permission,) = resources["changed"]["provision"]
    assert "provision" not in permission  # the exception: permit these kinds to this relative
    (refusal,) = resources["refusal"]["provision"]
    (denied_again,) = refusal["provision"]  # the exception's exception: explicitly denied
    assert denied_again["actor"] == refusal["actor"]
    revocation = resources["revocation"]
    assert (revocation["status"], revocation["decision"]) == ("inactive", "deny")
    assert {"url": fhir.EXT_REVOCATION, "valueBoolean": True} in revocation["extension"]
    assert revocation["period"] == {"start": "2025-05-01"}
    assert labels(revocation) == ["praktiske_forhold"]  # what it revokes
    assert "provision" in revocation["provision"][0]


def recorded_before_the_rule(consent: Consent, by) -> Consent:
    """A permission about a relative under 18, as the database may hold one from before the service refused them."""
    consent.recorded_by = by
    consent.save()
    return consent


def test_a_permission_for_a_relative_under_18_is_exported_as_the_rules_answer_it(
    registered_citizen, caseworker, municipality
):
    minor = add_relative(registered_citizen, caseworker, "Mia Testesen", relation="barnebarn", is_minor=True)
    version = recorded_before_the_rule(
        new_consent(minor, categories=["helbred"], valid_until=date(2026, 3, 1)), caseworker
    )
    resource = resources_by_version(
        fhir.consents_bundle(registered_citizen, cpr=CITIZEN_CPR_DIGITS, on=TODAY), {"v": version}, municipality
    )["v"]
    (provision,) = resource["provision"]
    assert "provision" in provision  # denied: "Må jeg oplyse?" never tells a relative under 18


def test_a_new_version_points_at_the_version_it_replaces_inside_the_bundle(bundle, history, municipality):
    resources = resources_by_version(bundle, history, municipality)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for new, old in [("changed", "first"), ("revocation", "revoked")]:
        replaces = [e for e in resources[new]["extension"] if e["url"] == fhir.EXT_REPLACES]
        assert replaces == [
            {"url": fhir.EXT_REPLACES, "valueReference": {"reference": f"urn:uuid:{resources[old]['id']}"}}
        ]
        assert replaces[0]["valueReference"]["reference"] in full_urls
    assert not [e for e in resources["first"]["extension"] if e["url"] == fhir.EXT_REPLACES]


def test_ids_are_unique_stable_uuids(bundle, registered_citizen, history, municipality):
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert len(set(ids)) == len(ids)
    for entry in bundle["entry"]:
        assert str(uuid.UUID(entry["resource"]["id"])) == entry["resource"]["id"]
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    version = history["changed"]
    expected = uuid.uuid5(fhir.ID_NAMESPACE, f"{municipality.slug}:consent:{version.pk}")
    assert str(expected) in ids
    assert [
        entry["resource"]["id"]
        for entry in fhir.consents_bundle(registered_citizen, cpr=CITIZEN_CPR_DIGITS, on=TODAY)["entry"]
    ] == ids


def test_the_cpr_number_is_only_the_subjects_identifier_and_no_name_is_anywhere(bundle, registered_citizen):
    text = json.dumps(bundle, ensure_ascii=False)
    for entry in bundle["entry"]:
        identifier = entry["resource"]["subject"]["identifier"]
        assert identifier == {"system": fhir.CPR_SYSTEM, "value": CITIZEN_CPR_DIGITS}
    as_identifier = json.dumps({"system": fhir.CPR_SYSTEM, "value": CITIZEN_CPR_DIGITS})
    assert text.count(CITIZEN_CPR_DIGITS) == text.count(as_identifier) >= len(bundle["entry"])
    without_ids_and_time = UUID_PATTERN.sub("", text.replace(CITIZEN_CPR_DIGITS, "")).replace(bundle["timestamp"], "")
    for secret in [CITIZEN_BIRTH_PART, CITIZEN_CPR_DIGITS[6:], "1975-12-24", "24.12.1975"]:
        assert secret not in without_ids_and_time
    names = [CITIZEN_NAME, *Relative.objects.filter(citizen=registered_citizen).values_list("name", flat=True)]
    for name in names:
        for part in name.split():
            assert not re.search(rf"\b{re.escape(part)}\b", text), part
    for private in ["20304050", "uvenner", "økonomien", "sagde ja"]:  # a phone number, reasons, an oral note
        assert private not in text
    assert registered_citizen.cpr_digest not in text


def test_subject_grantor_and_controller(bundle, history, municipality, registered_citizen):
    resources = resources_by_version(bundle, history, municipality)
    patient = f"Patient/{fhir.fhir_id(municipality, 'citizen', registered_citizen.pk)}"
    organization = {
        "type": "Organization",
        "identifier": {"system": fhir.KOMMUNEKODE_SYSTEM, "value": municipality.kommunekode},
        "display": municipality.name,
    }
    for resource in resources.values():
        assert resource["subject"] == {
            "reference": patient,
            "type": "Patient",
            "identifier": {"system": fhir.CPR_SYSTEM, "value": CITIZEN_CPR_DIGITS},
        }
        assert resource["controller"] == [organization]
        assert resource["date"]
    assert resources["changed"]["grantor"] == [resources["changed"]["subject"]]
    assert "contained" not in resources["changed"]

    for name, code, role, document in [
        ("guardian", "GUARD", "Værge", "Familieretshuset j.nr. FR-77-0017"),
        ("future", "DPOWATT", "Fremtidsfuldmægtig", "Fremtidsfuldmagt tinglyst FM-2023-55"),
    ]:
        resource = resources[name]
        assert resource["grantor"] == [{"reference": "#grantor", "type": "RelatedPerson", "display": role}]
        (representative,) = resource["contained"]
        assert representative["resourceType"] == "RelatedPerson" and representative["id"] == "grantor"
        assert representative["patient"] == resource["subject"]
        assert representative["relationship"][0]["coding"][0]["code"] == code
        assert representative["identifier"] == [{"system": fhir.GRANTOR_DOCUMENT_SYSTEM, "value": document}]


def labels(resource) -> list[str]:
    (provision,) = resource["provision"]
    assert {coding["system"] for coding in provision["securityLabel"]} == {fhir.CATEGORY_SYSTEM}
    return [coding["code"] for coding in provision["securityLabel"]]


def test_provision_names_the_relative_the_kinds_of_information_and_contact(bundle, history, municipality):
    resources = resources_by_version(bundle, history, municipality)
    for name, version in history.items():
        resource = resources[name]
        assert labels(resource) == version.categories
        (provision,) = resource["provision"]
        (actor,) = provision["actor"]
        assert actor["role"]["coding"][0]["code"] == "IRCP"
        kind = "Practitioner" if version.relative.kind == Relative.Kind.PROFESSIONAL else "RelatedPerson"
        assert actor["reference"] == {
            "reference": f"{kind}/{fhir.fhir_id(municipality, 'relative', version.relative_id)}",
            "type": kind,
        }
        assert provision["action"][0]["coding"][0]["code"] == "disclose"
    contact = {
        name: [e["valueBoolean"] for e in resource["provision"][0].get("extension", [])]
        for name, resource in resources.items()
    }
    assert contact["first"] == [True] and contact["changed"] == [False]  # staff may contact / citizen contacts
    assert contact["refusal"] == [] and contact["revocation"] == []
    forms = {
        name: [e["valueCode"] for e in r["extension"] if e["url"] == fhir.EXT_FORM] for name, r in resources.items()
    }
    assert forms["first"] == ["oral"] and forms["changed"] == ["written"]


def test_every_category_has_a_display_in_the_local_code_system():
    from consent.models import InformationCategory

    assert set(fhir.CATEGORY_DISPLAY) == set(InformationCategory.values)


def test_a_citizen_without_consents_gives_an_empty_valid_bundle(municipality, caseworker):
    lonely = register_citizen(municipality, caseworker, name="Lone Testesen", cpr="010150-1234")
    bundle = fhir.consents_bundle(lonely, cpr="0101501234", on=TODAY)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection" and "entry" not in bundle


def test_the_export_takes_a_fixed_number_of_queries(municipality, caseworker, registered_citizen, history):
    other = register_citizen(municipality, caseworker, name="Ole Testesen", cpr="010150-1234")
    record(add_relative(other, caseworker, "Olga Testesen"), caseworker)
    counts = []
    for person in (other, registered_citizen):  # 1 version and 8 versions
        fresh = Citizen.objects.get(pk=person.pk)
        with CaptureQueriesContext(connection) as queries:
            fhir.consents_bundle(fresh, cpr=CITIZEN_CPR_DIGITS, on=TODAY)
        counts.append(len(queries))
    assert counts == [2, 2]  # the municipality, the versions with their relatives


def test_an_invalid_structure_fails_when_the_bundle_is_built(registered_citizen, history, monkeypatch):
    from pydantic import ValidationError

    monkeypatch.setitem(fhir.CATEGORY_DISPLAY, "helbred", 42)  # a display must be a string
    with pytest.raises(ValidationError):
        fhir.consents_bundle(registered_citizen, cpr=CITIZEN_CPR_DIGITS, on=TODAY)


# --- A receiver's reading: a small, generic R5 evaluator -------------------------------------------------


def in_period(period: dict, on: date) -> bool:
    start, end = period.get("start"), period.get("end")
    return (start is None or date.fromisoformat(start) <= on) and (end is None or on <= date.fromisoformat(end))


def provision_matches(provision: dict, *, actor: str, action: str, data_class: str, on: date) -> bool:
    """A provision applies when every criterion it states matches the request (a missing one matches all)."""
    if "actor" in provision and actor not in [a["reference"]["reference"] for a in provision["actor"]]:
        return False
    if "action" in provision and action not in [c["code"] for cc in provision["action"] for c in cc["coding"]]:
        return False
    if "securityLabel" in provision and data_class not in [c["code"] for c in provision["securityLabel"]]:
        return False
    return "period" not in provision or in_period(provision["period"], on)


def evaluate(consent: dict, *, patient: str, actor: str, action: str, data_class: str, on: date):
    """R5: (decision, explicit) for one active Consent in its period; None when it does not apply at all.

    The decision is the default; each level of matching provisions is an exception to the level above it.
    """
    if consent["status"] != "active" or consent["subject"]["identifier"]["value"] != patient:
        return None
    if not in_period(consent.get("period", {}), on):
        return None
    decision, explicit, level = consent["decision"], False, consent.get("provision", [])
    while matching := [
        p for p in level if provision_matches(p, actor=actor, action=action, data_class=data_class, on=on)
    ]:
        decision, explicit = ("deny" if decision == "permit" else "permit"), True
        level = [child for p in matching for child in p.get("provision", [])]
    return decision, explicit


def receiver_says(bundle: dict, **request) -> bool:
    """Combining a citizen's consents: an explicit deny wins, then an explicit permit; else the default, deny."""
    results = [evaluate(entry["resource"], **request) for entry in bundle.get("entry", [])]
    explicit = {decision for result in results if result and result[1] for decision in [result[0]]}
    return "deny" not in explicit and "permit" in explicit


def test_a_receiver_evaluating_the_export_gets_the_same_answers_as_may_i_tell(
    registered_citizen, caseworker, history, municipality
):
    """Every relative × every kind of information × a few days: the R5 reading and "Må jeg oplyse?" agree."""
    anna = history["first"].relative
    record(anna, caseworker, Consent.Decision.REFUSE, ["behandling"], given_on=date(2025, 5, 1))  # over a permit
    minor = add_relative(registered_citizen, caseworker, "Mia Testesen", relation="barnebarn", is_minor=True)
    recorded_before_the_rule(
        new_consent(minor, categories=["helbred", "praktiske_forhold"], valid_until=date(2026, 3, 1)), caseworker
    )
    add_relative(registered_citizen, caseworker, "Finn Testesen", relation="fætter")  # no consent at all
    relatives = list(Relative.objects.filter(citizen=registered_citizen))
    days = [date(2024, 6, 1), date(2025, 3, 15), date(2025, 4, 15), TODAY, date(2025, 7, 15), date(2026, 6, 1)]
    compared, allowed = 0, 0
    for day in days:
        bundle = fhir.consents_bundle(registered_citizen, cpr=CITIZEN_CPR_DIGITS, on=day)
        for relative in relatives:
            consents = list(Consent.objects.filter(relative=relative))
            kind = "Practitioner" if relative.kind == Relative.Kind.PROFESSIONAL else "RelatedPerson"
            actor = f"{kind}/{fhir.fhir_id(municipality, 'relative', relative.pk)}"
            for category in fhir.CATEGORY_DISPLAY:
                answer = rules.may_disclose(relative=relative, category=category, on=day, consents=consents)
                receiver = receiver_says(
                    bundle, patient=CITIZEN_CPR_DIGITS, actor=actor, action="disclose", data_class=category, on=day
                )
                assert receiver is answer.allowed, (day, relative.name, category, answer.code)
                compared += 1
                allowed += answer.allowed
    assert compared == len(days) * len(relatives) * 7
    assert 0 < allowed < compared  # both answers occur, so the comparison can fail
