"""The worker's side of e-mailed invitations: claim rows, make each code, send, record. Run by surveys.tasks.

Many workers on many machines may work on one round at once; a row is sent by the worker that claimed it:

- Claiming is one conditional UPDATE of up to CHUNK rows that are due (waiting and `next_attempt_at` passed,
  or "sending" whose claim has expired because its worker died), setting a fresh claim id and a lease; on
  PostgreSQL the candidates are first locked with SELECT … FOR UPDATE SKIP LOCKED so workers do not queue
  behind each other, and the UPDATE repeats the conditions, so a row another worker took in between is not
  taken again (SQLite writes one transaction at a time).
- Just before sending a row the worker renews its claim (a conditional UPDATE on its claim id); a row whose
  claim ran out and that another worker took is left alone. A claim lasts at least four times the mail
  server's timeout, so it cannot run out while its worker is still talking to the server.
- For each claimed row the worker makes a fresh code, stores its hash on the invitation (only if it has not
  been used: a reminder to someone who has answered is skipped) and e-mails the code.
- Right after the mail server has accepted the message the row is marked sent, in its own transaction.

Delivery is at least once per row, and exactly once unless a worker dies in the short window between the
server's acceptance and that mark: then the row's lease runs out, another worker sends it again, with a new
code that replaces the first (so only the second works). A worker that dies before the acceptance leaves a
row that is simply sent later; nothing is lost.

The database going away (a restart of the server, a dropped connection) while a round is sent: a step that
fails for it is tried again on a new connection until the database answers (`until_the_database_answers`). The
mark "sent" is tried again for up to half the lease, while the claim still holds, so a message the mail server
accepted just as the database went away is recorded once and not sent again; the rest of the round goes on
where it was (the task tries the round again, then itself for what is still due).

Errors: a refusal with a 5xx code is final (the row fails, its invitation is deleted as nobody has its
code); a 4xx refusal, a timeout or a dropped connection is retried with backoff (SURVEY_EMAIL_RETRY_SECONDS
doubled each time) up to SURVEY_EMAIL_ATTEMPTS times, then fails.
"""

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import Count, Min, Q
from django.utils import timezone

from . import codes
from .models import EmailBatch, Invitation, InvitationEmail

logger = logging.getLogger(__name__)

Status = InvitationEmail.Status

CHUNK = 10


def _setting(name: str, default):
    return getattr(settings, name, default)


def lease() -> timedelta:
    """How long a claim holds: SURVEY_EMAIL_LEASE_SECONDS, and at least four times the mail server's timeout,
    so that a claim never runs out while its worker is still talking to the server about the row."""
    return timedelta(
        seconds=max(_setting("SURVEY_EMAIL_LEASE_SECONDS", 120), 4 * (_setting("EMAIL_TIMEOUT", None) or 30))
    )


def backoff(attempts: int) -> timedelta:
    """The wait before the next try, after `attempts` tries: 1, 2, 4, 8… × SURVEY_EMAIL_RETRY_SECONDS."""
    return timedelta(seconds=_setting("SURVEY_EMAIL_RETRY_SECONDS", 60) * 2 ** max(attempts - 1, 0))


def max_attempts() -> int:
    return _setting("SURVEY_EMAIL_ATTEMPTS", 5)


DATABASE_AWAY = (OperationalError, InterfaceError)


def until_the_database_answers(action, *, seconds: float):
    """`action()`, tried again on a new database connection while the database is away, for up to `seconds`; then
    the database's error. Only outside a transaction (a connection is not replaced inside one)."""
    deadline, wait = time.monotonic() + seconds, 0.2
    while True:
        try:
            return action()
        except DATABASE_AWAY:
            if time.monotonic() + wait > deadline:
                raise
            logger.warning("The database did not answer; trying again in %.1f s", wait)
            db_connection.close()
            time.sleep(wait)
            wait = min(wait * 2, 2.0)


def _claimable(now: datetime) -> Q:
    return Q(status=Status.WAITING, next_attempt_at__lte=now) | Q(status=Status.SENDING, claimed_until__lt=now)


def claim(batch_id: int, *, size: int = CHUNK) -> list[InvitationEmail]:
    """Take up to `size` due rows of a batch for this worker; [] when none is due."""
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        candidates = InvitationEmail.objects.filter(_claimable(now), batch_id=batch_id).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        InvitationEmail.objects.filter(_claimable(now), pk__in=ids).update(
            status=Status.SENDING, claim=token, claimed_until=now + lease()
        )
    return list(InvitationEmail.objects.filter(claim=token, status=Status.SENDING).select_related("invitation"))


@dataclass
class Outcome:
    lost: int = 0  # claims that ran out before the row's turn, taken over by another worker
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0


def _still_mine(row: InvitationEmail) -> bool:
    """Renew the claim on a row just before sending it; False when it ran out and another worker took the row
    (then this worker leaves it alone)."""
    now = timezone.now()
    return bool(
        InvitationEmail.objects.filter(pk=row.pk, claim=row.claim, status=Status.SENDING).update(
            claimed_until=now + lease()
        )
    )


def _new_code_for(row: InvitationEmail) -> str | None:
    """A fresh code whose hash replaces the invitation's; None when the invitation was used (or deleted)."""
    code = codes.new_code()
    updated = Invitation.objects.filter(pk=row.invitation_id, used_on__isnull=True).update(
        code_digest=codes.digest(code)
    )
    return code if updated else None


