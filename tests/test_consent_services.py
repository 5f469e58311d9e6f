"""consent.services: every write with its audit event in one transaction, append-only history, concurrent saves.

The append-only and concurrency tests assert what holds for the database they run on: PostgreSQL refuses
UPDATE and DELETE itself (triggers) and runs the two caseworkers' transactions really at once; SQLite relies
on the models' refusal and serialises writers, so there the two saves run one after the other.
"""

import json
import threading
import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from consent import rules, services
from consent.models import Agreement, AuditEvent, Citizen, Consent, Dialogue, FollowUp, Relative
from portal.errors import DuplicateError, RuleViolation, StaleVersion
from portal.roles import Role
from tests.factories import StaffFactory, UnitFactory
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

Event = AuditEvent.Event
RELATIVE_NAME = "Anna Testesen"
OTHER_CPR = "150560-2468"


@pytest.fixture
def anna(registered_citizen, caseworker):
    return add_relative(registered_citizen, caseworker, RELATIVE_NAME, phone="20304050", email="anna@example.dk")


@pytest.fixture
def recorded_consent(anna, caseworker):
    return record(anna, caseworker, categories=["helbred", "behandling"])


@pytest.fixture
def recorded_agreement(registered_citizen, caseworker, anna):
    return services.record_agreement(
        citizen=registered_citizen,
        agreement=Agreement(
            description="Anna ringer hver søndag.",
            responsible=Agreement.Party.RELATIVE,
            relative=anna,
            follow_up_every_days=30,
            next_follow_up=date(2025, 7, 1),
        ),
        acting_user=caseworker,
    )


def follow_up(next_date: date = date(2025, 8, 1), outcome: str = FollowUp.Outcome.CONTINUE) -> FollowUp:
    return FollowUp(held_on=date(2025, 7, 1), outcome=outcome, note="Det går godt.", next_date=next_date)


# Each service, what it writes, the audit event it must write, and the ids its payload carries.
SERVICES = {
    "register_citizen": (
        lambda w: services.register_citizen(
            municipality=w["municipality"], name="Ole Testesen", cpr=OTHER_CPR, units=[], acting_user=w["user"]
        ),
        Citizen,
        Event.CITIZEN_REGISTERED,
        {"citizen_id"},
    ),
    "record_view": (
        lambda w: services.record_view(citizen=w["citizen"], acting_user=w["user"]),
        None,
        Event.CITIZEN_VIEWED,
        {"citizen_id"},
    ),
    "add_relative": (
        lambda w: services.add_relative(
            citizen=w["citizen"], relative=Relative(name="Bo Testesen", relation="søn"), acting_user=w["user"]
        ),
        Relative,
        Event.RELATIVE_ADDED,
        {"relative_id"},
    ),
    "record_dialogue": (
        lambda w: services.record_dialogue(
            citizen=w["citizen"],
            dialogue=Dialogue(held_on=date(2025, 3, 1), involvement=Dialogue.Involvement.YES),
            acting_user=w["user"],
        ),
        Dialogue,
        Event.DIALOGUE_RECORDED,
        {"dialogue_id"},
    ),
    "record_consent": (
        lambda w: record(w["anna"], w["user"], categories=["oekonomi"]),
        Consent,
        Event.CONSENT_RECORDED,
        {"consent_id", "supersedes_id", "relative_id"},
    ),
    "record_consent (change)": (
        lambda w: change(w["consent"], w["user"], categories=["helbred"], given_on=date(2025, 4, 1)),
        Consent,
        Event.CONSENT_CHANGED,
        {"consent_id", "supersedes_id", "relative_id"},
    ),
    "revoke_consent": (
        lambda w: services.revoke_consent(
            consent=w["consent"], reason="Ombestemt.", form="oral", acting_user=w["user"]
        ),
        Consent,
        Event.CONSENT_REVOKED,
        {"consent_id", "supersedes_id", "relative_id"},
    ),
    "check_disclosure": (
        lambda w: services.check_disclosure(
            citizen=w["citizen"], relative=w["anna"], category="helbred", acting_user=w["user"], on=date(2025, 6, 1)
        ),
        None,
        Event.DISCLOSURE_CHECKED,
        {"relative_id", "category", "answer", "consent_id"},
    ),
    "record_agreement": (
        lambda w: services.record_agreement(
            citizen=w["citizen"],
            agreement=Agreement(
                description="Personalet ringer til Anna.",
                responsible=Agreement.Party.STAFF,
                follow_up_every_days=14,
                next_follow_up=date(2025, 7, 1),
            ),
            acting_user=w["user"],
        ),
        Agreement,
        Event.AGREEMENT_RECORDED,
        {"agreement_id"},
    ),
    "record_follow_up": (
        lambda w: services.record_follow_up(
            agreement=w["agreement"], follow_up=follow_up(), loaded_version=1, acting_user=w["user"]
        ),
        FollowUp,
        Event.FOLLOW_UP_RECORDED,
        {"agreement_id", "follow_up_id"},
    ),
}


