"""When the help changes (issue 14, Haderslev's theme 1): who may be told is "Må jeg oplyse?", nobody is told
without a consent that covers it, every step is logged, two caseworkers at once lose nothing, and the rows
are in the access request and erased with the rest of the record.
"""

import json
import random
import threading
from datetime import date, timedelta

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from consent import access_request, retention, rules, services
from consent.models import AuditEvent, Consent, HelpChange, InformationCategory, Relative, RelativeTold
from portal.errors import RuleViolation
from tests.factories import StaffFactory
from tests.service_helpers import add_relative, record, register_citizen

Event = AuditEvent.Event
TODAY = timezone.localdate


def new_change(citizen, caseworker, kind=HelpChange.Kind.CHANGED_TIMES, **fields) -> HelpChange:
    fields.setdefault("changes_on", TODAY())
    fields.setdefault("summary", "Hjemmeplejen kommer nu kl. 8 i stedet for kl. 7.")
    return services.record_help_change(
        citizen=citizen, help_change=HelpChange(kind=kind, **fields), acting_user=caseworker
    )


def tell(change_, relative, caseworker, **fields):
    fields.setdefault("how", RelativeTold.How.PHONE)
    fields.setdefault("told_on", TODAY())
    fields.setdefault("message", "Hjemmeplejen kommer nu kl. 8.")
    return services.record_relative_told(help_change=change_, relative_id=relative.pk, acting_user=caseworker, **fields)


@pytest.fixture
def family(registered_citizen, caseworker):
    """Karen's relatives: one told about practical matters by staff, one who the citizen tells herself, one with
    a consent about health only, one revoked, one with no consent, one under 18."""
    citizen = registered_citizen
    today = TODAY()
    people = {
        "mette": add_relative(citizen, caseworker, "Mette Datter", phone="20304050"),
        "jens": add_relative(citizen, caseworker, "Jens Søn", relation="søn", email="jens@example.dk"),
        "lis": add_relative(citizen, caseworker, "Lis Nabo", relation="nabo"),
        "ole": add_relative(citizen, caseworker, "Ole Bror", relation="bror"),
        "tove": add_relative(citizen, caseworker, "Tove Veninde", relation="veninde"),
        "ida": add_relative(citizen, caseworker, "Ida Barnebarn", relation="barnebarn", is_minor=True),
    }
    record(people["mette"], caseworker, categories=["praktiske_forhold", "helbred"], given_on=today)
    record(
        people["jens"],
        caseworker,
        categories=["praktiske_forhold"],
        given_on=today,
        contact=Consent.Contact.CITIZEN_CONTACTS,
    )
    record(people["lis"], caseworker, categories=["helbred"], given_on=today)
    revoked = record(people["ole"], caseworker, categories=["praktiske_forhold"], given_on=today - timedelta(days=9))
    services.revoke_consent(consent=revoked, reason="Borgeren har fortrudt.", form="oral", acting_user=caseworker)
    return people


# --- The list is "Må jeg oplyse?" -------------------------------------------------------------------------


