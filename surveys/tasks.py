"""The survey's background work, run by the task queue's workers (`manage.py db_worker`).

- `send_invitation_emails`: sends what is due of an e-mail round (surveys.email_sending) and, while
  something of it is still waiting (a retry with backoff, or a row whose worker died), enqueues itself again
  for when that is due.
- Periodic, enqueued by `manage.py scheduler` (listed in SurveysConfig.periodic_tasks):
  `resume_email_rounds` every minute (a round whose tasks were lost with their worker, or failed while the
  database was away, is picked up again), `forget_invitation_addresses` daily.
"""

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from . import email_sending, services


@task()
def send_invitation_emails(batch_id: int) -> dict:
    outcome = email_sending.send_batch(batch_id)
    due = email_sending.next_due(batch_id)
    if due is not None:
        send_invitation_emails.using(run_after=max(due, timezone.now()) + timedelta(seconds=1)).enqueue(batch_id)
    return asdict(outcome)


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
