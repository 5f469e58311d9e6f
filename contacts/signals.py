"""A change to the directory renews its cached pages (portal.public_cache) and search index (contacts.search_index)."""

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from portal.signals import mark_content_changed

from .models import ContactPoint, Need, Offer, SearchTerm, SearchWord, Situation, SituationContact
from .search_index import index_situations


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


# --- the search index: a situation is found by its text, its need's name and its contact points' names -----


@receiver(post_save, sender=Situation)
def index_saved_situation(sender, instance: Situation, **kwargs) -> None:
    index_situations([instance.pk])


@receiver(post_save, sender=SituationContact)
def index_situation_of_saved_contact(sender, instance: SituationContact, **kwargs) -> None:
    index_situations([instance.situation_id])


@receiver(post_delete, sender=SituationContact)
def index_situation_of_deleted_contact(sender, instance: SituationContact, origin=None, **kwargs) -> None:
    # Only a link deleted on its own (an instance or a queryset of links): when its situation or need is
    # deleted, their deletion takes the situation's index rows along.
    if isinstance(origin, SituationContact) or getattr(origin, "model", None) is SituationContact:
        index_situations([instance.situation_id])


@receiver(post_save, sender=Need)
def index_situations_of_need(sender, instance: Need, created=False, **kwargs) -> None:
    if not created:
        index_situations(instance.situations.values_list("pk", flat=True))


@receiver(post_save, sender=ContactPoint)
def index_situations_of_contact_point(sender, instance: ContactPoint, created=False, **kwargs) -> None:
    if not created:
        index_situations(Situation.objects.filter(contact_points=instance).values_list("pk", flat=True))


@receiver(pre_delete, sender=Situation)
def remember_words_of_situation(sender, instance: Situation, **kwargs) -> None:
    instance._search_words = list(SearchTerm.objects.filter(situation=instance).values_list("word_id", flat=True))


@receiver(post_delete, sender=Situation)
def forget_words_no_situation_holds(sender, instance: Situation, **kwargs) -> None:
    words = getattr(instance, "_search_words", [])
    if words:
        SearchWord.objects.filter(pk__in=words, postings__isnull=True).delete()
