"""E-mailed invitations go through the task queue: the manager's page comes back at once, the worker sends to
a real SMTP server (tests.smtp_sink), retries what the server put off, lists what failed once, and a
reminder round reaches only the invitations not yet used. (The worker processes themselves: test_queue_workers.)"""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.roles import Role
from surveys import email_sending, services
from surveys.models import EmailBatch, Invitation, InvitationEmail
from tests.factories import StaffFactory
from tests.scenarios import open_survey
from tests.smtp_sink import SmtpSink

GROUPED_CODE = re.compile(r"\b[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{4}-[ACEFGHJKMNPRTUVWXY34679]{2}\b")
Status = InvitationEmail.Status


@pytest.fixture
def sink(tmp_path, settings):
    smtp = SmtpSink(tmp_path).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 2
    settings.SURVEY_EMAIL_RETRY_SECONDS = 30
    yield smtp
    smtp.stop()


@pytest.fixture
def survey(municipality):
    return open_survey(municipality)


@pytest.fixture
def manager(municipality):
    return StaffFactory(municipality=municipality, roles=[Role.MANAGER])


def order(survey, manager, addresses) -> EmailBatch:
    return services.invite_by_email(
        wave=survey.wave, unit=survey.unit, addresses=addresses, acting_user=manager, base_url="https://portal.example"
    )


def recipients(sink) -> list[str]:
    return sorted(address for message in sink.messages() for address in message["to"])


def test_the_page_comes_back_at_once_and_sends_nothing_itself(client, manager, survey, sink, django_assert_num_queries):
    addresses = [f"paaroerende{n}@example.dk" for n in range(300)]
    client.force_login(manager)
    url = f"/personale/undersoegelser/runde/{survey.wave.pk}/invitationer/"
    response = client.post(url, {"unit": survey.unit.pk, "delivery": "email", "emails": "\n".join(addresses)})
    batch = EmailBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/personale/undersoegelser/udsendelse/{batch.pk}/"
    assert sink.messages() == []  # the request only ordered the work
    assert Invitation.objects.filter(wave=survey.wave).count() == 300
    assert batch.emails.filter(status=Status.WAITING).count() == 300

    with django_assert_num_queries(5):  # session, user, groups, the round, its counts
        page = client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert 'data-count="waiting">300<' in page.text and 'data-count="sent">0<' in page.text
    assert "Opdater tallene" in page.text  # without JavaScript: a reload link
    assert client.get(f"{response['Location']}status/").json()["waiting"] == 300


def test_the_worker_sends_each_address_one_working_code(client, manager, survey, sink):
    batch = order(survey, manager, ["anna@example.dk", "bo@example.dk", "carl@example.dk"])
    outcome = email_sending.send_batch(batch.pk)
    assert (outcome.sent, outcome.failed) == (3, 0)
    assert recipients(sink) == ["anna@example.dk", "bo@example.dk", "carl@example.dk"]
    codes = {GROUPED_CODE.search(message["body"]).group() for message in sink.messages()}
    assert len(codes) == 3
    message = sink.messages()[0]
    assert survey.survey.title in message["subject"] and "https://portal.example/undersoegelse/" in message["body"]
    assert email_sending.next_due(batch.pk) is None
    assert client.post(f"/undersoegelse/{codes.pop()}/", survey.form_data()).status_code == 303
    assert email_sending.progress(batch) == {
        "total": 3, "waiting": 0, "sent": 3, "failed": 0, "skipped": 0, "done": True
    }  # fmt: skip


def test_a_refused_address_fails_at_once_and_is_shown_once_then_forgotten(client, manager, survey, sink):
    sink.set_rules(refuse={"nej@example.dk": 550})
    batch = order(survey, manager, ["ok@example.dk", "nej@example.dk"])
    email_sending.send_batch(batch.pk)
    assert recipients(sink) == ["ok@example.dk"]
    failed = batch.emails.get(status=Status.FAILED)
    assert failed.attempts == 1 and failed.last_error == "550"
    assert Invitation.objects.count() == 1  # nobody has the failed one's code

    client.force_login(manager)
    page = client.get(f"/personale/undersoegelser/udsendelse/{batch.pk}/")
    assert "nej@example.dk" in page.text and 'data-count="failed">1<' in page.text
    again = client.get(f"/personale/undersoegelser/udsendelse/{batch.pk}/")
    assert "nej@example.dk" not in again.text and "ikke længere" in again.text
    assert not InvitationEmail.objects.filter(address="nej@example.dk").exists()


