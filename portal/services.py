"""The core's writes: a person's own settings, and publishing the municipality's policy pages.

Publishing (see portal.page_versions): an editor's changes to a page are a draft until they publish it;
each publication keeps a `PageVersion` (who, when, the texts) for good, so any two can be compared and
any one put back. Each publication, unpublication and revert is also a row in Django's admin log.
"""

from datetime import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import RuleViolation, StaleVersion
from .models import Page, PageVersion, Section, User
from .page_versions import publish_time_problem, snapshot


def set_reminder_emails(*, user, wanted: bool) -> None:
    """Turn the portal's reminder and notice e-mails on or off for `user`."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(wants_reminder_emails=wanted)
    user.wants_reminder_emails = wanted


PUBLICATION_FIELDS = ("published_version", "is_published", "publish_at", "publish_scheduled_by", "updated_at")


def _log(acting_user: User | None, page: Page, message: str) -> None:
    if acting_user is None:
        return
    LogEntry.objects.create(
        user=acting_user,
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(page.pk),
        object_repr=str(page)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


def _locked(page: Page, seen_version: datetime | None) -> Page:
    """The page's row, locked until the transaction ends; `StaleVersion` if it changed since `seen_version`."""
    locked = (
        Page.objects.select_for_update(of=("self",)).select_related("municipality", "published_version").get(pk=page.pk)
    )
    if seen_version is not None and locked.updated_at != seen_version:
        raise StaleVersion
    return locked


def _new_version(page: Page, *, acting_user: User | None, note: str = "") -> PageVersion:
    sections = list(page.sections.order_by("order", "pk"))
    for section in sections:
        section.full_clean(exclude=["page"])
    number = (page.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = PageVersion.objects.create(
        page=page, number=number, published_by=acting_user, note=note, **snapshot(page, sections)
    )
    page.published_version = version
    page.is_published = True
    page.publish_at = None
    page.publish_scheduled_by = None
    page.save(update_fields=["published_version", "is_published", "publish_at", "publish_scheduled_by", "updated_at"])
    return version


def publish_page(*, acting_user: User | None, page: Page, seen_version: datetime | None = None) -> PageVersion:
    """Publish the page's draft as it is now: the public sees it at once, and it is kept as a new version.

    `seen_version`: the page's `updated_at` when the editor looked at the draft; if someone changed or
    published it since, `StaleVersion` and nothing changes.
    """
    with transaction.atomic():
        locked = _locked(page, seen_version)
        version = _new_version(locked, acting_user=acting_user)
        _log(acting_user, locked, _("Published version %(number)s.") % {"number": version.number})
    page.refresh_from_db(fields=PUBLICATION_FIELDS)
    return version


def unpublish_page(*, acting_user: User, page: Page, seen_version: datetime | None = None) -> None:
    """Take the page off the public site (its versions and draft are kept; publishing brings it back)."""
    with transaction.atomic():
        locked = _locked(page, seen_version)
        locked.published_version = None
        locked.is_published = False
        locked.publish_at = None
        locked.publish_scheduled_by = None
        locked.save(
            update_fields=["published_version", "is_published", "publish_at", "publish_scheduled_by", "updated_at"]
        )
        _log(acting_user, locked, _("Unpublished."))
    page.refresh_from_db(fields=PUBLICATION_FIELDS)


def schedule_publication(
    *, acting_user: User, page: Page, publish_at: datetime | None, now: datetime | None = None
) -> None:
    """Publish the draft at `publish_at` (by the scheduler's job `publish_due_pages`); None: no time set."""
    problem = publish_at and publish_time_problem(publish_at, now or timezone.now())
    if problem:
        raise RuleViolation({"publish_at": problem})
    with transaction.atomic():
        Page.objects.filter(pk=page.pk).update(
            publish_at=publish_at, publish_scheduled_by=acting_user if publish_at else None
        )
    page.publish_at = publish_at


def publish_due_pages(*, now: datetime | None = None) -> list[int]:
    """Publish every page whose set time has come (each in its own transaction); the ids of those published."""
    now = now or timezone.now()
    published = []
    for page_id in Page.objects.filter(publish_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            page = Page.objects.select_for_update(skip_locked=True).filter(pk=page_id, publish_at__lte=now).first()
            if page is None:  # published by hand, or by another worker, meanwhile
                continue
            scheduled_by = page.publish_scheduled_by
            version = _new_version(page, acting_user=scheduled_by, note=_("Published at the time set"))
            _log(scheduled_by, page, _("Published version %(number)s at the time set.") % {"number": version.number})
        published.append(page_id)
    return published


def _sections_put_back(page: Page, version: PageVersion) -> list[Section]:
    """`version`'s sections as new sections of `page`, each with the id it was published with (so its translations
    come back with it) unless another page's section has that id now."""
    sections = [
        Section(page=page, **{name: value for name, value in fields.items() if name in Section.SNAPSHOT_FIELDS})
        for fields in version.sections
    ]
    taken = set(Section.objects.filter(pk__in=[s.pk for s in sections if s.pk]).values_list("pk", flat=True))
    for section in sections:
        if section.pk in taken:
            section.pk = None
    return sections


def revert_page(
    *, acting_user: User, page: Page, version: PageVersion, seen_version: datetime | None = None
) -> PageVersion:
    """Put `version`'s texts back, as the draft and on the public site at once (a new version; nothing is lost)."""
    if version.page_id != page.pk:
        raise RuleViolation({None: _("That version belongs to another page.")})
    with transaction.atomic():
        locked = _locked(page, seen_version)
        if (
            Page.objects.filter(municipality_id=locked.municipality_id, slug=version.slug)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise RuleViolation(
                {
                    None: _("Another page now has the address “%(slug)s”, so this version cannot be put back.")
                    % {"slug": version.slug}
                }
            )
        locked.slug, locked.title = version.slug, version.title
        locked.kind, locked.number, locked.title_by_portal = version.kind, version.theme_number, version.title_by_portal
        locked.save()
        locked.sections.all().delete()
        Section.objects.bulk_create(_sections_put_back(locked, version))
        new = _new_version(
            locked, acting_user=acting_user, note=_("Version %(number)s put back") % {"number": version.number}
        )
        _log(
            acting_user,
            locked,
            _("Put version %(old)s back as version %(new)s.") % {"old": version.number, "new": new.number},
        )
    page.refresh_from_db(fields=(*PUBLICATION_FIELDS, "slug", "title", "kind", "number", "title_by_portal"))
    return new