def test_who_may_be_told_is_exactly_what_may_i_tell_answers_for_every_relative_kind_and_day():
    """Random relatives and consent histories, every kind of change, many days: the page's two lists are
    "Må jeg oplyse?" (consent.rules.may_disclose), with "staff may contact" on top, reason for reason."""
    generator = random.Random(14)
    start = date(2026, 1, 1)
    relatives, consents = [], []
    next_pk = iter(range(1, 100_000))
    for index in range(60):
        relative = Relative(
            pk=next(next_pk), citizen_id=1, name=f"Pårørende {index}", is_minor=generator.random() < 0.1
        )
        relatives.append(relative)
        previous = None
        for _version in range(generator.randint(0, 3)):
            given = start + timedelta(days=generator.randint(0, 300))
            decision = generator.choice(["permit", "permit", "refuse", "revoked"])
            consent = Consent(
                pk=next(next_pk),
                citizen_id=1,
                relative=relative,
                supersedes_id=previous.pk if previous and generator.random() < 0.7 else None,
                decision=decision,
                categories=generator.sample(InformationCategory.values, generator.randint(1, 4)),
                contact=generator.choice(["staff", "citizen"]) if decision == "permit" else "",
                given_on=given,
                valid_from=given + timedelta(days=generator.choice([0, 0, 20])),
                valid_until=given + timedelta(days=generator.choice([30, 200, 365])) if decision != "revoked" else None,
            )
            consents.append(consent)
            previous = consent
    checked = 0
    for kind in HelpChange.Kind:
        category = rules.category_of_change(kind)
        for offset in range(0, 420, 7):
            day = start + timedelta(days=offset)
            may, may_not = rules.help_change_recipients(relatives, consents, category, day)
            assert [r.relative for r in may + may_not] != [] and len(may) + len(may_not) == len(relatives)
            for recipient in may + may_not:
                relative = recipient.relative
                theirs = [c for c in consents if c.relative_id == relative.pk]
                answer = rules.may_disclose(relative=relative, category=category, on=day, consents=theirs)
                staff_may_contact = answer.allowed and answer.consent.contact == Consent.Contact.STAFF_MAY_CONTACT
                assert recipient.may_tell is staff_may_contact, (relative.name, kind, day)
                assert recipient.answer == answer
                if not answer.allowed:
                    assert (recipient.code, recipient.reason) == (answer.code, answer.reason)
                checked += 1
    assert checked == 5 * 60 * 60
    # The random histories reach every answer "Må jeg oplyse?" can give, and the contact rule.
    codes = {
        rules.may_tell_about_change(
            relative=r,
            category=c,
            on=start + timedelta(days=d),
            consents=[x for x in consents if x.relative_id == r.pk],
        ).code
        for r in relatives
        for c in InformationCategory.values
        for d in range(0, 420, 30)
    }
    assert codes >= {"permitted", "refused", "outside_scope", "revoked", "expired", "not_yet_valid", "no_consent"}
    assert {"minor", "citizen_contacts"} <= codes


def test_the_page_lists_each_relative_as_the_may_i_tell_page_answers_them(client, caseworker, family):
    citizen = family["mette"].citizen
    help_change = new_change(citizen, caseworker)
    client.force_login(caseworker)
    page = client.get(help_change.get_absolute_url())
    assert page.status_code == 200
    may = [row["recipient"].relative.name for row in page.context["rows"]]
    may_not = {recipient.relative.name: recipient.reason for recipient in page.context["may_not"]}
    assert may == ["Mette Datter"]
    for relative in family.values():
        answer = client.post(
            reverse("consent:disclosure", args=[citizen.pk]),
            {"disclosure-relative": relative.pk, "disclosure-category": "praktiske_forhold"},
        ).context["answer"]
        if relative.name in may:
            assert answer.allowed
        elif relative.name == "Jens Søn":
            assert answer.allowed and "borgeren vil selv kontakte Jens Søn" in may_not["Jens Søn"]
        else:
            assert not answer.allowed and may_not[relative.name] == answer.reason
    text = page.text
    assert "Nej. Samtykket for Lis Nabo omfatter ikke praktiske forhold." in text
    assert "Nej. Der er intet samtykke for Tove Veninde." in text
    assert text.count('name="told_for"') == 1


# --- Nobody is told without a consent that covers it: the service refuses ------------------------------


