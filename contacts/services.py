"""Every write of a relative's contact request, each in one transaction; staff reads and writes with their row
in Django's admin log (`LogEntry`: who, when, which request, what), as portal.staff_services logs its writes.

The contacts app has no audit log of its own and may not use consent's, so the admin log is its audit
trail: a staff member's reading of a request is logged as a change entry whose message says "Læst", and each
request whose name the list shows as "Set på listen".

Every write of the directory outside the Django admin: the import of a municipality's directory from a file.

`plan_directory_import` tells (reading only) what an import would do; `import_directory` does it, in one
transaction, or nothing at all when a row is wrong. Matching, so that importing again updates instead of
duplicating:

- a contact point by its key (the file's `id`, an HSDS service's id: `ContactPoint.external_id`); a row without
  a key, or whose key the portal has not seen, by its name (case aside) among contact points without a key;
- a need by its name, a situation by its need and its text, a link by situation and contact point.

Nothing is deleted: what is in the portal but not in the file stays (an editor removes it in the admin).
A contact point's "last checked" is the file's date where it gives one; otherwise the day of an import that
creates or changes it, and an unchanged contact point keeps its date.

An editor's confirmed import runs in the task queue, never in the request: `order_directory_import` records it
(`DirectoryImport`, with the rows of the preview) and enqueues `contacts.tasks.run_directory_import`, which
calls `run_directory_import`: that runs `import_directory` and records what it did, or why nothing was
imported, and clears the rows either way.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import RuleViolation
from portal.models import Municipality
from portal.signals import mark_content_changed

from . import rules
from .access import directory_policy, request_policy
from .directory_import import DirectoryRow, ParsedDirectory
from .models import ContactPoint, ContactRequest, DirectoryImport, Need, Situation, SituationContact
from .search_index import index_situations
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


CONTACT_DETAILS = ("name", "description", "phone", "email", "website", "address", "opening_hours")
ORDER_STEP = 10


@dataclass
class DirectoryImportPlan:
    contacts_created: list[str] = field(default_factory=list)
    contacts_changed: list[str] = field(default_factory=list)
    contacts_unchanged: int = 0
    needs_created: list[str] = field(default_factory=list)
    situations_created: int = 0
    links_created: int = 0
    links_changed: int = 0

    @property
    def changes_nothing(self) -> bool:
        return not any(getattr(self, name) for name in DirectoryImport.CHANGES)


@dataclass
class _Contact:
    """A contact point of the file: its details from its rows, and the portal's contact point it updates."""

    key: str
    details: dict
    last_checked: str
    rows: list[DirectoryRow]
    existing: ContactPoint | None = None

    def changes(self) -> list[str]:
        if self.existing is None:
            return list(CONTACT_DETAILS)
        changed = [name for name in CONTACT_DETAILS if getattr(self.existing, name) != self.details[name]]
        if self.last_checked and self.existing.last_checked.isoformat() != self.last_checked:
            changed.append("last_checked")
        if self.key and self.existing.external_id != self.key:
            changed.append("external_id")
        return changed


class _Directory:
    """The municipality's directory as the import matches against it, read in four queries."""

    def __init__(self, municipality: Municipality, *, lock: bool):
        contacts = ContactPoint.objects.filter(municipality=municipality).order_by("pk")
        if lock:  # two imports at once: the second waits, then sees what the first wrote
            contacts = contacts.select_for_update()
        self.contacts = list(contacts)
        self.by_key = {c.external_id: c for c in self.contacts if c.external_id}
        self.by_name: dict[str, list[ContactPoint]] = {}
        for contact in self.contacts:
            if not contact.external_id:
                self.by_name.setdefault(contact.name.lower(), []).append(contact)
        self.needs = {need.name.lower(): need for need in Need.objects.filter(municipality=municipality)}
        self.situations = {
            (s.need_id, s.text.lower()): s for s in Situation.objects.filter(need__municipality=municipality)
        }
        self.links = {
            (link.situation_id, link.contact_point_id): link
            for link in SituationContact.objects.filter(situation__need__municipality=municipality)
        }