@pytest.fixture
def services_world(municipality, caseworker, registered_citizen, anna, recorded_consent, recorded_agreement):
    return {
        "municipality": municipality,
        "user": caseworker,
        "citizen": registered_citizen,
        "anna": anna,
        "consent": recorded_consent,
        "agreement": recorded_agreement,
    }


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_writes_exactly_one_audit_event_with_ids_only(name, services_world):
    call, _model, event, keys = SERVICES[name]
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    call(services_world)
    (new_event,) = AuditEvent.objects.exclude(pk__in=before)
    assert new_event.event == event
    assert new_event.actor == services_world["user"] and new_event.municipality == services_world["municipality"]
    assert set(new_event.payload) == keys
    for key, value in new_event.payload.items():
        if key in {"category", "answer"}:
            assert isinstance(value, str) and value.isidentifier()  # a code, e.g. "helbred", "permitted"
        else:
            assert value is None or isinstance(value, int), (key, value)
    text = json.dumps(new_event.payload, ensure_ascii=False)
    for personal in [CITIZEN_NAME, RELATIVE_NAME, "Ole", "Bo", "Anna", "Sara", "20304050", "anna@example.dk"]:
        assert personal not in text
    for cpr in [CITIZEN_CPR_DIGITS, CITIZEN_BIRTH_PART, OTHER_CPR, OTHER_CPR.replace("-", ""), OTHER_CPR[:6]]:
        assert cpr not in text
    assert services_world["citizen"].cpr_digest not in text


@pytest.mark.parametrize("name", [name for name, (_c, model, _e, _k) in SERVICES.items() if model is not None])
def test_a_failing_audit_event_undoes_the_services_write(name, services_world, monkeypatch):
    """The write and its audit event share one transaction: no write stays without its event."""
    call, model, _event, _keys = SERVICES[name]
    rows, events, version = model.objects.count(), AuditEvent.objects.count(), services_world["agreement"].version

    def fail(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "log", fail)
    with pytest.raises(RuntimeError):
        call(services_world)
    assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)
    assert Agreement.objects.get(pk=services_world["agreement"].pk).version == version


def test_searching_by_cpr_finds_the_citizen_and_logs_only_the_citizen_found(services_world):
    """The search writes one "citizen.found" per citizen it shows, and nothing when it finds nobody."""
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    result = services.search_citizens(query=CITIZEN_CPR_DIGITS, acting_user=services_world["user"])
    assert (result.citizens, result.too_many, result.by_cpr) == ([services_world["citizen"]], False, True)
    (found,) = AuditEvent.objects.exclude(pk__in=before)
    assert (found.event, found.citizen, found.actor) == (
        Event.CITIZEN_FOUND,
        services_world["citizen"],
        services_world["user"],
    )
    assert found.payload == {"citizen_id": services_world["citizen"].pk}
    events = AuditEvent.objects.count()
    assert services.search_citizens(query=OTHER_CPR, acting_user=services_world["user"]).citizens == []
    assert AuditEvent.objects.count() == events


