"""The consent app's scheduled work (listed in ConsentConfig.periodic_tasks, run by the task queue).

`send_caseworker_reminders`, daily: each caseworker who wants the portal's e-mails and has an address gets
one e-mail, only when something is due or overdue for them (consent.reads.reminders_for: follow-ups of the
agreements they own, consent reviews and "ask again" dates of their units' citizens). The e-mail holds the
numbers and a link to the task page, no citizen's name.
"""

from collections import Counter

from django.utils import timezone
from django_tasks import task

from portal.notifications import recipients, send_to_staff
from portal.roles import Role

from .access import policy
from .models import Citizen
from .reads import reminders_for


def caseworker_reminder(user, today) -> dict | None:
    """What one caseworker's e-mail says, or None when nothing is due."""
    due = reminders_for(user, policy.visible(user, Citizen), today)
    if not due:
        return None
    kinds = Counter(task.kind for task in due)
    return {
        "total": len(due),
        "overdue": sum(task.overdue for task in due),
        "follow_ups": kinds["follow_up"],
        "reviews": kinds["consent_review"],
        "ask_again": kinds["ask_again"],
    }


@task()
def send_caseworker_reminders() -> int:
    today = timezone.localdate()
    sent = 0
    for user in recipients(Role.CASEWORKER):
        summary = caseworker_reminder(user, today)
        if summary and send_to_staff(user, template="consent/email/reminder", context={"summary": summary}):
            sent += 1
    return sent