def _contacts_of(parsed: ParsedDirectory, directory: _Directory) -> list[_Contact]:
    """The file's contact points, each matched with the portal's; a row that cannot be matched gets a message."""
    grouped: dict[str, _Contact] = {}
    for row in parsed.rows:
        contact = grouped.get(row.contact_key)
        if contact is None:
            contact = grouped[row.contact_key] = _Contact(
                key=row.key, details=dict.fromkeys(CONTACT_DETAILS, ""), last_checked="", rows=[]
            )
        contact.rows.append(row)
        for name in CONTACT_DETAILS:
            contact.details[name] = contact.details[name] or getattr(row, name)
        contact.last_checked = contact.last_checked or row.last_checked
    for contact in grouped.values():
        contact.existing = directory.by_key.get(contact.key) if contact.key else None
        if contact.existing is None:
            same_name = directory.by_name.get(contact.details["name"].lower(), [])
            if len(same_name) > 1:
                contact.rows[0].errors.append(
                    _(
                        "The directory has %(count)s contact points named “%(name)s”, so the row cannot tell which. "
                        "Give the row the id of one of them, or rename one in the admin."
                    )
                    % {"count": len(same_name), "name": contact.details["name"]}
                )
            elif same_name:
                contact.existing = same_name[0]
    return list(grouped.values())


def plan_directory_import(*, municipality: Municipality, parsed: ParsedDirectory) -> DirectoryImportPlan:
    """What importing `parsed` would do (reading only); adds to the rows what only the database can tell."""
    return _plan(parsed, _Directory(municipality, lock=False))[0]


def _plan(parsed: ParsedDirectory, directory: _Directory) -> tuple[DirectoryImportPlan, list[_Contact]]:
    contacts = _contacts_of(parsed, directory)
    plan = DirectoryImportPlan()
    for contact in contacts:
        if contact.existing is None:
            plan.contacts_created.append(contact.details["name"])
        elif contact.changes():
            plan.contacts_changed.append(contact.details["name"])
        else:
            plan.contacts_unchanged += 1
    _plan_situations(plan, contacts, directory)
    return plan, contacts


def _plan_situations(plan: DirectoryImportPlan, contacts: list[_Contact], directory: _Directory) -> None:
    new_needs, new_situations = set(), set()
    for contact in contacts:
        for row in contact.rows:
            need = directory.needs.get(row.need.lower())
            if need is None and row.need.lower() not in new_needs:
                plan.needs_created.append(row.need)
                new_needs.add(row.need.lower())
            situation = directory.situations.get((need.pk, row.situation.lower())) if need else None
            if situation is None:
                new_situations.add((row.need.lower(), row.situation.lower()))
            link = directory.links.get((situation.pk, contact.existing.pk)) if situation and contact.existing else None
            if link is None:
                plan.links_created += 1
            elif link.ask_about != row.ask_about:
                plan.links_changed += 1
    plan.situations_created = len(new_situations)


def import_directory(*, municipality: Municipality, parsed: ParsedDirectory, acting_user) -> DirectoryImportPlan:
    """Create or update every need, situation and contact point of the file, or nothing when a row is wrong."""
    with transaction.atomic():
        # Two imports into one municipality at once: the second waits here, then matches against what the
        # first wrote (a new contact point has no row to lock yet, so the municipality's row is the lock).
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        directory = _Directory(municipality, lock=True)
        plan, contacts = _plan(parsed, directory)
        if parsed.has_errors:
            raise RuleViolation(
                {None: _("The file has errors, so nothing was imported. Correct them and upload it again.")}
            )
        today = timezone.localdate()
        written = _write_contacts(municipality, contacts, today)
        touched = _write_situations(municipality, contacts, directory)
        changed_contacts = {point.pk for flag, point in written if flag == CHANGE}
        touched.update(situation for (situation, contact) in directory.links if contact in changed_contacts)
        _log_import(acting_user, written)
        index_situations(touched)
        mark_content_changed(pk=municipality.pk)
    return plan