def _finish(row: InvitationEmail, **changes) -> None:
    """Record a row's outcome, only while this worker's claim holds."""
    InvitationEmail.objects.filter(pk=row.pk, claim=row.claim).update(claim=None, claimed_until=None, **changes)


def _failed(row: InvitationEmail, error: str, *, final: bool) -> str:
    attempts = row.attempts + 1
    if final or attempts >= max_attempts():
        with transaction.atomic():
            _finish(row, status=Status.FAILED, attempts=attempts, last_error=error[:100])
            Invitation.objects.filter(pk=row.invitation_id, used_on__isnull=True).delete()
        return "failed"
    _finish(
        row,
        status=Status.WAITING,
        attempts=attempts,
        last_error=error[:100],
        next_attempt_at=timezone.now() + backoff(attempts),
    )
    return "retried"


class Mailer:
    """One SMTP connection, opened when first needed and opened again after it broke."""

    def __init__(self):
        self.connection = None

    def send(self, message) -> None:
        if self.connection is None:
            self.connection = get_connection(fail_silently=False)
            self.connection.open()
        try:
            self.connection.send_messages([message])
        except smtplib.SMTPResponseException:
            raise  # the server answered: the connection still works
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except (smtplib.SMTPException, OSError):
                logger.info("Closing a broken mail connection failed")
            self.connection = None


def _smtp_code(error: Exception) -> int | None:
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return min(code for code, _message in error.recipients.values())
    return None


def send_one(row: InvitationEmail, batch: EmailBatch, mailer: Mailer) -> str:
    """Send one claimed row; returns "sent", "retried", "failed", "skipped", or "unreachable" (retried, and
    the server did not answer: the rest of the chunk waits too)."""
    from .services import invitation_email  # services imports the tasks that import this module

    if not _still_mine(row):
        return "lost"
    code = _new_code_for(row)
    if code is None:
        _finish(row, status=Status.SKIPPED, address="" if batch.kind == EmailBatch.Kind.REMINDERS else row.address)
        return "skipped"
    message = invitation_email(
        wave=batch.wave,
        unit=batch.unit,
        address=row.address,
        code=code,
        base_url=batch.base_url,
        reminder=batch.kind == EmailBatch.Kind.REMINDERS,
        language=batch.language,
    )
    try:
        mailer.send(message)
    except (smtplib.SMTPException, OSError) as error:
        smtp_code = _smtp_code(error)
        logger.warning("An invitation e-mail of round %s was not accepted (%s)", batch.pk, smtp_code or "no answer")
        result = _failed(row, f"{smtp_code or type(error).__name__}", final=smtp_code is not None and smtp_code >= 500)
        return "unreachable" if smtp_code is None and result == "retried" else result
    # The server has the message: record it while the claim holds, even if the database is away for a while.
    until_the_database_answers(
        lambda: _finish(row, status=Status.SENT, sent_at=timezone.now(), attempts=row.attempts + 1, last_error=""),
        seconds=lease().total_seconds() / 2,
    )
    return "sent"


def send_batch(batch_id: int) -> Outcome:
    """Send what is due of a batch, a chunk at a time, until nothing is due."""
    batch = EmailBatch.objects.select_related("wave__survey__municipality", "unit").get(pk=batch_id)
    outcome = Outcome()
    mailer = Mailer()
    try:
        while rows := claim(batch_id):
            for index, row in enumerate(rows):
                result = send_one(row, batch, mailer)
                if result == "unreachable":
                    # The server is away (down, timed out, dropped us): the rest waits for the next try.
                    outcome.retried += 1
                    for rest in rows[index + 1 :]:
                        _finish(rest, status=Status.WAITING, next_attempt_at=timezone.now() + backoff(1))
                    return outcome
                setattr(outcome, result, getattr(outcome, result) + 1)
    finally:
        mailer.close()
    return outcome


def next_due(batch_id: int) -> datetime | None:
    """When something of the batch is next due (a retry, or a claim that may expire); None when it is done."""
    times = InvitationEmail.objects.filter(batch_id=batch_id).aggregate(
        waiting=Min("next_attempt_at", filter=Q(status=Status.WAITING)),
        sending=Min("claimed_until", filter=Q(status=Status.SENDING)),
    )
    due = [time for time in times.values() if time is not None]
    return min(due) if due else None


def unfinished_batches() -> list[int]:
    """The batches with a row still to send, for the scheduler's check that every round is being worked on."""
    return list(
        EmailBatch.objects.filter(emails__status__in=(Status.WAITING, Status.SENDING))
        .distinct()
        .values_list("pk", flat=True)
    )


def progress(batch: EmailBatch) -> dict[str, int]:
    """The round's counts by status, in one query: waiting (also being sent), sent, failed, skipped, total."""
    counts = batch.emails.aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=Q(status__in=(Status.WAITING, Status.SENDING))),
        sent=Count("pk", filter=Q(status=Status.SENT)),
        failed=Count("pk", filter=Q(status=Status.FAILED)),
        skipped=Count("pk", filter=Q(status=Status.SKIPPED)),
    )
    counts["done"] = counts["waiting"] == 0
    return counts
