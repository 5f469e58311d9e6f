"""A change to the directory renews its cached pages and search index (see portal.public_cache)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.signals import mark_content_changed

from .models import ContactPoint, Need, Offer, Situation, SituationContact


@receiver([post_save, post_delete], sender=Need)
@receiver([post_save, post_delete], sender=ContactPoint)
@receiver([post_save, post_delete], sender=Offer)
def directory_entry_changed(sender, instance, **kwargs) -> None:
    mark_content_changed(pk=instance.municipality_id)


@receiver([post_save, post_delete], sender=Situation)
def situation_changed(sender, instance: Situation, **kwargs) -> None:
    mark_content_changed(needs__pk=instance.need_id)


@receiver([post_save, post_delete], sender=SituationContact)
def situation_contact_changed(sender, instance: SituationContact, **kwargs) -> None:
    mark_content_changed(contact_points__pk=instance.contact_point_id)