def _write_contacts(
    municipality: Municipality, contacts: list[_Contact], today: date
) -> list[tuple[int, ContactPoint]]:
    created, changed, written = [], [], []
    for contact in contacts:
        changes = contact.changes()
        point = contact.existing or ContactPoint(municipality=municipality)
        for name in CONTACT_DETAILS:
            setattr(point, name, contact.details[name])
        if contact.key:
            point.external_id = contact.key
        if contact.last_checked:
            point.last_checked = date.fromisoformat(contact.last_checked)
        elif changes:
            point.last_checked = today
        if contact.existing is None:
            created.append(point)
            written.append((ADDITION, point))
        elif changes:
            changed.append(point)
            written.append((CHANGE, point))
        contact.existing = point
    ContactPoint.objects.bulk_create(created)
    ContactPoint.objects.bulk_update(changed, [*CONTACT_DETAILS, "external_id", "last_checked"])
    return written


def _write_situations(municipality: Municipality, contacts: list[_Contact], directory: _Directory) -> set[int]:
    """The needs, situations and links of the rows; returns the situations whose index must be renewed."""
    touched: set[int] = set()
    next_need_order = max((need.order for need in directory.needs.values()), default=0) + ORDER_STEP
    # In the file's order, so that new needs and situations keep the order they have there.
    rows = sorted(((contact, row) for contact in contacts for row in contact.rows), key=lambda pair: pair[1].position)
    for _contact, row in rows:
        if row.need.lower() not in directory.needs:
            directory.needs[row.need.lower()] = Need(municipality=municipality, name=row.need, order=next_need_order)
            next_need_order += ORDER_STEP
    Need.objects.bulk_create([need for need in directory.needs.values() if need.pk is None])
    new_situations = {}
    last_order = Counter()
    for situation in directory.situations.values():
        last_order[situation.need_id] = max(last_order[situation.need_id], situation.order)
    for _contact, row in rows:
        need = directory.needs[row.need.lower()]
        key = (need.pk, row.situation.lower())
        if key not in directory.situations and key not in new_situations:
            last_order[need.pk] += ORDER_STEP
            new_situations[key] = Situation(need=need, text=row.situation, order=last_order[need.pk])
    Situation.objects.bulk_create(new_situations.values())
    directory.situations.update(new_situations)
    new_links, changed_links = [], []
    for contact, row in rows:
        situation = directory.situations[(directory.needs[row.need.lower()].pk, row.situation.lower())]
        link = directory.links.get((situation.pk, contact.existing.pk))
        if link is None:
            link = SituationContact(
                situation=situation, contact_point=contact.existing, ask_about=row.ask_about, order=ORDER_STEP * 10
            )
            directory.links[(situation.pk, contact.existing.pk)] = link
            new_links.append(link)
            touched.add(situation.pk)
        elif link.ask_about != row.ask_about:
            link.ask_about = row.ask_about
            changed_links.append(link)
            touched.add(situation.pk)
    SituationContact.objects.bulk_create(new_links)
    SituationContact.objects.bulk_update(changed_links, ["ask_about"])
    return touched


def _log_import(acting_user, written: list[tuple[int, ContactPoint]]) -> None:
    """One row in Django's admin log per contact point created or changed, as an edit in the admin leaves."""
    content_type = ContentType.objects.get_for_model(ContactPoint)
    messages = {ADDITION: _("Created by import."), CHANGE: _("Changed by import.")}
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                user=acting_user,
                content_type=content_type,
                object_id=str(point.pk),
                object_repr=str(point)[:200],
                action_flag=flag,
                change_message=messages[flag],
            )
            for flag, point in written
        ]
    )


# --- The import in the background ------------------------------------------------------------------------


