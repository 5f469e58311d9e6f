"""The directory's scheduled work (listed in ContactsConfig.periodic_tasks, run by the task queue).

`send_editor_reminders`, monthly: each editor who wants the portal's e-mails gets the contact points of their
own municipality that nobody has checked for CHECK_AGAIN_AFTER_DAYS (a year), when there are any, with a link
to the admin's list of them.

`send_contact_request_notices`, daily: each Pårørendekontakt who wants the portal's e-mails hears how many
relatives' contact requests of their municipality wait for an answer, with a link to the list (no name, no
number: the page shows those after login).

`run_directory_import`, enqueued when an editor confirms an import: the import itself (contacts.services).
`fail_abandoned_imports`, every minute: an import whose worker died is recorded as failed, its rows cleared.
"""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from portal.notifications import recipients, send_to_staff
from portal.roles import Role

from . import services
from .models import CHECK_AGAIN_AFTER_DAYS, ContactPoint, ContactRequest


def unchecked_contact_points(municipality, today) -> list[ContactPoint]:
    limit = today - timedelta(days=CHECK_AGAIN_AFTER_DAYS)
    return list(ContactPoint.objects.filter(municipality=municipality, last_checked__lt=limit).order_by("name"))


@task()
def send_editor_reminders() -> int:
    today = timezone.localdate()
    sent, unchecked = 0, {}
    for user in recipients(Role.EDITOR):
        if user.municipality_id not in unchecked:
            unchecked[user.municipality_id] = unchecked_contact_points(user.municipality, today)
        contacts = unchecked[user.municipality_id]
        if contacts and send_to_staff(user, template="contacts/email/unchecked", context={"contacts": contacts}):
            sent += 1
    return sent


@task()
def send_contact_request_notices() -> int:
    waiting = dict(
        ContactRequest.objects.filter(status=ContactRequest.Status.OPEN)
        .values("municipality")
        .annotate(count=Count("pk"))
        .values_list("municipality", "count")
    )
    sent = 0
    for user in recipients(Role.RELATIVES_CONTACT):
        count = waiting.get(user.municipality_id, 0)
        if count and send_to_staff(user, template="contacts/email/waiting_requests", context={"count": count}):
            sent += 1
    return sent


@task()
def run_directory_import(import_id: int) -> str:
    """An editor's confirmed import of the directory (contacts.services.run_directory_import); its status."""
    order = services.run_directory_import(import_id)
    return order.status if order else "gone"


@task()
def fail_abandoned_imports() -> int:
    """Every minute: imports whose worker died or whose task was lost are recorded as failed (contacts.services)."""
    return services.fail_abandoned_imports()