def test_a_server_that_puts_an_address_off_is_tried_again_with_backoff(manager, survey, sink, settings):
    sink.set_rules(tempfail_first={"senere@example.dk": 2})
    settings.SURVEY_EMAIL_RETRY_SECONDS = 30
    batch = order(survey, manager, ["senere@example.dk"])
    email_sending.send_batch(batch.pk)
    row = batch.emails.get()
    assert row.status == Status.WAITING and row.attempts == 1 and row.last_error == "451"
    assert timedelta(seconds=25) < row.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert email_sending.next_due(batch.pk) == row.next_attempt_at
    assert email_sending.send_batch(batch.pk).sent == 0  # not due yet

    InvitationEmail.objects.update(next_attempt_at=timezone.now())
    email_sending.send_batch(batch.pk)
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at - timezone.now() > timedelta(seconds=55)  # doubled
    InvitationEmail.objects.update(next_attempt_at=timezone.now())
    email_sending.send_batch(batch.pk)
    assert recipients(sink) == ["senere@example.dk"]
    assert batch.emails.get().status == Status.SENT


def test_an_address_put_off_too_often_fails(manager, survey, sink, settings):
    settings.SURVEY_EMAIL_ATTEMPTS = 3
    sink.set_rules(tempfail_first={"aldrig@example.dk": 10})
    batch = order(survey, manager, ["aldrig@example.dk"])
    for _n in range(3):
        InvitationEmail.objects.update(next_attempt_at=timezone.now())
        email_sending.send_batch(batch.pk)
    row = batch.emails.get()
    assert row.status == Status.FAILED and row.attempts == 3
    assert not Invitation.objects.exists()


def test_a_dropped_connection_mid_batch_loses_nothing_and_sends_nothing_twice(manager, survey, sink):
    sink.set_rules(drop_after=4)
    addresses = [f"p{n}@example.dk" for n in range(10)]
    batch = order(survey, manager, addresses)
    email_sending.send_batch(batch.pk)  # the fifth message is lost with the connection: the rest waits
    assert len(recipients(sink)) == 4 and batch.emails.filter(status=Status.WAITING).count() == 6
    assert email_sending.next_due(batch.pk) > timezone.now()
    InvitationEmail.objects.update(next_attempt_at=timezone.now())  # the retry is due
    email_sending.send_batch(batch.pk)
    assert recipients(sink) == sorted(addresses)
    dropped = batch.emails.get(attempts=2)
    assert dropped.status == Status.SENT and dropped.last_error == ""


def test_a_server_that_does_not_answer_in_time_is_tried_again(manager, survey, sink, settings):
    settings.EMAIL_TIMEOUT = 1
    sink.set_rules(delay=3)
    batch = order(survey, manager, ["langsom@example.dk"])
    email_sending.send_batch(batch.pk)
    row = batch.emails.get()
    assert row.status == Status.WAITING and row.last_error in {"TimeoutError", "SMTPServerDisconnected"}


def test_a_server_that_is_down_keeps_the_round_waiting(manager, survey, sink):
    sink.stop()
    batch = order(survey, manager, ["a@example.dk", "b@example.dk"])
    email_sending.send_batch(batch.pk)
    assert batch.emails.filter(status=Status.WAITING).count() == 2
    assert batch.emails.filter(attempts=1).count() == 1  # the second was not even tried
    sink.start()
    InvitationEmail.objects.update(next_attempt_at=timezone.now())
    email_sending.send_batch(batch.pk)
    assert recipients(sink) == ["a@example.dk", "b@example.dk"]