def order_directory_import(*, acting_user, data: dict) -> DirectoryImport:
    """Record an editor's confirmed import (the preview's rows, as signed by the page) and enqueue its task."""
    if not directory_policy.may_import(acting_user):
        raise RuleViolation({None: _("Only the municipality's editors may import its directory.")})
    with transaction.atomic():
        order = DirectoryImport.objects.create(
            municipality_id=acting_user.municipality_id, ordered_by=acting_user, rows=data
        )
        transaction.on_commit(lambda: _enqueue_import(order.pk))
    return order


def _enqueue_import(import_id: int) -> None:
    from .tasks import run_directory_import  # the tasks module imports this one

    run_directory_import.enqueue(import_id)


def run_directory_import(import_id: int) -> DirectoryImport:
    """Do a recorded import (the task's work): done with its counts, or failed with a message for the editor.

    Run once: a task enqueued twice, or run again after a worker died, finds the import no longer waiting and
    leaves it. Either way the rows are cleared; a failed import has changed nothing (one transaction).
    """
    with transaction.atomic():
        order = DirectoryImport.objects.select_for_update().filter(pk=import_id).first()
        if order is None or order.status != DirectoryImport.Status.WAITING:
            return order
        order.status, order.started_at = DirectoryImport.Status.RUNNING, timezone.now()
        order.save(update_fields=["status", "started_at"])
    parsed = ParsedDirectory()
    try:
        parsed = ParsedDirectory.from_data(order.rows or {})
        if order.ordered_by is None:
            raise RuleViolation(
                {None: _("The editor who ordered the import no longer exists, so nothing was imported.")}
            )
        plan = import_directory(municipality=order.municipality, parsed=parsed, acting_user=order.ordered_by)
    except RuleViolation as error:
        _record_failure(order, _failure_message(error, parsed))
        return order
    except Exception:
        _record_failure(
            order, _("The import stopped because of an error in the portal, so nothing was imported. Try again later.")
        )
        raise  # the task is recorded as failed too, with the traceback for the operators
    order.status, order.finished_at, order.rows = DirectoryImport.Status.DONE, timezone.now(), None
    for name in DirectoryImport.CHANGES:
        changed = getattr(plan, name)
        setattr(order, name, len(changed) if isinstance(changed, list) else changed)
    order.contacts_unchanged = plan.contacts_unchanged
    order.save()
    return order


def _failure_message(error: RuleViolation, parsed: ParsedDirectory) -> str:
    """The rows were right at the preview: a row wrong now was made so by a change of the directory since."""
    wrong = parsed.rows_with_errors
    if not wrong:
        return " ".join(error.messages)
    first = wrong[0]
    return _(
        "The directory was changed after the preview, so some rows of the file no longer fit it; nothing was "
        "imported. Upload the file again to see them. The first: row %(line)s: %(error)s"
    ) % {"line": first.line, "error": first.errors[0]}


def _record_failure(order: DirectoryImport, message: str) -> None:
    order.status, order.finished_at, order.rows = DirectoryImport.Status.FAILED, timezone.now(), None
    order.failure = message[: DirectoryImport._meta.get_field("failure").max_length]
    order.save(update_fields=["status", "finished_at", "rows", "failure"])


def fail_abandoned_imports(now=None) -> int:
    """Record as failed the imports still waiting or running TASK_ABANDONED_AFTER_SECONDS after they were ordered:
    their worker died (the import's transaction was rolled back, so nothing was written) or their task was lost.
    Their rows are cleared and their page stops waiting. One UPDATE; returns how many."""
    now = now or timezone.now()
    ordered_before = now - timedelta(seconds=settings.TASK_ABANDONED_AFTER_SECONDS)
    return DirectoryImport.objects.filter(
        status__in=(DirectoryImport.Status.WAITING, DirectoryImport.Status.RUNNING), ordered_at__lt=ordered_before
    ).update(
        status=DirectoryImport.Status.FAILED,
        finished_at=now,
        rows=None,
        failure=_("The import stopped before it was done, so nothing was imported. Upload the file again."),
    )
