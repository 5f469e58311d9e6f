"""Any change to a municipality's policy content renews the cache key of its public pages."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Municipality, Page, Section, Translation
from .public_cache import renew_after_commit


def mark_content_changed(**municipality_filter) -> None:
    Municipality.objects.filter(**municipality_filter).update(content_changed_at=timezone.now())
    renew_after_commit()  # the cached pages' version is read again (portal.public_cache)


@receiver([post_save, post_delete], sender=Page)
def page_changed(sender, instance: Page, **kwargs) -> None:
    mark_content_changed(pk=instance.municipality_id)


@receiver([post_save, post_delete], sender=Section)
def section_changed(sender, instance: Section, **kwargs) -> None:
    mark_content_changed(pages__pk=instance.page_id)


@receiver(post_save, sender=Municipality)
def municipality_changed(sender, instance: Municipality, **kwargs) -> None:
    mark_content_changed(pk=instance.pk)


@receiver([post_save, post_delete], sender=Translation)
def translation_changed(sender, instance: Translation, **kwargs) -> None:
    """A page in that language shows the new translation (and its notices) at once."""
    mark_content_changed(pk=instance.municipality_id)