def test_a_name_search_shows_at_most_25_citizens_logs_each_and_says_there_are_more(municipality, caseworker):
    for number in range(services.MAX_SEARCH_RESULTS + 1):
        letter = chr(ord("A") + number)
        register_citizen(municipality, caseworker, name=f"Borger {letter}", cpr=f"0101{50 + number}-1234", units=[])
    # In no unit yet: the caseworker sees none of them.
    assert services.search_citizens(query="Borger", acting_user=caseworker).citizens == []
    for citizen in Citizen.objects.all():
        citizen.units.set(caseworker.units.all())
    before = AuditEvent.objects.count()
    result = services.search_citizens(query="borger", acting_user=caseworker)
    assert len(result.citizens) == services.MAX_SEARCH_RESULTS == 25
    assert result.too_many and not result.by_cpr
    found = AuditEvent.objects.filter(event=Event.CITIZEN_FOUND).order_by("pk")
    assert AuditEvent.objects.count() == before + 25 == before + found.count()
    assert sorted(event.citizen_id for event in found) == sorted(citizen.pk for citizen in result.citizens)
    narrower = services.search_citizens(query="Borger Q", acting_user=caseworker)
    assert ([citizen.name for citizen in narrower.citizens], narrower.too_many) == (["Borger Q"], False)


@pytest.mark.parametrize(
    ("query", "code"), [("B", None), ("320190-1234", "cpr_date"), ("12345", "cpr_format"), ("1 Borger", "cpr_format")]
)
def test_a_search_the_rules_refuse_is_a_rule_violation_at_the_query_and_logs_nothing(services_world, query, code):
    events = AuditEvent.objects.count()
    with translation.override("da"), pytest.raises(RuleViolation) as error:
        services.search_citizens(query=query, acting_user=services_world["user"])
    (problem,) = error.value.error_dict["query"]
    assert problem.code == code
    assert_in_danish(problem)
    assert AuditEvent.objects.count() == events


def assert_in_danish(problem: ValidationError) -> None:
    """The message reads differently in Danish than in English: the catalogue has it."""
    with translation.override("en"):
        english = str(problem.message)
    with translation.override("da"):
        danish = str(problem.message)
    assert danish and danish != english, english


def test_an_audit_event_cannot_be_changed_or_deleted_through_the_model(services_world):
    event = AuditEvent.objects.filter(citizen=services_world["citizen"]).first()
    original = (event.event, event.payload)
    event.payload = {"citizen_id": 0}
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    event.refresh_from_db()
    assert (event.event, event.payload) == original


def test_a_consent_version_cannot_be_changed_or_deleted_through_the_model(recorded_consent):
    recorded_consent.categories = ["helbred", "behandling", "oekonomi"]
    with pytest.raises(ValidationError):
        recorded_consent.save()
    with pytest.raises(ValidationError):
        recorded_consent.delete()
    recorded_consent.refresh_from_db()
    assert recorded_consent.categories == ["helbred", "behandling"]


