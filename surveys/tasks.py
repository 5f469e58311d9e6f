"""The survey's background work, run by the task queue's workers (`manage.py db_worker`).

- `send_invitation_emails`: sends what is due of an e-mail round (surveys.email_sending), waiting for the
  database while it is away (a restart), and, while something of it is still waiting (a retry with backoff, or
  a row whose worker died), enqueues itself again for when that is due.
- Periodic, enqueued by `manage.py scheduler` (listed in SurveysConfig.periodic_tasks):
  `resume_email_rounds` every minute (a round whose tasks were lost with their worker, or failed while the
  database was away, is picked up again), `forget_invitation_addresses` daily.
"""

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from portal.notifications import recipients, send_to_staff
from portal.roles import Role

from . import email_sending, services
from .models import Wave

# How long a round's task waits for the database to come back (a restart) before it fails.
DATABASE_PATIENCE_SECONDS = 120


@task()
def send_invitation_emails(batch_id: int) -> dict:
    def send() -> dict:
        outcome = email_sending.send_batch(batch_id)
        due = email_sending.next_due(batch_id)
        if due is not None:
            send_invitation_emails.using(run_after=max(due, timezone.now()) + timedelta(seconds=1)).enqueue(batch_id)
        return asdict(outcome)

    # The database went away halfway: the round goes on where it was once it answers (rows claimed before are
    # sent when their claims run out, by this task enqueued again); the worker records the task's end as usual.
    return email_sending.until_the_database_answers(send, seconds=DATABASE_PATIENCE_SECONDS)


def start_sending(batch_id: int) -> None:
    """Enqueue the round's sending as SURVEY_EMAIL_WORKERS tasks, so that as many workers share it."""
    for _n in range(max(1, getattr(settings, "SURVEY_EMAIL_WORKERS", 2))):
        send_invitation_emails.enqueue(batch_id)


@task()
def resume_email_rounds() -> int:
    """Enqueue the sending of every round that has something to send; a worker that finds nothing due stops."""
    batches = email_sending.unfinished_batches()
    for batch_id in batches:
        send_invitation_emails.enqueue(batch_id)
    return len(batches)


@task()
def forget_invitation_addresses() -> int:
    return services.forget_addresses(today=timezone.localdate())


def waves_to_announce(municipality, today) -> dict[str, list[Wave]]:
    """The municipality's waves (in the portal) that open tomorrow, and those that close tomorrow."""
    tomorrow = today + timedelta(days=1)
    waves = Wave.objects.filter(
        Q(opens_on=tomorrow) | Q(closes_on=tomorrow), survey__municipality=municipality, is_external=False
    ).select_related("survey")
    return {
        "opening": [wave for wave in waves if wave.opens_on == tomorrow],
        "closing": [wave for wave in waves if wave.closes_on == tomorrow],
    }


@task()
def send_wave_notices() -> int:
    """Daily: each manager who wants the portal's e-mails hears the day before a wave of theirs opens or closes."""
    today = timezone.localdate()
    sent, found = 0, {}
    for user in recipients(Role.MANAGER):
        if user.municipality_id not in found:
            found[user.municipality_id] = waves_to_announce(user.municipality, today)
        waves = found[user.municipality_id]
        if (waves["opening"] or waves["closing"]) and send_to_staff(
            user, template="surveys/email/wave_notice", context=waves
        ):
            sent += 1
    return sent
