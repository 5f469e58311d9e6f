"""Close and erase: after the retention period a closed citizen's personal data is gone from every table.

The proof dumps every table of the database (SQLite: iterdump; PostgreSQL: every row of every table of
the schema as text) and looks for distinctive strings put in every field; the audit rows and the
anonymous counts stay. Transactional tests, so that "one transaction per citizen" is the real thing.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from consent import retention, services
from consent.cpr import cpr_digest
from consent.models import (
    Agreement,
    AuditEvent,
    BreakGlass,
    Citizen,
    Consent,
    Correction,
    Dialogue,
    FollowUp,
    RecordRetention,
    Relative,
)
from portal.errors import RuleViolation
from portal.models import User
from portal.roles import Role
from tests.factories import MunicipalityFactory, StaffFactory, UnitFactory
from tests.service_helpers import new_consent

# One distinctive string per field; none may be found anywhere after the erasure.
S = {
    "citizen_name": "Zyxwvu Citizenname",
    "cpr": "241275-4321",
    "relative_name": "Qwertz Relativename",
    "relation": "Relationxyz",
    "phone": "98765432",
    "new_phone": "91827364",
    "email": "uniquemail@example.dk",
    "minor_name": "Plokij Minorname",
    "how_involved": "Howinvolvedxyz",
    "citizen_expectations": "Citizenexpectxyz",
    "relatives_expectations": "Relativesexpectxyz",
    "staff_offer": "Staffofferxyz",
    "oral_note": "Oralnotexyz",
    "change_reason": "Changereasonxyz",
    "revoke_reason": "Revokereasonxyz",
    "document": "Vaergemaalxyz 4711",
    "agreement": "Agreementtextxyz",
    "follow_up_note": "Followupnotexyz",
    "correction_reason": "Correctionreasonxyz",
    "dialogue_correction_reason": "Dialoguecorrxyz",
    "break_glass": "Breakglassreasonxyz: datteren Qwertz ringede om sin mor",
}
BIRTH = ["241275", "1975-12-24", cpr_digest("2412754321")]


def dump_of_every_table() -> str:
    if connection.vendor == "postgresql":
        lines = []
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            for (table,) in cursor.fetchall():
                cursor.execute(f'SELECT t::text FROM "{table}" t')
                lines += [row[0] for row in cursor.fetchall()]
        return "\n".join(lines)
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


@pytest.fixture
def people(transactional_db):
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    municipality = MunicipalityFactory(town="Testrup", slug="testrup", kommunekode="0901")
    unit = UnitFactory(municipality=municipality, name="Enhed A")
    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit])
    return municipality, unit, caseworker


def full_record(municipality, unit, caseworker, closed_on: date) -> Citizen:
    """A citizen with a distinctive string in every field, every kind of row, a correction, then closed."""
    citizen = services.register_citizen(
        municipality=municipality, name=S["citizen_name"], cpr=S["cpr"], units=[unit], acting_user=caseworker
    )
    relative = services.add_relative(
        citizen=citizen,
        relative=Relative(name=S["relative_name"], relation=S["relation"], phone=S["phone"], email=S["email"]),
        acting_user=caseworker,
    )
    services.add_relative(
        citizen=citizen,
        relative=Relative(name=S["minor_name"], relation="barnebarn", is_minor=True),
        acting_user=caseworker,
    )
    dialogue = services.record_dialogue(
        citizen=citizen,
        dialogue=Dialogue(
            held_on=date(2020, 1, 2),
            involvement=Dialogue.Involvement.YES,
            how_involved=S["how_involved"],
            citizen_expectations=S["citizen_expectations"],
            relatives_expectations=S["relatives_expectations"],
            staff_offer=S["staff_offer"],
        ),
        acting_user=caseworker,
    )
    first = services.record_consent(
        consent=new_consent(relative, given_on=date(2020, 1, 2), oral_note=S["oral_note"]), acting_user=caseworker
    )
    changed = services.record_consent(
        consent=new_consent(
            None,
            given_on=date(2020, 2, 1),
            oral_note=S["oral_note"],
            reason=S["change_reason"],
            grantor=Consent.Grantor.GUARDIAN,
            grantor_document=S["document"],
        ),
        supersedes=first,
        acting_user=caseworker,
    )
    services.revoke_consent(
        consent=changed,
        reason=S["revoke_reason"],
        form=Consent.Form.ORAL,
        acting_user=caseworker,
        revoked_by=Consent.Grantor.GUARDIAN,
        document=S["document"],
    )
    agreement = services.record_agreement(
        citizen=citizen,
        agreement=Agreement(
            description=S["agreement"],
            responsible=Agreement.Party.RELATIVE,
            relative=relative,
            follow_up_every_days=30,
            next_follow_up=date(2020, 3, 1),
        ),
        acting_user=caseworker,
    )
    services.record_follow_up(
        agreement=agreement,
        follow_up=FollowUp(
            held_on=date(2020, 3, 1), outcome="continue", note=S["follow_up_note"], next_date=date(2020, 4, 1)
        ),
        loaded_version=1,
        acting_user=caseworker,
    )
    services.correct_record(
        record=relative, changes={"phone": S["new_phone"]}, reason=S["correction_reason"], acting_user=caseworker
    )
    services.correct_record(
        record=dialogue,
        changes={"how_involved": S["how_involved"] + " rettet"},
        reason=S["dialogue_correction_reason"],
        acting_user=caseworker,
    )
    services.record_view(citizen=citizen, acting_user=caseworker)
    administrator = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    services.break_glass(citizen=citizen, reason=S["break_glass"], acting_user=administrator)
    return services.close_course(citizen=citizen, closed_on=closed_on, because="moved", acting_user=caseworker)


def counts(citizen: Citizen) -> dict:
    return {
        "relatives": Relative.objects.filter(citizen=citizen).count(),
        "dialogues": Dialogue.objects.filter(citizen=citizen).count(),
        "consents": Consent.objects.filter(citizen=citizen).count(),
        "agreements": Agreement.objects.filter(citizen=citizen).count(),
        "follow_ups": FollowUp.objects.filter(agreement__citizen=citizen).count(),
        "corrections": Correction.objects.filter(citizen=citizen).count(),
        "break_glass": BreakGlass.objects.filter(citizen=citizen).count(),
        "events": list(AuditEvent.objects.filter(citizen=citizen).order_by("pk").values_list("pk", "event")),
    }


def test_after_the_retention_period_no_personal_string_is_left_in_any_table(people):
    municipality, unit, caseworker = people
    closed_on = timezone.localdate() - timedelta(days=20)
    citizen = full_record(municipality, unit, caseworker, closed_on)
    dump = dump_of_every_table()
    missing = [value for value in [*S.values(), *BIRTH] if value not in dump and value != S["cpr"]]
    assert not missing, f"the dump finds what is there (the CPR number itself is never stored): {missing}"
    before = counts(citizen)

    years = retention.default_years()
    last_day_kept = retention.rules.erase_after(closed_on, years) - timedelta(days=1)
    assert retention.erase_expired_records(last_day_kept) == 0
    assert retention.erase_expired_records(last_day_kept + timedelta(days=1)) == 1

    dump = dump_of_every_table()
    found = [value for value in [*S.values(), *BIRTH] if value in dump]
    assert not found, f"still in the database after erasure: {found}"
    after = counts(citizen)
    assert after["events"][: len(before["events"])] == before["events"], "the audit trail keeps its rows"
    assert after["events"][-1][1] == AuditEvent.Event.CITIZEN_ERASED
    assert {key: after[key] for key in after if key != "events"} == {k: before[k] for k in before if k != "events"}
    erased = AuditEvent.objects.get(event=AuditEvent.Event.CITIZEN_ERASED)
    assert erased.actor is None and erased.payload["relatives"] == 2 and erased.payload["consents"] == 3
    assert erased.payload["break_glass"] == 1
    citizen.refresh_from_db()
    assert citizen.closed_on == closed_on and citizen.erased_at is not None  # anonymous dates remain

    # Running again erases nothing twice and writes no second event.
    assert retention.erase_expired_records(last_day_kept + timedelta(days=400)) == 0
    assert AuditEvent.objects.filter(event=AuditEvent.Event.CITIZEN_ERASED).count() == 1


def test_a_crash_halfway_leaves_the_citizen_as_it_was(people, monkeypatch):
    municipality, unit, caseworker = people
    citizen = full_record(municipality, unit, caseworker, date(2000, 1, 1))
    dump_before = dump_of_every_table()
    real_update = FollowUp.objects.none().__class__.update

    def crash_at_follow_ups(queryset, **fields):
        if queryset.model is FollowUp:
            raise DatabaseError("the server went away")
        return real_update(queryset, **fields)

    monkeypatch.setattr(type(FollowUp.objects.none()), "update", crash_at_follow_ups)
    with pytest.raises(DatabaseError):
        retention.erase_expired_records()
    monkeypatch.undo()
    assert dump_of_every_table() == dump_before, "nothing half-erased"
    assert retention.erase_expired_records() == 1
    citizen.refresh_from_db()
    assert citizen.name == "" and citizen.birth_date is None


def test_each_municipality_keeps_records_for_its_own_period(people):
    municipality, unit, caseworker = people
    admin = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    closed_on = date(2020, 6, 1)
    citizen = full_record(municipality, unit, caseworker, closed_on)
    services.set_retention(municipality=municipality, years=2, acting_user=admin)
    assert retention.erase_expired_records(date(2022, 5, 31)) == 0
    assert retention.erase_expired_records(date(2022, 6, 1)) == 1
    assert Citizen.objects.get(pk=citizen.pk).erased_at is not None


@pytest.mark.parametrize("years", [0, -1])
def test_a_retention_period_under_one_year_is_refused_in_danish(people, years):
    municipality, _unit, _caseworker = people
    admin = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    with pytest.raises(RuleViolation) as problem:
        services.set_retention(municipality=municipality, years=years, acting_user=admin)
    assert problem.value.message_dict["years"] == ["Opbevaringsperioden skal være mindst 1 år."]
    assert not RecordRetention.objects.exists()


def test_the_command_runs_every_stores_eraser(people):
    from axes.models import AccessLog

    municipality, unit, caseworker = people
    full_record(municipality, unit, caseworker, date(2000, 1, 1))
    old = AccessLog.objects.create(username="sara", ip_address="10.0.0.1", user_agent="Firefox")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=181))
    recent = AccessLog.objects.create(username="sara", ip_address="10.0.0.2", user_agent="Firefox")
    call_command("erase_expired_records", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert Citizen.objects.filter(erased_at__isnull=False).count() == 1


def test_the_command_erases_what_allauth_keeps_of_a_deactivated_person_beyond_their_account(people):
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from tests.authenticator import enrol_totp

    municipality, _unit, caseworker = people
    gone = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER])
    for person in (caseworker, gone):
        enrol_totp(person)
        SocialAccount.objects.create(
            user=person, provider=municipality.slug, uid=f"sub-{person.pk}", extra_data={"email": person.email}
        )
    User.objects.filter(pk=gone.pk).update(is_active=False)  # deactivated without the staff services
    call_command("erase_expired_records", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Authenticator.objects.filter(user=gone).exists()
    assert SocialAccount.objects.get(user=gone).extra_data == {}
    assert SocialAccount.objects.get(user=gone).uid == f"sub-{gone.pk}"
    assert Authenticator.objects.filter(user=caseworker).count() == 2
    assert SocialAccount.objects.get(user=caseworker).extra_data == {"email": caseworker.email}


def test_outside_the_erasure_the_database_still_refuses_to_change_a_consent_version(people):
    municipality, unit, caseworker = people
    citizen = full_record(municipality, unit, caseworker, date(2000, 1, 1))
    retention.erase_expired_records()  # the erasure ran (and set portal.erasing inside its own transaction)
    consent = Consent.objects.filter(citizen=citizen).first()
    if connection.vendor == "postgresql":
        for statement in (
            "UPDATE consent_consent SET reason = 'x' WHERE id = %s",
            "DELETE FROM consent_consent WHERE id = %s",
            "UPDATE consent_auditevent SET event = 'x' WHERE citizen_id = %s",
            "UPDATE consent_breakglass SET reason = 'x' WHERE citizen_id = %s",
            "DELETE FROM consent_breakglass WHERE citizen_id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [consent.pk if "consent_consent" in statement else citizen.pk])
        # Even inside an erasure's transaction, a stated reason keeps who, whom and when; the log is never updated.
        for statement in (
            "UPDATE consent_breakglass SET at = at + interval '1 day' WHERE citizen_id = %s",
            "UPDATE consent_breakglass SET actor_id = (SELECT min(id) FROM portal_user) WHERE citizen_id = %s",
            "UPDATE consent_auditevent SET payload = '{}' WHERE citizen_id = %s",
            "DELETE FROM consent_breakglass WHERE citizen_id = %s",
        ):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL portal.erasing = 'on'")
                with pytest.raises(DatabaseError), transaction.atomic():
                    cursor.execute(statement, [citizen.pk])
    else:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            consent.save()


def test_the_scheduler_runs_the_erasure_of_every_store_daily(people):
    from axes.models import AccessLog

    from portal.schedule import Every, jobs
    from portal.tasks import erase_expired_personal_data

    [job] = [job for job in jobs() if job.name == "portal.erase_expired_personal_data"]
    assert job.every == Every.DAY
    municipality, unit, caseworker = people
    full_record(municipality, unit, caseworker, date(2000, 1, 1))
    old = AccessLog.objects.create(username="sara", ip_address="10.0.0.1", user_agent="Firefox")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=181))

    erased = erase_expired_personal_data.call()

    assert not AccessLog.objects.filter(pk=old.pk).exists()
    assert Citizen.objects.filter(erased_at__isnull=False).count() == 1
    assert all(isinstance(rows, int) for rows in erased.values()) and sum(erased.values()) >= 2
