"""A text in another language than Danish: translated, a draft, outdated when the Danish changes, or missing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from portal.errors import RuleViolation, StaleVersion
from portal.models import Translation
from portal.translation_services import save_translation
from portal.translations import TextState, prefetch_translations
from tests.factories import NeedFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_text_without_translation_shows_the_danish_marked_as_danish_and_missing():
    need = NeedFactory(name="Akutte behov")
    with translation.override("ar"):
        shown = need.translated("name")
    assert (shown, shown.lang, shown.state) == ("Akutte behov", "da", TextState.MISSING)


def test_a_checked_translation_is_shown_in_its_language():
    need = NeedFactory(name="Akutte behov")
    save_translation(acting_user=None, obj=need, field="name", language="tr", text="Acil ihtiyaçlar", approved=True)
    with translation.override("tr"):
        shown = need.translated("name")
    assert (shown, shown.lang, shown.state) == ("Acil ihtiyaçlar", "tr", TextState.APPROVED)
    with translation.override("da"):
        assert need.translated("name").state == TextState.ORIGINAL


def test_a_translation_is_outdated_when_the_danish_changes_until_an_editor_saves_it_again():
    need = NeedFactory(name="Akutte behov")
    save_translation(acting_user=None, obj=need, field="name", language="pl", text="Pilne potrzeby", approved=True)
    need.name = "Akutte og pludselige behov"
    need.save()
    need.refresh_from_db()
    assert need.translated("name", "pl").state == TextState.OUTDATED
    seen = Translation.objects.get().updated_at
    save_translation(
        acting_user=None, obj=need, field="name", language="pl", text="Pilne i nagłe potrzeby", approved=True,
        seen_updated_at=seen,
    )  # fmt: skip
    need.refresh_from_db()
    assert need.translated("name", "pl").state == TextState.APPROVED


def test_an_unconfigured_language_is_refused_with_a_message_at_the_language():
    need = NeedFactory()
    with pytest.raises(RuleViolation) as refused:
        save_translation(acting_user=None, obj=need, field="name", language="xx", text="…", approved=False)
    assert "language" in refused.value.error_dict


def test_a_second_editor_saving_over_a_translation_they_did_not_see_is_refused():
    need = NeedFactory()
    editor = StaffFactory()
    save_translation(acting_user=editor, obj=need, field="name", language="uk", text="Перший", approved=False)
    with pytest.raises(StaleVersion):
        save_translation(acting_user=editor, obj=need, field="name", language="uk", text="Другий", approved=False)
    assert Translation.objects.get().text == "Перший"


def test_translations_of_a_list_are_loaded_in_one_query():
    needs = NeedFactory.create_batch(5)
    for need in needs:
        save_translation(acting_user=None, obj=need, field="name", language="ar", text="ترجمة", approved=True)
    fresh = list(type(needs[0]).objects.filter(pk__in=[n.pk for n in needs]))
    with CaptureQueriesContext(connection) as queries:
        prefetch_translations(fresh, "ar")
        shown = [need.translated("name", "ar") for need in fresh]
    assert len(queries) == 1
    assert {text.state for text in shown} == {TextState.APPROVED}
