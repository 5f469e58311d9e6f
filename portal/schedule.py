"""The portal's periodic jobs: each app lists its own (`periodic_tasks` on its AppConfig), the core runs them.

A job is a django-tasks task (by dotted path, so the core imports no app) and when it is due: every minute,
every day at a time, or every month on a day at a time (Danish time). `manage.py scheduler` enqueues each job
once per period (one row in `ScheduledRun` per job and period, so several schedulers on several machines
enqueue a job once); the task queue's workers run it. Cron or a systemd timer can call
`manage.py scheduler --once` every minute instead of running the loop.

Each pass also marks as failed the tasks whose worker died while running them (`mark_abandoned_tasks`): a
worker killed halfway leaves its task marked running forever otherwise. The work itself is not lost: a job
that must finish resumes itself (e-mail rounds: `surveys.resume_email_rounds`, every minute).

To register a job, in the app's AppConfig:

    periodic_tasks = (Job("consent.retention", "consent.tasks.apply_retention", Every.DAY, at=time(2, 30)),)
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import Enum

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string


class Every(Enum):
    MINUTE = "minute"
    DAY = "day"
    MONTH = "month"


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django-tasks Task
    every: Every
    at: time = time(0, 0)
    day: int = 1  # of the month, for Every.MONTH

    def period(self, now: datetime) -> datetime | None:
        """The start of the period `now` (local time) lies in, once the job is due in it; None before."""
        local = timezone.localtime(now)
        if self.every is Every.MINUTE:
            return local.replace(second=0, microsecond=0)
        start = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        if self.every is Every.MONTH:
            if local.day < self.day:
                return None
            start = start.replace(day=self.day)
        return start if local >= start else None


def jobs() -> list[Job]:
    """Every app's periodic jobs, in the order of INSTALLED_APPS."""
    return [job for config in apps.get_app_configs() for job in getattr(config, "periodic_tasks", ())]


class AbandonedTask(Exception):
    """What a task whose worker died while running it failed with (see `mark_abandoned_tasks`)."""


ABANDONED = (
    "The worker stopped (it was killed, or its machine went down) while it ran this task, and the task was "
    "still marked running after TASK_ABANDONED_AFTER_SECONDS. Marked failed by the scheduler."
)


def mark_abandoned_tasks(now: datetime | None = None) -> int:
    """Mark as failed the tasks still running TASK_ABANDONED_AFTER_SECONDS after they started: their worker is
    gone. One UPDATE, so several schedulers do it once; a task that was only slow and then finishes is marked
    successful by its worker as usual. Returns how many were marked."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    started_before = now - timedelta(seconds=settings.TASK_ABANDONED_AFTER_SECONDS)
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=started_before).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=f"{AbandonedTask.__module__}.{AbandonedTask.__qualname__}",
        traceback=ABANDONED,
    )


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue each job that is due and not yet enqueued for its period; returns the names enqueued."""
    from .models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in jobs():
        period = job.period(now)
        if period is None:
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.name, period=period)
                import_string(job.task).enqueue()
        except IntegrityError:
            continue  # another scheduler (or an earlier pass) enqueued it for this period
        enqueued.append(job.name)
    # A run for every minute need not be kept for long.
    ScheduledRun.objects.filter(period__lt=now - timezone.timedelta(days=62)).delete()
    mark_abandoned_tasks(now)
    return enqueued