@pytest.mark.parametrize(
    ("who", "told_on_days_ago", "kind"),
    [
        ("jens", 0, HelpChange.Kind.CHANGED_TIMES),  # the citizen contacts him herself
        ("lis", 0, HelpChange.Kind.CHANGED_TIMES),  # her consent covers health, not practical matters
        ("ole", 0, HelpChange.Kind.CHANGED_TIMES),  # revoked
        ("tove", 0, HelpChange.Kind.CHANGED_TIMES),  # no consent
        ("ida", 0, HelpChange.Kind.CHANGED_TIMES),  # under 18
        ("mette", 0, HelpChange.Kind.CARE_HOME),  # her consent does not cover social circumstances
        ("mette", 3, HelpChange.Kind.CHANGED_TIMES),  # told before her consent was given
    ],
)
def test_the_service_refuses_to_record_a_relative_told_without_a_consent_that_covers_it(
    caseworker, family, who, told_on_days_ago, kind
):
    help_change = new_change(family["mette"].citizen, caseworker, kind=kind)
    events = AuditEvent.objects.count()
    with pytest.raises(RuleViolation) as refusal:
        tell(help_change, family[who], caseworker, told_on=TODAY() - timedelta(days=told_on_days_ago))
    assert refusal.value.message_dict["__all__"][0].startswith("Nej.")
    assert not RelativeTold.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_relative_of_another_citizen_or_a_closed_course_is_refused(municipality, caseworker, family):
    other = register_citizen(municipality, caseworker, name="Anden Borger", cpr="150560-2468", units=[])
    stranger = add_relative(other, caseworker, "Fremmed Person")
    record(stranger, caseworker, categories=["praktiske_forhold"], given_on=TODAY())
    help_change = new_change(family["mette"].citizen, caseworker)
    with pytest.raises(RuleViolation):
        tell(help_change, stranger, caseworker)
    services.close_course(citizen=help_change.citizen, closed_on=TODAY(), because="moved", acting_user=caseworker)
    with pytest.raises(RuleViolation) as closed:
        tell(help_change, family["mette"], caseworker)
    assert "afsluttet" in str(closed.value)
    with pytest.raises(RuleViolation):
        new_change(help_change.citizen, caseworker)
    assert not RelativeTold.objects.exists() and HelpChange.objects.count() == 1


def test_bad_input_is_refused_in_danish_at_the_field(caseworker, family):
    citizen = family["mette"].citizen
    for summary, message in [
        ("", "Skriv med en sætning eller to, hvad de pårørende må få at vide."),
        ("x" * 2001, "Skriv højst 2000 tegn."),
        ("Borgeren 241275-4321 flytter.", "Udelad CPR-nummeret: de pårørende får det ikke at vide."),
    ]:
        with pytest.raises(RuleViolation) as refusal:
            new_change(citizen, caseworker, summary=summary)
        assert refusal.value.message_dict["summary"] == [message]
    help_change = new_change(citizen, caseworker)
    with pytest.raises(RuleViolation) as refusal:
        tell(help_change, family["mette"], caseworker, told_on=TODAY() + timedelta(days=1), message=" ", how="fax")
    assert set(refusal.value.message_dict) == {"how", "told_on", "message"}
    assert not RelativeTold.objects.exists()


# --- Every step in the audit log, ids only -----------------------------------------------------------------


def test_recording_checking_and_telling_each_write_their_audit_row_with_ids_only(client, caseworker, family):
    citizen = family["mette"].citizen
    client.force_login(caseworker)
    response = client.post(
        reverse("consent:help-change-new", args=[citizen.pk]),
        {
            "kind": "hospital",
            "changes_on": TODAY().isoformat(),
            "summary": "Karen er indlagt på Sygehus Sønderjylland.",
        },
    )
    help_change = HelpChange.objects.get()
    assert response["Location"] == help_change.get_absolute_url()
    assert help_change.category == "helbred"
    client.get(help_change.get_absolute_url())
    form = client.get(help_change.get_absolute_url()).context["rows"][0]["form"]
    mette = family["mette"]
    response = client.post(
        help_change.get_absolute_url(),
        {
            "told_for": mette.pk,
            f"told-{mette.pk}-how": "phone",
            f"told-{mette.pk}-told_on": TODAY().isoformat(),
            f"told-{mette.pk}-message": form.initial["message"],
        },
    )
    assert response.status_code == 302
    told = RelativeTold.objects.get()
    assert told.relative == mette and told.how == "phone" and "indlagt" in told.message
    assert told.consent == Consent.objects.get(relative=mette)
    events = list(AuditEvent.objects.filter(citizen=citizen, at__gte=help_change.recorded_at).order_by("pk"))
    kinds = [event.event for event in events if event.event != Event.CITIZEN_VIEWED]
    assert kinds == [
        Event.HELP_CHANGE_RECORDED,
        Event.HELP_CHANGE_CHECKED,
        Event.HELP_CHANGE_CHECKED,
        Event.RELATIVE_TOLD,
    ]
    checked = events[1].payload
    assert sorted(checked["may_tell"]) == sorted([mette.pk, family["lis"].pk])  # their consents cover health
    assert checked["may_not_tell"] == {
        str(family["jens"].pk): "outside_scope",
        str(family["ole"].pk): "revoked",
        str(family["tove"].pk): "no_consent",
        str(family["ida"].pk): "minor",
    }
    assert events[-1].payload == {
        "help_change_id": help_change.pk,
        "relative_told_id": told.pk,
        "relative_id": mette.pk,
        "consent_id": told.consent_id,
        "how": "phone",
    }
    logged = json.dumps([event.payload for event in events], ensure_ascii=False)
    assert "Mette" not in logged and "Karen" not in logged and "indlagt" not in logged


