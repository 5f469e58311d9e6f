"""Every write of a relative's contact request, each in one transaction; staff reads and writes with their row
in Django's admin log (`LogEntry`: who, when, which request, what), as portal.staff_services logs its writes.

The contacts app has no audit log of its own and may not use consent's, so the admin log is its audit
trail: a staff member's reading of a request is logged as a change entry whose message says "Læst", and each
request whose name the list shows as "Set på listen".
"""

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from portal.errors import RuleViolation

from . import rules
from .access import request_policy
from .models import ContactRequest
from .validators import normalize_phone

READ_MESSAGE = "Læst"
LISTED_MESSAGE = "Set på listen"
CLOSED_MESSAGE = "Besvaret og lukket"


def _log(acting_user, contact_request: ContactRequest, flag: int, message: str) -> None:
    LogEntry.objects.create(
        user=acting_user,
        content_type=ContentType.objects.get_for_model(ContactRequest),
        object_id=str(contact_request.pk),
        object_repr=str(contact_request)[:200],
        action_flag=flag,
        change_message=message,
    )


@transaction.atomic
def submit_contact_request(
    *, municipality, way: str, name: str, phone: str, email: str, message: str, consent: bool, now=None
) -> ContactRequest:
    """Keep a relative's request until the day they were told; raises RuleViolation with a message per field."""
    now = now or timezone.now()
    name, phone, email, message = name.strip(), phone.strip(), email.strip(), message.strip()
    if way not in ContactRequest.Way.values:
        raise RuleViolation({"way": rules.WAY_QUESTION})
    problems = rules.contact_request_problems(
        way=way, name=name, phone=phone, email=email, message=message, consent=consent
    )
    if problems:
        raise RuleViolation(problems)
    return ContactRequest.objects.create(
        municipality=municipality,
        way=way,
        name=name,
        phone=normalize_phone(phone) if phone else "",
        email=email,
        message=message,
        consented_at=now,
        created_at=now,
        erase_after=rules.erase_date(timezone.localdate(now), settings.CONTACT_REQUEST_RETENTION_DAYS),
    )


def list_contact_requests(*, acting_user) -> list[ContactRequest]:
    """The requests a member of staff may see, with one log row per request whose name the list shows."""
    with transaction.atomic():
        requests = list(request_policy.visible(acting_user, ContactRequest).order_by("created_at", "pk"))
        content_type = ContentType.objects.get_for_model(ContactRequest)
        LogEntry.objects.bulk_create(
            LogEntry(
                user=acting_user,
                content_type=content_type,
                object_id=str(contact_request.pk),
                object_repr=str(contact_request)[:200],
                action_flag=CHANGE,
                change_message=LISTED_MESSAGE,
            )
            for contact_request in requests
        )
    return requests


def open_contact_request(*, acting_user, pk: int) -> ContactRequest:
    """A request as a member of staff opens it, with its reading logged; DoesNotExist outside their reach."""
    with transaction.atomic():
        contact_request = request_policy.visible(acting_user, ContactRequest).select_related("answered_by").get(pk=pk)
        _log(acting_user, contact_request, CHANGE, READ_MESSAGE)
    return contact_request


@transaction.atomic
def close_contact_request(*, acting_user, pk: int, note: str) -> ContactRequest:
    """Record how the relative was answered and close the request; refuses a request closed already."""
    contact_request = request_policy.visible(acting_user, ContactRequest).select_for_update().get(pk=pk)
    note = note.strip()
    if contact_request.status == ContactRequest.Status.CLOSED:
        raise RuleViolation({None: rules.ALREADY_CLOSED})
    if not note or len(note) > rules.MESSAGE_MAX_LENGTH:
        raise RuleViolation({"note": rules.NOTE_NEEDED})
    contact_request.status = ContactRequest.Status.CLOSED
    contact_request.answer_note = note
    contact_request.answered_by = acting_user
    contact_request.answered_at = timezone.now()
    contact_request.save(update_fields=["status", "answer_note", "answered_by", "answered_at"])
    _log(acting_user, contact_request, CHANGE, CLOSED_MESSAGE)
    return contact_request


def erase_expired_contact_requests(today=None) -> int:
    """Erase the requests whose stated time is over (portal.personal_data, daily); how many."""
    today = today or timezone.localdate()
    return ContactRequest.objects.filter(erase_after__lt=today).delete()[0]