@pytest.mark.parametrize("table", ["consent_auditevent", "consent_consent"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id WHERE id = %s", "DELETE FROM {table} WHERE id = %s"])
def test_the_database_refuses_update_and_delete_of_append_only_rows(table, statement, services_world):
    """On PostgreSQL the database refuses raw SQL; SQLite, without triggers, relies on the models' refusal."""
    row = (
        (AuditEvent if table == "consent_auditevent" else Consent)
        .objects.filter(citizen=services_world["citizen"])
        .first()
    )
    if connection.vendor == "postgresql":
        with (
            pytest.raises(DatabaseError, match=f"{table} is append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(table=table), [row.pk])
        assert type(row).objects.filter(pk=row.pk).exists()
    else:
        with pytest.raises(ValidationError):
            row.delete() if statement.startswith("DELETE") else row.save()
        assert type(row).objects.filter(pk=row.pk).exists()


def raw_row(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM consent_consent WHERE id = %s", [pk])
        return cursor.fetchone()


def test_a_change_and_a_revocation_leave_the_old_version_exactly_as_it_was(recorded_consent, caseworker):
    before = raw_row(recorded_consent.pk)
    changed = change(recorded_consent, caseworker, categories=["helbred"], given_on=date(2025, 4, 1))
    assert raw_row(recorded_consent.pk) == before
    changed_before = raw_row(changed.pk)
    services.revoke_consent(consent=changed, reason="Ombestemt.", form="written", acting_user=caseworker)
    assert (raw_row(recorded_consent.pk), raw_row(changed.pk)) == (before, changed_before)
    assert Consent.objects.get(pk=recorded_consent.pk).superseded_by == changed


def test_a_version_already_replaced_cannot_be_replaced_again(recorded_consent, caseworker):
    change(recorded_consent, caseworker, categories=["helbred"], given_on=date(2025, 4, 1))
    with pytest.raises(StaleVersion):
        change(recorded_consent, caseworker, categories=["oekonomi"], given_on=date(2025, 4, 2))
    with pytest.raises(StaleVersion):
        services.revoke_consent(consent=recorded_consent, reason="Ombestemt.", form="oral", acting_user=caseworker)
    assert Consent.objects.count() == 2


def test_a_consent_the_rules_refuse_is_not_saved_and_not_logged(anna, caseworker):
    rows, events = Consent.objects.count(), AuditEvent.objects.count()
    with pytest.raises(RuleViolation) as error:
        services.record_consent(consent=new_consent(anna, oral_note=""), acting_user=caseworker)
    assert "oral_note" in error.value.message_dict
    assert (Consent.objects.count(), AuditEvent.objects.count()) == (rows, events)


def test_registering_a_cpr_number_again_raises_duplicate_citizen_and_saves_nothing(
    municipality, other_municipality, caseworker, registered_citizen
):
    rows, events = Citizen.objects.count(), AuditEvent.objects.count()
    for cpr in [CITIZEN_CPR_DIGITS, f"{CITIZEN_CPR_DIGITS[:6]}-{CITIZEN_CPR_DIGITS[6:]}"]:
        with pytest.raises(services.DuplicateCitizen) as error:
            register_citizen(municipality, caseworker, name="Karen Igen", cpr=cpr, units=caseworker.units.all())
        assert isinstance(error.value, DuplicateError) and error.value.field == "cpr"
    assert (Citizen.objects.count(), AuditEvent.objects.count()) == (rows, events)
    # The number is unique within a municipality: another municipality may register the same person.
    elsewhere = StaffFactory(
        municipality=other_municipality, roles=[Role.CASEWORKER], units=[UnitFactory(municipality=other_municipality)]
    )
    assert register_citizen(other_municipality, elsewhere, cpr=CITIZEN_CPR_DIGITS).municipality == other_municipality


@pytest.mark.parametrize(("cpr", "code"), [("320190-1234", "cpr_date"), ("12345", "cpr_format")])
def test_registering_with_a_cpr_number_that_is_none_is_a_rule_violation_at_the_cpr_field(
    municipality, caseworker, cpr, code
):
    with translation.override("da"), pytest.raises(RuleViolation) as error:
        register_citizen(municipality, caseworker, cpr=cpr)
    (problem,) = error.value.error_dict["cpr"]
    assert problem.code == code
    assert_in_danish(problem)
    assert not Citizen.objects.exists() and not AuditEvent.objects.exists()


def test_a_caseworker_cannot_register_a_citizen_in_a_unit_not_their_own(municipality, caseworker):
    other_unit = UnitFactory(municipality=municipality)
    with translation.override("da"), pytest.raises(RuleViolation) as error:
        register_citizen(municipality, caseworker, units=[*caseworker.units.all(), other_unit])
    assert list(error.value.error_dict) == ["units"]
    assert_in_danish(error.value.error_dict["units"][0])
    assert not Citizen.objects.exists()


def vars_of(recorded_consent: Consent) -> dict:
    """The field values of an unsaved consent, to build one that differs in a field."""
    return {field.attname: getattr(recorded_consent, field.attname) for field in Consent._meta.concrete_fields}


# Each rule a service checks, the field its message goes to, and the record it would have written.
RULES = {
    "a dialogue answered “not now” without a date to ask again": (
        lambda w: services.record_dialogue(
            citizen=w["citizen"],
            dialogue=Dialogue(held_on=date(2025, 3, 1), involvement=Dialogue.Involvement.NOT_NOW),
            acting_user=w["user"],
        ),
        "ask_again_on",
        Dialogue,
    ),
    "a date to ask again before the dialogue": (
        lambda w: services.record_dialogue(
            citizen=w["citizen"],
            dialogue=Dialogue(
                held_on=date(2025, 3, 1), involvement=Dialogue.Involvement.YES, ask_again_on=date(2025, 2, 1)
            ),
            acting_user=w["user"],
        ),
        "ask_again_on",
        Dialogue,
    ),
    "an agreement a relative carries out without naming the relative": (
        lambda w: services.record_agreement(
            citizen=w["citizen"],
            agreement=Agreement(
                description="Datteren ringer.",
                responsible=Agreement.Party.RELATIVE,
                follow_up_every_days=7,
                next_follow_up=date(2025, 7, 1),
            ),
            acting_user=w["user"],
        ),
        "relative",
        Agreement,
    ),
    "an agreement naming another citizen's relative": (
        lambda w: services.record_agreement(
            citizen=w["citizen"],
            agreement=Agreement(
                description="Naboen ringer.",
                responsible=Agreement.Party.RELATIVE,
                relative=w["strangers_relative"],
                follow_up_every_days=7,
                next_follow_up=date(2025, 7, 1),
            ),
            acting_user=w["user"],
        ),
        "relative",
        Agreement,
    ),
    "a follow-up that continues without a next date": (
        lambda w: services.record_follow_up(
            agreement=w["agreement"], follow_up=follow_up(next_date=None), loaded_version=1, acting_user=w["user"]
        ),
        "next_date",
        FollowUp,
    ),
    "a next follow-up before this one": (
        lambda w: services.record_follow_up(
            agreement=w["agreement"],
            follow_up=follow_up(next_date=date(2025, 6, 1)),
            loaded_version=1,
            acting_user=w["user"],
        ),
        "next_date",
        FollowUp,
    ),
    "a consent about another citizen's relative": (
        lambda w: services.record_consent(
            consent=Consent(**{**vars_of(new_consent(w["strangers_relative"])), "citizen_id": w["citizen"].pk}),
            acting_user=w["user"],
        ),
        "relative",
        Consent,
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_a_record_a_rule_refuses_is_a_rule_violation_in_danish_at_its_field_and_nothing_is_written(
    rule, services_world, municipality, caseworker
):
    stranger = register_citizen(municipality, caseworker, name="Anden Borger", cpr=OTHER_CPR)
    services_world["strangers_relative"] = add_relative(stranger, caseworker, "Naboens Datter")
    call, field, model = RULES[rule]
    rows, events, version = model.objects.count(), AuditEvent.objects.count(), services_world["agreement"].version
    with translation.override("da"), pytest.raises(RuleViolation) as error:
        call(services_world)
    assert list(error.value.error_dict) == [field]
    for problem in error.value.error_dict[field]:
        assert_in_danish(problem)
    assert (model.objects.count(), AuditEvent.objects.count()) == (rows, events)
    assert Agreement.objects.get(pk=services_world["agreement"].pk).version == version


def test_a_revocation_cannot_be_revoked_and_nothing_is_written(recorded_consent, caseworker):
    revocation = services.revoke_consent(
        consent=recorded_consent, reason="Ombestemt.", form="oral", acting_user=caseworker
    )
    rows, events = Consent.objects.count(), AuditEvent.objects.count()
    with translation.override("da"), pytest.raises(RuleViolation) as error:
        services.revoke_consent(consent=revocation, reason="Igen.", form="oral", acting_user=caseworker)
    (problem,) = error.value.error_dict["__all__"]
    assert_in_danish(problem)
    assert (Consent.objects.count(), AuditEvent.objects.count()) == (rows, events)


def test_a_permission_without_end_date_gets_the_one_year_default(anna, caseworker):
    consent = record(anna, caseworker, given_on=date(2025, 3, 1))
    assert consent.valid_until == rules.default_valid_until(date(2025, 3, 1))


# --- two caseworkers at once ------------------------------------------------------------------------


def run_at_once(*jobs):
    """Run each job's read, then its save, as if by different caseworkers at the same moment.

    A job is (read, save): read() loads what the caseworker sees, save(loaded) saves their change. On
    PostgreSQL each job runs in its own thread with its own connection, and a barrier makes every read
    happen before any save. SQLite serialises writers, so there all reads run, then the saves in order.
    Returns each job's outcome: ("saved", result), ("stale", None) or ("duplicate", None).
    """

    def attempt(save, loaded):
        try:
            return ("saved", save(loaded))
        except (StaleVersion, DuplicateError) as refusal:
            return ("stale" if isinstance(refusal, StaleVersion) else "duplicate", None)

    if connection.vendor != "postgresql":
        loaded = [read() for read, _save in jobs]
        return [attempt(save, state) for (_read, save), state in zip(jobs, loaded, strict=True)]

    from django.db import connections

    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(index, read, save):
        try:
            loaded = read()
            barrier.wait(timeout=10)
            outcomes[index] = attempt(save, loaded)
        except BaseException as error:  # handed to the test's thread below
            barrier.abort()
            outcomes[index] = ("error", error)
        finally:
            connections.close_all()  # this thread's connections only

    threads = [threading.Thread(target=run, args=(i, read, save)) for i, (read, save) in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    for outcome in outcomes:
        if outcome[0] == "error":
            raise outcome[1]
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_changing_the_same_consent_at_once_save_exactly_one_new_version(municipality):
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )
    citizen = register_citizen(municipality, first, units=[unit])
    anna = add_relative(citizen, first, RELATIVE_NAME)
    old = record(anna, first, categories=["helbred"])
    old_row = raw_row(old.pk)

    def job(user, categories):
        def read():
            return Consent.objects.get(pk=old.pk)

        def save(loaded):
            return change(loaded, user, categories=categories, given_on=date(2025, 4, 1))

        return read, save

    outcomes = run_at_once(job(first, ["helbred", "behandling"]), job(second, ["helbred", "oekonomi"]))

    assert sorted(kind for kind, _result in outcomes) == ["saved", "stale"]
    (new,) = [result for kind, result in outcomes if kind == "saved"]
    assert sorted(Consent.objects.filter(citizen=citizen).values_list("pk", flat=True)) == sorted([old.pk, new.pk])
    assert Consent.objects.get(pk=new.pk).supersedes_id == old.pk
    assert raw_row(old.pk) == old_row
    changes = AuditEvent.objects.filter(citizen=citizen, event=Event.CONSENT_CHANGED)
    assert [event.payload for event in changes] == [
        {"consent_id": new.pk, "supersedes_id": old.pk, "relative_id": anna.pk}
    ]
    assert AuditEvent.objects.filter(citizen=citizen, event=Event.CONSENT_RECORDED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_follow_ups_on_the_same_loaded_version_save_exactly_one(municipality):
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )
    citizen = register_citizen(municipality, first, units=[unit])
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=Agreement(
            description="Personalet ringer hver måned.",
            responsible=Agreement.Party.STAFF,
            follow_up_every_days=30,
            next_follow_up=date(2025, 7, 1),
        ),
        acting_user=first,
    )

    def job(user, next_date):
        def read():
            return Agreement.objects.get(pk=agreement.pk)

        def save(loaded):
            return services.record_follow_up(
                agreement=loaded, follow_up=follow_up(next_date), loaded_version=loaded.version, acting_user=user
            )

        return read, save

    dates = [date(2025, 8, 1), date(2025, 8, 1) + timedelta(days=14)]
    outcomes = run_at_once(job(first, dates[0]), job(second, dates[1]))

    assert sorted(kind for kind, _result in outcomes) == ["saved", "stale"]
    (winner,) = [result for kind, result in outcomes if kind == "saved"]
    assert list(FollowUp.objects.values_list("pk", flat=True)) == [winner.pk]
    agreement.refresh_from_db()
    assert (agreement.version, agreement.next_follow_up) == (2, winner.next_date)
    logged = AuditEvent.objects.filter(citizen=citizen, event=Event.FOLLOW_UP_RECORDED)
    assert [event.payload for event in logged] == [{"agreement_id": agreement.pk, "follow_up_id": winner.pk}]


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_registering_the_same_cpr_number_at_once_register_one_citizen(municipality):
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )

    def job(user, name):
        def save(_loaded):
            return register_citizen(municipality, user, name=name, cpr=OTHER_CPR, units=[unit])

        return (lambda: None), save

    outcomes = run_at_once(job(first, "Ole Testesen"), job(second, "Ole Testesen igen"))

    assert sorted(kind for kind, _result in outcomes) == ["duplicate", "saved"]
    (citizen,) = [result for kind, result in outcomes if kind == "saved"]
    assert list(Citizen.objects.values_list("pk", flat=True)) == [citizen.pk]
    assert [event.payload for event in AuditEvent.objects.filter(event=Event.CITIZEN_REGISTERED)] == [
        {"citizen_id": citizen.pk}
    ]


def first_writer_waits_for_the_second(monkeypatch):
    """On PostgreSQL: the first save to reach its audit event (inside its transaction) waits there until the other
    connection is blocked on a lock, so the second save surely starts while the first is not yet committed."""
    if connection.vendor != "postgresql":
        return
    real_log, first = services.log, threading.Lock()

    def log(*args, **kwargs):
        if first.acquire(blocking=False):
            deadline = time.monotonic() + 10
            with connection.cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock'"
                    )
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.02)
        return real_log(*args, **kwargs)

    monkeypatch.setattr(services, "log", log)


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_correcting_the_same_relative_at_once_save_one_and_tell_the_other(municipality, monkeypatch):
    first_writer_waits_for_the_second(monkeypatch)
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )
    citizen = register_citizen(municipality, first, units=[unit])
    anna = add_relative(citizen, first, RELATIVE_NAME, phone="20304050")

    def job(user, phone):
        def read():  # the correction form as each opens it: the record and its token
            return Relative.objects.get(pk=anna.pk), services.correction_token(anna)

        def save(loaded):
            relative, seen = loaded
            return services.correct_record(
                record=relative, changes={"phone": phone}, reason="Tastefejl.", acting_user=user, seen=seen
            )

        return read, save

    outcomes = run_at_once(job(first, "20304051"), job(second, "20304052"))

    assert sorted(kind for kind, _result in outcomes) == ["saved", "stale"]
    ((winner,),) = [result for kind, result in outcomes if kind == "saved"]
    assert Relative.objects.get(pk=anna.pk).phone == winner.new_value
    assert list(services.Correction.objects.values_list("pk", "old_value")) == [(winner.pk, "20304050")]
    corrected = AuditEvent.objects.filter(citizen=citizen, event=Event.RECORD_CORRECTED)
    assert [event.actor_id for event in corrected] == [winner.corrected_by_id]


@pytest.mark.django_db(transaction=True)
def test_a_correction_of_an_agreement_keeps_a_follow_up_saved_at_the_same_time(municipality):
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )
    citizen = register_citizen(municipality, first, units=[unit])
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=Agreement(
            description="Personalet ringer hver måned.",
            responsible=Agreement.Party.STAFF,
            follow_up_every_days=30,
            next_follow_up=date(2025, 7, 1),
        ),
        acting_user=first,
    )

    def correct():
        def read():
            return Agreement.objects.get(pk=agreement.pk), services.correction_token(agreement)

        def save(loaded):
            record, seen = loaded
            return services.correct_record(
                record=record, changes={"follow_up_every_days": 14}, reason="Aftalt igen.", acting_user=first, seen=seen
            )

        return read, save

    def follow():
        def read():
            return Agreement.objects.get(pk=agreement.pk)

        def save(loaded):
            return services.record_follow_up(
                agreement=loaded,
                follow_up=follow_up(date(2025, 8, 1)),
                loaded_version=loaded.version,
                acting_user=second,
            )

        return read, save

    outcomes = run_at_once(correct(), follow())

    assert [kind for kind, _result in outcomes] == ["saved", "saved"]
    agreement.refresh_from_db()
    assert (agreement.follow_up_every_days, agreement.next_follow_up, agreement.version) == (14, date(2025, 8, 1), 2)