def test_the_told_row_and_its_audit_event_are_one_transaction(caseworker, family, monkeypatch):
    help_change = new_change(family["mette"].citizen, caseworker)

    def failing_log(*args, **kwargs):
        raise DatabaseError("the log could not be written")

    monkeypatch.setattr(services, "log", failing_log)
    with pytest.raises(DatabaseError):
        tell(help_change, family["mette"], caseworker)
    assert not RelativeTold.objects.exists()


# --- No relatives, no consents ----------------------------------------------------------------------------


def test_a_citizen_without_relatives_is_told_so_and_nobody_is_contacted(client, caseworker, registered_citizen):
    help_change = new_change(registered_citizen, caseworker, kind=HelpChange.Kind.CARE_HOME)
    client.force_login(caseworker)
    page = client.get(help_change.get_absolute_url())
    assert "Der er ingen pårørende registreret for borgeren, så ingen kontaktes om denne ændring." in page.text
    assert 'name="told_for"' not in page.text
    assert AuditEvent.objects.filter(event=Event.HELP_CHANGE_CHECKED).get().payload["may_tell"] == []


def test_relatives_without_consents_are_listed_with_why_and_nobody_is_contacted(client, caseworker, registered_citizen):
    anna = add_relative(registered_citizen, caseworker, "Anna Testesen", phone="20304050")
    help_change = new_change(registered_citizen, caseworker)
    client.force_login(caseworker)
    page = client.get(help_change.get_absolute_url())
    assert "Ingen pårørende har et samtykke, der dækker praktiske forhold" in page.text
    assert "Nej. Der er intet samtykke for Anna Testesen." in page.text
    assert 'name="told_for"' not in page.text
    response = client.post(
        help_change.get_absolute_url(),
        {
            "told_for": anna.pk,
            f"told-{anna.pk}-how": "phone",
            f"told-{anna.pk}-told_on": TODAY().isoformat(),
            f"told-{anna.pk}-message": "Hej Anna",
        },
    )
    assert response.status_code == 200 and "Ikke registreret" in response.text
    assert not RelativeTold.objects.exists()


def test_a_told_for_that_is_no_relative_id_is_a_danish_message_not_a_500(client, caseworker, family):
    help_change = new_change(family["mette"].citizen, caseworker)
    client.force_login(caseworker)
    for value in ["²", "abc", "9" * 40, ""]:
        response = client.post(help_change.get_absolute_url(), {"told_for": value})
        assert response.status_code == 200
        assert "Ikke registreret" in response.text
    assert not RelativeTold.objects.exists()


def test_the_change_page_has_a_fixed_number_of_queries(client, caseworker, family, django_assert_num_queries):
    help_change = new_change(family["mette"].citizen, caseworker)
    tell(help_change, family["mette"], caseworker)
    client.force_login(caseworker)
    client.get(help_change.get_absolute_url())
    for name in ("Ny En", "Ny To", "Ny Tre"):
        relative = add_relative(help_change.citizen, caseworker, name)
        record(relative, caseworker, categories=["praktiske_forhold"], given_on=TODAY())
    # session, user and roles, the change, a savepoint, the relatives, the consents, the audit row, the
    # savepoint released, who was told
    with django_assert_num_queries(10):
        page = client.get(help_change.get_absolute_url())
    assert len(page.context["rows"]) == 4


