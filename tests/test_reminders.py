"""Reminders that reach people: each caseworker's daily e-mail of what is due for them, each editor's monthly
e-mail of contact points nobody has checked for a year, each manager's notice the day before a wave opens or
closes; scoped to the person's municipality (and a caseworker's own units), only when there is something,
never to a person who turned them off or has no address. The e-mails go to a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent import services as consent_services
from consent.models import AuditEvent
from consent.tasks import send_caseworker_reminders
from contacts.tasks import send_editor_reminders
from portal.errors import RuleViolation
from portal.roles import Role
from surveys.tasks import send_wave_notices
from tests.factories import (
    AgreementFactory,
    CitizenFactory,
    ConsentFactory,
    ContactPointFactory,
    RelativeFactory,
    StaffFactory,
    UnitFactory,
)
from tests.scenarios import open_survey
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink(tmp_path, settings):
    smtp = SmtpSink(tmp_path).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.PORTAL_BASE_URL = "https://portal.example"
    yield smtp
    smtp.stop()


def today():
    return timezone.localdate()


def caseworker(municipality, *units, email="", **fields):
    user = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], email=email, **fields)
    user.units.set(units)
    return user


def to(sink) -> dict[str, dict]:
    return {message["to"][0]: message for message in sink.messages()}


@pytest.fixture
def unit(municipality):
    return UnitFactory(municipality=municipality, name="Plejecentret Solgården")


def test_a_caseworker_hears_of_the_follow_ups_they_own_and_their_citizens_reviews(sink, municipality, unit):
    anna = caseworker(municipality, unit, email="anna@kommune.example")
    bo = caseworker(municipality, unit, email="bo@kommune.example")
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna, name="Karen Testesen")
    AgreementFactory(
        citizen=citizen, created_by=anna, owner=anna, next_follow_up=today() - timedelta(days=2)
    )  # overdue
    AgreementFactory(citizen=citizen, created_by=anna, owner=bo, next_follow_up=today())  # Bo's
    AgreementFactory(
        citizen=citizen, created_by=anna, owner=anna, next_follow_up=today() + timedelta(days=3)
    )  # not yet
    ConsentFactory(
        relative=RelativeFactory(citizen=citizen), recorded_by=anna, valid_until=today()
    )  # a review, for both

    assert send_caseworker_reminders.call() == 2
    mail = to(sink)
    anna_mail = mail["anna@kommune.example"]
    assert anna_mail["subject"] == "2 opgaver forfalder i Pårørendeportalen"
    assert "1 opfølgning på en aftale" in anna_mail["body"] and "1 samtykke skal gennemgås" in anna_mail["body"]
    assert "1 af dem er overskredet" in anna_mail["body"]
    assert "https://portal.example/personale/opgaver/" in anna_mail["body"]
    assert "https://portal.example/personale/e-mails/" in anna_mail["body"]
    assert "Karen" not in anna_mail["body"] + anna_mail["subject"]  # no citizen's name leaves the portal
    assert "1 opfølgning på en aftale" in mail["bo@kommune.example"]["body"]


def test_only_the_caseworkers_own_units_and_municipality_count(sink, municipality, other_municipality, unit):
    elsewhere = UnitFactory(municipality=municipality, name="Hjemmeplejen Nord")
    anna = caseworker(municipality, unit, email="anna@kommune.example")
    other_unit = caseworker(municipality, elsewhere, email="nord@kommune.example")
    stranger = caseworker(
        other_municipality, UnitFactory(municipality=other_municipality), email="andeby@kommune.example"
    )
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    AgreementFactory(citizen=citizen, created_by=anna, owner=anna, next_follow_up=today())
    ConsentFactory(relative=RelativeFactory(citizen=citizen), recorded_by=anna, valid_until=today())
    send_caseworker_reminders.call()
    assert set(to(sink)) == {"anna@kommune.example"}
    assert other_unit.pk and stranger.pk


def test_nothing_due_no_e_mail_and_turned_off_or_no_address_none_either(client, sink, municipality, unit):
    anna = caseworker(municipality, unit, email="anna@kommune.example")
    no_address = caseworker(municipality, unit)
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    AgreementFactory(citizen=citizen, created_by=anna, owner=anna, next_follow_up=today() + timedelta(days=10))
    assert send_caseworker_reminders.call() == 0

    ConsentFactory(relative=RelativeFactory(citizen=citizen), recorded_by=anna, valid_until=today())
    client.force_login(anna)
    page = client.get("/personale/e-mails/")
    assert page.status_code == 200 and 'name="wants_reminder_emails"' in page.text and "checked" in page.text
    assert client.post("/personale/e-mails/", {}).status_code == 302  # the box unticked
    anna.refresh_from_db()
    assert not anna.wants_reminder_emails
    assert send_caseworker_reminders.call() == 0 and sink.messages() == []

    client.force_login(no_address)
    assert "Du har ingen e-mailadresse i portalen" in client.get("/personale/e-mails/").text
    client.force_login(anna)
    client.post("/personale/e-mails/", {"wants_reminder_emails": "on"})
    assert send_caseworker_reminders.call() == 1


def test_the_staff_start_page_shows_how_many_tasks_are_due(client, municipality, unit):
    anna = caseworker(municipality, unit)
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    AgreementFactory(citizen=citizen, created_by=anna, owner=anna, next_follow_up=today())
    AgreementFactory(citizen=citizen, created_by=anna, owner=anna, next_follow_up=today() - timedelta(days=1))
    client.force_login(anna)
    page = client.get("/personale/")
    assert '<span class="badge">2 forfaldne</span>' in page.text


def test_an_agreement_is_reassigned_to_a_caseworker_of_the_citizens_unit(municipality, unit):
    anna = caseworker(municipality, unit)
    bo = caseworker(municipality, unit)
    outsider = caseworker(municipality, UnitFactory(municipality=municipality))
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    agreement = consent_services.record_agreement(citizen=citizen, agreement=_unsaved(citizen), acting_user=anna)
    assert agreement.owner == anna  # at first whoever recorded it
    consent_services.reassign_agreement(agreement=agreement, owner=bo, acting_user=anna)
    agreement.refresh_from_db()
    assert agreement.owner == bo
    event = AuditEvent.objects.get(event=AuditEvent.Event.AGREEMENT_REASSIGNED)
    assert event.payload == {"agreement_id": agreement.pk, "owner_id": bo.pk} and event.actor == anna
    with pytest.raises(RuleViolation):
        consent_services.reassign_agreement(agreement=agreement, owner=outsider, acting_user=anna)


def _unsaved(citizen):
    from consent.models import Agreement

    return Agreement(
        description="Datteren ringer hver fredag",
        responsible=Agreement.Party.STAFF,
        follow_up_every_days=30,
        next_follow_up=today() + timedelta(days=30),
    )


def test_editors_hear_monthly_of_their_own_unchecked_contact_points(sink, municipality, other_municipality):
    editor = StaffFactory(municipality=municipality, roles=[Role.EDITOR], email="red@kommune.example")
    StaffFactory(municipality=other_municipality, roles=[Role.EDITOR], email="red@andeby.example")
    StaffFactory(
        municipality=municipality, roles=[Role.EDITOR], email="fra@kommune.example", wants_reminder_emails=False
    )
    ContactPointFactory(municipality=municipality, name="Visitationen", last_checked=today() - timedelta(days=400))
    ContactPointFactory(municipality=municipality, name="Demenskoordinator", last_checked=today())
    ContactPointFactory(
        municipality=other_municipality, name="Andebys Visitation", last_checked=today() - timedelta(days=400)
    )
    assert send_editor_reminders.call() == 2  # each editor of each municipality
    message = to(sink)[editor.email]
    assert message["subject"] == f"1 kontaktpunkt skal tjekkes – {municipality.name}"
    assert "Visitationen" in message["body"] and "Demenskoordinator" not in message["body"]
    assert "Andebys" not in message["body"]
    assert "/admin/contacts/contactpoint/?checked=overdue" in message["body"]


def test_the_contact_for_relatives_hears_daily_how_many_requests_wait_without_names(
    sink, municipality, other_municipality
):
    from contacts import services as contact_services
    from contacts.tasks import send_contact_request_notices

    StaffFactory(municipality=municipality, roles=[Role.RELATIVES_CONTACT], email="pia@kommune.example")
    StaffFactory(municipality=other_municipality, roles=[Role.RELATIVES_CONTACT], email="pk@andeby.example")
    for name in ("Karen Jensen", "Ole Hansen"):
        contact_services.submit_contact_request(
            municipality=municipality, way="call", name=name, phone="20304050", email="", message="", consent=True
        )
    assert send_contact_request_notices.call() == 1  # Andeby has no request waiting
    message = to(sink)["pia@kommune.example"]
    assert message["subject"] == f"2 pårørende venter på svar – {municipality.name}"
    assert "https://portal.example/personale/henvendelser/" in message["body"]
    assert "Karen" not in message["body"] and "20304050" not in message["body"]


def test_managers_hear_the_day_before_a_wave_opens_and_closes(sink, municipality, other_municipality):
    manager = StaffFactory(municipality=municipality, roles=[Role.MANAGER], email="leder@kommune.example")
    StaffFactory(municipality=other_municipality, roles=[Role.MANAGER], email="leder@andeby.example")
    survey = open_survey(municipality)
    survey.wave.closes_on = today() + timedelta(days=1)
    survey.wave.save()
    assert send_wave_notices.call() == 1
    [message] = sink.messages()
    assert message["to"] == [manager.email] and "lukker i morgen" in message["body"]
    assert survey.wave.name in message["body"]
    survey.wave.closes_on = today() + timedelta(days=2)
    survey.wave.save()
    assert send_wave_notices.call() == 0


# --- The page that gives an agreement to another caseworker ------------------------------------------------


def test_a_caseworker_gives_an_agreement_to_a_colleague_who_is_then_reminded_of_it(
    client, municipality, unit, django_assert_num_queries
):
    from django.urls import reverse

    from consent.access import policy
    from consent.models import Agreement, Citizen
    from consent.reads import reminders_for

    anna = caseworker(municipality, unit, first_name="Anna", last_name="Andersen")
    bo = caseworker(municipality, unit, first_name="Bo", last_name="Bech")
    caseworker(municipality, UnitFactory(municipality=municipality), first_name="Ulla", last_name="Udenfor")
    kin = caseworker(municipality, unit, first_name="Kim", last_name="Kollega")
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    RelativeFactory(citizen=citizen, name="Kim Kollega", staff_user=kin)  # the citizen's relative: never a choice
    agreement = AgreementFactory(citizen=citizen, created_by=anna, owner=anna, next_follow_up=today())
    for _ in range(3):  # more agreements and staff change nothing in the page's queries
        AgreementFactory(citizen=citizen, created_by=anna, owner=anna)
        caseworker(municipality, unit)
    url = reverse("consent:agreement-reassign", args=[agreement.pk])
    client.force_login(anna)
    # session, user, roles, the agreement with its citizen, relative and owner, the caseworkers to choose from
    with django_assert_num_queries(5):
        page = client.get(url)
    names = [user.display_name for user in page.context["form"].fields["owner"].queryset]
    assert "Bo Bech" in names and "Anna Andersen" in names
    assert "Ulla Udenfor" not in names and "Kim Kollega" not in names
    assert "data-owner><bdi>Anna Andersen</bdi><" in page.content.decode()

    response = client.post(url, {"owner": bo.pk, "seen_owner": anna.pk})
    assert response.status_code == 302 and response["Location"] == citizen.get_absolute_url()
    assert Agreement.objects.get(pk=agreement.pk).owner == bo
    assert "Bo Bech er nu ansvarlig for aftalen." in client.get(response["Location"]).content.decode()
    seen_by = {user: reminders_for(user, policy.visible(user, Citizen), today()) for user in (anna, bo)}
    assert [task.owner_id for task in seen_by[bo] if task.kind == "follow_up"] == [bo.pk]
    assert [task for task in seen_by[anna] if task.kind == "follow_up"] == []


def test_giving_an_agreement_away_after_someone_else_did_tells_who_has_it_and_keeps_the_choice(
    client, municipality, unit
):
    from django.urls import reverse

    from consent.models import Agreement

    anna = caseworker(municipality, unit, first_name="Anna", last_name="Andersen")
    bo = caseworker(municipality, unit, first_name="Bo", last_name="Bech")
    cai = caseworker(municipality, unit, first_name="Cai", last_name="Carlsen")
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    agreement = AgreementFactory(citizen=citizen, created_by=anna, owner=anna)
    url = reverse("consent:agreement-reassign", args=[agreement.pk])
    client.force_login(anna)
    opened_with = client.get(url).context["form"].initial["seen_owner"]
    consent_services.reassign_agreement(agreement=agreement, owner=cai, acting_user=bo, seen_owner_id=anna.pk)

    response = client.post(url, {"owner": bo.pk, "seen_owner": opened_with})
    assert response.status_code == 200
    page = response.content.decode()
    assert "En anden har givet aftalen til en anden sagsbehandler" in page
    assert "data-owner><bdi>Cai Carlsen</bdi><" in page and f'<option value="{bo.pk}" selected>' in page
    assert Agreement.objects.get(pk=agreement.pk).owner == cai
    # Saved again, after seeing it: now it is given.
    assert client.post(url, response.context["form"].data).status_code == 302
    assert Agreement.objects.get(pk=agreement.pk).owner == bo


def test_an_agreement_cannot_be_given_to_staff_outside_the_citizens_units_nor_when_the_course_is_closed(
    client, municipality, unit
):
    from django.urls import reverse

    from consent.models import Agreement

    anna = caseworker(municipality, unit)
    outsider = caseworker(municipality, UnitFactory(municipality=municipality))
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    agreement = AgreementFactory(citizen=citizen, created_by=anna, owner=anna)
    url = reverse("consent:agreement-reassign", args=[agreement.pk])
    client.force_login(anna)
    response = client.post(url, {"owner": outsider.pk, "seen_owner": anna.pk})
    assert response.status_code == 200 and "Vælg en sagsbehandler fra borgerens enheder." in response.text
    consent_services.close_course(citizen=citizen, closed_on=today(), because="moved", acting_user=anna)
    with pytest.raises(RuleViolation):
        consent_services.reassign_agreement(agreement=agreement, owner=anna, acting_user=anna)
    assert Agreement.objects.get(pk=agreement.pk).owner == anna
    assert not AuditEvent.objects.filter(event=AuditEvent.Event.AGREEMENT_REASSIGNED).exists()


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_giving_the_same_agreement_away_at_once_give_it_once(municipality, unit):
    from tests.test_consent_services import run_at_once

    anna = caseworker(municipality, unit)
    bo, cai = caseworker(municipality, unit), caseworker(municipality, unit)
    citizen = CitizenFactory(municipality=municipality, units=[unit], created_by=anna)
    agreement = AgreementFactory(citizen=citizen, created_by=anna, owner=anna)

    def job(acting, to):
        def read():
            from consent.models import Agreement

            return Agreement.objects.select_related("citizen").get(pk=agreement.pk)

        def save(loaded):
            return consent_services.reassign_agreement(
                agreement=loaded, owner=to, acting_user=acting, seen_owner_id=loaded.owner_id
            )

        return read, save

    outcomes = run_at_once(job(bo, bo), job(cai, cai))
    assert sorted(kind for kind, _result in outcomes) == ["saved", "stale"]
    (winner,) = [result for kind, result in outcomes if kind == "saved"]
    events = AuditEvent.objects.filter(event=AuditEvent.Event.AGREEMENT_REASSIGNED)
    assert [event.payload["owner_id"] for event in events] == [winner.owner_id]