@pytest.mark.django_db(transaction=True)
def test_a_permission_and_a_correction_to_under_18_saved_at_once_never_leave_a_permission_for_a_minor(
    municipality, monkeypatch
):
    first_writer_waits_for_the_second(monkeypatch)
    unit = UnitFactory(municipality=municipality)
    first, second = (
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
        StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]),
    )
    citizen = register_citizen(municipality, first, units=[unit])
    ida = add_relative(citizen, first, "Ida Testesen", relation="barnebarn")

    def refused_or(save):
        try:
            return save()
        except RuleViolation:
            return "refused"

    def correct():
        def read():
            return Relative.objects.get(pk=ida.pk), services.correction_token(ida)

        def save(loaded):
            relative, seen = loaded
            return refused_or(
                lambda: services.correct_record(
                    record=relative, changes={"is_minor": True}, reason="Hun er 15.", acting_user=first, seen=seen
                )
            )

        return read, save

    def permit():
        def save(_loaded):
            return refused_or(lambda: record(Relative.objects.get(pk=ida.pk), second, given_on=date(2025, 4, 1)))

        return (lambda: None), save

    outcomes = run_at_once(correct(), permit())

    results = [result for _kind, result in outcomes]
    assert results.count("refused") == 1, results
    minor = Relative.objects.get(pk=ida.pk).is_minor
    permitted = Consent.objects.filter(relative=ida, decision=Consent.Decision.PERMIT).exists()
    assert minor != permitted, "exactly one of the two was saved"