def test_a_closed_course_shows_the_change_without_forms(client, caseworker, family):
    help_change = new_change(family["mette"].citizen, caseworker)
    services.close_course(citizen=help_change.citizen, closed_on=TODAY(), because="moved", acting_user=caseworker)
    client.force_login(caseworker)
    page = client.get(help_change.get_absolute_url())
    assert "kan ikke længere ændres" in page.text and 'name="told_for"' not in page.text
    assert "Registrér en ændring i hjælpen" not in client.get(help_change.citizen.get_absolute_url()).text


# --- Two caseworkers recording "told" at once ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_recording_told_at_once_both_keep_what_they_recorded(municipality, unit):
    from portal.roles import Role

    first, second = (StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit]) for _ in range(2))
    citizen = register_citizen(municipality, first, units=[unit])
    mette = add_relative(citizen, first, "Mette Datter", phone="20304050")
    anna = add_relative(citizen, first, "Anna Testesen", phone="20304051")
    for relative in (mette, anna):
        record(relative, first, categories=["praktiske_forhold"], given_on=TODAY())
    help_change = new_change(citizen, first)
    jobs = [(first, mette, "phone"), (second, anna, "letter"), (second, mette, "email")]
    outcomes: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(index, user, relative, how):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = tell(help_change, relative, user, how=how).pk
        except BaseException as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
    else:  # SQLite serialises writers: one after the other
        barrier = threading.Barrier(1)
        for index, job in enumerate(jobs):
            run(index, *job)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    told = RelativeTold.objects.filter(help_change=help_change)
    assert sorted(told.values_list("relative__name", "how", "recorded_by")) == sorted(
        [
            ("Mette Datter", "phone", first.pk),
            ("Anna Testesen", "letter", second.pk),
            ("Mette Datter", "email", second.pk),
        ]
    )
    events = AuditEvent.objects.filter(event=Event.RELATIVE_TOLD)
    assert sorted(event.payload["relative_told_id"] for event in events) == sorted(outcomes)


# --- Access request and erasure ---------------------------------------------------------------------------


def test_the_access_request_includes_the_changes_and_who_was_told(caseworker, family):
    help_change = new_change(family["mette"].citizen, caseworker, summary="Hjælpen kommer om eftermiddagen.")
    told = tell(help_change, family["mette"], caseworker, how="letter", message="Kære Mette, hjælpen flyttes.")
    citizen = help_change.citizen
    document = access_request.access_request(citizen, made_by=caseworker)
    data = access_request.as_json(document)
    (entry,) = data["changes_in_the_help"]
    assert (
        entry["kind"] == "changed_times" and entry["what_relatives_may_be_told"] == "Hjælpen kommer om eftermiddagen."
    )
    assert entry["relatives_told"] == [
        {
            "relative_id": family["mette"].pk,
            "consent_id": told.consent_id,
            "how": "letter",
            "told_on": TODAY().isoformat(),
            "message": "Kære Mette, hjælpen flyttes.",
            "recorded_by": caseworker.display_name,
        }
    ]


def test_the_access_request_page_shows_them(client, caseworker, family):
    help_change = new_change(family["mette"].citizen, caseworker, summary="Hjælpen kommer om eftermiddagen.")
    tell(help_change, family["mette"], caseworker, message="Kære Mette, hjælpen flyttes.")
    client.force_login(caseworker)
    page = client.get(reverse("consent:access-request", args=[help_change.citizen_id]))
    assert "Ændringer i din hjælp, og hvilke pårørende der fik besked" in page.text
    assert "Hjælpen kommer om eftermiddagen." in page.text and "Kære Mette, hjælpen flyttes." in page.text