def test_a_row_whose_worker_died_is_sent_when_its_claim_expires(manager, survey, sink):
    batch = order(survey, manager, ["a@example.dk", "b@example.dk"])
    [first, second] = email_sending.claim(batch.pk, size=2)  # a worker took both, then died
    assert email_sending.claim(batch.pk) == []  # nobody else takes them while the claim holds
    InvitationEmail.objects.filter(pk=first.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    email_sending.send_batch(batch.pk)
    assert recipients(sink) == ["a@example.dk"]
    assert email_sending.next_due(batch.pk) == InvitationEmail.objects.get(pk=second.pk).claimed_until


def test_the_reminder_goes_only_to_invitations_not_used_with_a_new_code(client, manager, survey, sink):
    batch = order(survey, manager, ["svarer@example.dk", "glemmer@example.dk"])
    email_sending.send_batch(batch.pk)
    first_codes = {m["to"][0]: GROUPED_CODE.search(m["body"]).group() for m in sink.messages()}
    assert client.post(f"/undersoegelse/{first_codes['svarer@example.dk']}/", survey.form_data()).status_code == 303

    client.force_login(manager)
    response = client.post(f"/personale/undersoegelser/udsendelse/{batch.pk}/paamindelse/")
    reminder = EmailBatch.objects.get(kind=EmailBatch.Kind.REMINDERS)
    assert response.status_code == 302 and response["Location"].endswith(f"/{reminder.pk}/")
    email_sending.send_batch(reminder.pk)
    [sent] = sink.messages()[2:]
    assert sent["to"] == ["glemmer@example.dk"] and sent["subject"].startswith("Påmindelse")
    new_code = GROUPED_CODE.search(sent["body"]).group()
    assert new_code != first_codes["glemmer@example.dk"]
    client.logout()
    assert client.get(f"/undersoegelse/{first_codes['glemmer@example.dk']}/").status_code == 404  # replaced
    assert client.post(f"/undersoegelse/{new_code}/", survey.form_data()).status_code == 303
    assert Invitation.objects.count() == 2  # the same invitations: the response rate is not inflated

    client.force_login(manager)
    again = client.post(f"/personale/undersoegelser/udsendelse/{batch.pk}/paamindelse/")
    assert again.status_code == 400 and "allerede" in again.text


def test_a_relative_who_answers_before_the_reminder_is_sent_gets_none(client, manager, survey, sink):
    batch = order(survey, manager, ["a@example.dk"])
    email_sending.send_batch(batch.pk)
    reminder = services.remind_by_email(batch=batch, acting_user=manager)
    code = GROUPED_CODE.search(sink.messages()[0]["body"]).group()
    assert client.post(f"/undersoegelse/{code}/", survey.form_data()).status_code == 303
    assert email_sending.send_batch(reminder.pk).skipped == 1
    assert len(sink.messages()) == 1 and reminder.emails.get().address == ""


def test_addresses_are_forgotten_once_the_wave_has_closed(manager, survey, sink):
    batch = order(survey, manager, ["a@example.dk"])
    email_sending.send_batch(batch.pk)
    assert services.forget_addresses(today=survey.wave.closes_on) == 0  # the reminder window is still open
    assert services.forget_addresses(today=survey.wave.closes_on + timedelta(days=1)) == 1
    assert batch.emails.get().address == ""


def test_another_municipality_s_round_is_not_found(client, survey, manager, other_municipality, sink):
    batch = order(survey, manager, ["a@example.dk"])
    stranger = StaffFactory(municipality=other_municipality, roles=[Role.MANAGER])
    client.force_login(stranger)
    for url in ["", "status/"]:
        assert client.get(f"/personale/undersoegelser/udsendelse/{batch.pk}/{url}").status_code == 404
    assert client.post(f"/personale/undersoegelser/udsendelse/{batch.pk}/paamindelse/").status_code == 404
    caseworker = StaffFactory(municipality=survey.municipality, roles=[Role.CASEWORKER])
    client.force_login(caseworker)
    assert client.get(f"/personale/undersoegelser/udsendelse/{batch.pk}/").status_code == 403
    client.logout()
    for url in ["", "status/"]:
        response = client.get(f"/personale/undersoegelser/udsendelse/{batch.pk}/{url}")
        assert response.status_code == 302 and response["Location"].startswith("/konto/log-ind/")
    assert client.get("/personale/e-mails/")["Location"].startswith("/konto/log-ind/")


def test_the_scheduler_enqueues_each_periodic_job_once_per_period(db):
    from django_tasks_db.models import DBTaskResult

    from portal.models import ScheduledRun

    call_command("scheduler", "--once")
    call_command("scheduler", "--once")  # a second scheduler in the same minute enqueues nothing more
    names = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert names.count("surveys.tasks.resume_email_rounds") == 1
    assert ScheduledRun.objects.filter(job="surveys.resume_email_rounds").count() == 1


def test_the_scheduler_marks_failed_a_task_whose_worker_died_while_running_it(db, settings):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from portal.schedule import ABANDONED
    from portal.tasks import erase_expired_personal_data

    settings.TASK_ABANDONED_AFTER_SECONDS = 3600
    abandoned, running, done = (DBTaskResult.objects.get(pk=erase_expired_personal_data.enqueue().id) for _ in "xyz")
    for row in (abandoned, running, done):
        row.claim("worker-that-was-killed")
    DBTaskResult.objects.filter(pk=abandoned.pk).update(started_at=timezone.now() - timedelta(seconds=3601))
    DBTaskResult.objects.filter(pk=done.pk).update(started_at=timezone.now() - timedelta(days=1))
    DBTaskResult.objects.get(pk=done.pk).set_successful({})

    call_command("scheduler", "--once")

    states = dict(DBTaskResult.objects.values_list("pk", "status"))
    assert (states[abandoned.pk], states[running.pk], states[done.pk]) == ("FAILED", "RUNNING", "SUCCESSFUL")
    result = erase_expired_personal_data.get_result(str(abandoned.pk))
    assert result.status == "FAILED" and result.finished_at is not None
    assert [error.exception_class_path for error in result.errors] == ["portal.schedule.AbandonedTask"]
    assert result.errors[0].traceback == ABANDONED
