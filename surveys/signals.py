"""A change to a survey's set-up or entered results renews the municipality's cached public pages.

Answers are not watched: the public "Sådan går det" page shows closed waves only, and a wave that
closes by the calendar is picked up when the cached page expires (portal.public_cache).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.signals import mark_content_changed

from .models import ExternalResult, Indicator, Question, Survey, Wave


@receiver([post_save, post_delete], sender=Survey)
def survey_changed(sender, instance: Survey, **kwargs) -> None:
    mark_content_changed(pk=instance.municipality_id)


@receiver([post_save, post_delete], sender=Question)
@receiver([post_save, post_delete], sender=Wave)
def survey_part_changed(sender, instance, **kwargs) -> None:
    mark_content_changed(surveys__pk=instance.survey_id)


@receiver([post_save, post_delete], sender=Indicator)
def indicator_changed(sender, instance: Indicator, **kwargs) -> None:
    mark_content_changed(surveys__questions__pk=instance.question_id)


@receiver([post_save, post_delete], sender=ExternalResult)
def external_result_changed(sender, instance: ExternalResult, **kwargs) -> None:
    mark_content_changed(surveys__waves__pk=instance.wave_id)