@pytest.mark.django_db(transaction=True)
def test_the_erasure_blanks_the_changes_and_messages_and_postgresql_refuses_any_other_change(municipality, unit):
    from portal.roles import Role
    from tests.test_erasure import dump_of_every_table

    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], units=[unit])
    citizen = register_citizen(municipality, caseworker, units=[unit])
    mette = add_relative(citizen, caseworker, "Mette Datter")
    record(mette, caseworker, categories=["praktiske_forhold"], given_on=TODAY() - timedelta(days=10))
    help_change = new_change(citizen, caseworker, summary="Summaryxyzzy", changes_on=TODAY() - timedelta(days=5))
    told = tell(help_change, mette, caseworker, message="Messagexyzzy", told_on=TODAY() - timedelta(days=5))
    if connection.vendor == "postgresql":
        for statement in (
            f"UPDATE consent_relativetold SET message = 'x' WHERE id = {told.pk}",
            f"DELETE FROM consent_relativetold WHERE id = {told.pk}",
            f"UPDATE consent_helpchange SET summary = 'x' WHERE id = {help_change.pk}",
        ):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    services.close_course(
        citizen=citizen, closed_on=TODAY() - timedelta(days=1), because="moved", acting_user=caseworker
    )
    assert "Summaryxyzzy" in dump_of_every_table() and "Messagexyzzy" in dump_of_every_table()
    erase_on = rules.erase_after(TODAY() - timedelta(days=1), retention.default_years())
    assert retention.erase_expired_records(erase_on) == 1
    dump = dump_of_every_table()
    assert "Summaryxyzzy" not in dump and "Messagexyzzy" not in dump
    assert RelativeTold.objects.filter(pk=told.pk, how="phone").exists(), "the anonymous row stays"
    erased = AuditEvent.objects.get(event=Event.CITIZEN_ERASED).payload
    assert erased["help_changes"] == 1 and erased["relatives_told"] == 1


def test_the_register_of_personal_data_names_the_changes_and_who_was_told(client, administrator):
    client.force_login(administrator)
    page = client.get(reverse("personal-data"))
    assert "ændringer i hjælpen og hvilke pårørende der fik besked om dem" in page.text


def test_the_draft_says_what_changed_and_no_more(caseworker, family):
    help_change = new_change(
        family["mette"].citizen,
        caseworker,
        kind=HelpChange.Kind.HOSPITAL,
        changes_on=date(2026, 12, 3),
        summary="Hun kommer hjem igen, når lægen siger god for det.",
    )
    draft = rules.draft_message(
        change=help_change,
        relative=family["mette"],
        citizen_name="Karen Testesen",
        sender="Sara Sagsbehandler",
        municipality="Testrup Kommune",
    )
    assert draft.splitlines()[0] == "Kære Mette Datter"
    assert "Karen Testesen er indlagt på hospitalet fra den 03.12.2026." in draft
    assert "Hun kommer hjem igen, når lægen siger god for det." in draft
    assert "Sara Sagsbehandler, Testrup Kommune" in draft
    assert "241275" not in draft and "CPR" not in draft


def test_a_told_form_with_a_mistake_keeps_what_was_typed_and_says_what_to_do(client, caseworker, family):
    help_change = new_change(family["mette"].citizen, caseworker)
    mette = family["mette"]
    client.force_login(caseworker)
    typed = "Kære Mette, vi ringede om de nye tider.\nHilsen Sara"
    response = client.post(
        help_change.get_absolute_url(),
        {"told_for": mette.pk, f"told-{mette.pk}-told_on": "31.02.2026", f"told-{mette.pk}-message": typed},
    )
    assert response.status_code == 200
    form = response.context["rows"][0]["form"]
    assert form.errors == {
        "how": ["Vælg, hvordan den pårørende fik besked."],
        "told_on": ["Skriv datoen som dd.mm.åååå, fx 24.12.2025."],
    }
    assert "Kære Mette, vi ringede om de nye tider." in response.text
    assert not RelativeTold.objects.exists()


def test_the_change_form_says_what_to_do_and_keeps_what_was_typed(client, caseworker, family):
    citizen = family["mette"].citizen
    client.force_login(caseworker)
    response = client.post(
        reverse("consent:help-change-new", args=[citizen.pk]),
        {"kind": "care_home", "changes_on": TODAY().isoformat(), "summary": "Karen, 241275-4321, flytter."},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"summary": ["Udelad CPR-nummeret: de pårørende får det ikke at vide."]}
    assert "Karen, 241275-4321, flytter." in response.text
    assert not HelpChange.objects.exists()
