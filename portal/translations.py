"""Content in more languages than Danish: which languages, and what a reader is shown in each.

The municipality writes its content in Danish; that text stays in the model's own columns (search,
versions and history keep working on it). A translation of one field into one language is a
`portal.models.Translation` row. The languages are those of `settings.LANGUAGES`; adding one is a
setting, not a migration.

Every translation remembers a digest of the Danish text it was made from. When the Danish changes,
the digests differ and the translation is *outdated* until an editor checks it again: nothing has to
remember to mark it, and a Danish text changed back makes it current again.
"""

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

SOURCE_LANGUAGE = "da"


class TextState(models.TextChoices):
    """What a reader is shown for one text in the chosen language."""

    ORIGINAL = "original", _("Written in this language")  # Danish in the Danish interface
    APPROVED = "approved", _("Translated and checked by the municipality")
    DRAFT = "draft", _("Draft translation, not yet checked")
    OUTDATED = "outdated", _("Translation of an earlier Danish text")
    MISSING = "missing", _("Not translated")


# The states of the texts shown while a page is rendered (see note_shown); None outside a request.
_shown: ContextVar[set[str] | None] = ContextVar("shown_text_states", default=None)


def content_languages() -> list[str]:
    """The languages content may be translated into: every interface language but Danish."""
    return [code for code, _name in settings.LANGUAGES if code != SOURCE_LANGUAGE]


def is_content_language(code: str) -> bool:
    return code in content_languages()


def active_language() -> str:
    """The configured language the reader chose ("da" when none, or one the portal does not have)."""
    code = (get_language() or SOURCE_LANGUAGE).split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else SOURCE_LANGUAGE


def source_digest(danish: str) -> str:
    """The fingerprint of a Danish text a translation was made from (whitespace at the ends ignored)."""
    return hashlib.sha256((danish or "").strip().encode()).hexdigest()


def text_state(translation, danish: str) -> TextState:
    """The state of `translation` (a Translation or None) of the Danish text `danish` as it is now."""
    if translation is None or not translation.text.strip():
        return TextState.MISSING
    if translation.source_digest != source_digest(danish):
        return TextState.OUTDATED
    return TextState(translation.status)


def prefetch_translations(objects: Iterable, language: str | None = None) -> None:
    """Load the translations of `objects` (any mix of translatable models) into `language` (the active
    one by default) with one query per model, so that `obj.translated(field)` asks the database nothing."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Translation

    language = language or active_language()
    by_model = defaultdict(list)
    for obj in objects:
        if obj is None:
            continue
        cache = obj.__dict__.setdefault("_translation_cache", {})
        if language == SOURCE_LANGUAGE or obj.pk is None:
            cache[language] = {}
        elif language not in cache:
            by_model[type(obj)].append(obj)
    for model, instances in by_model.items():
        content_type = ContentType.objects.get_for_model(model)
        found = defaultdict(dict)
        rows = Translation.objects.filter(
            content_type=content_type, object_id__in={obj.pk for obj in instances}, language=language
        )
        for row in rows:
            found[row.object_id][row.field] = row
        for obj in instances:
            obj._translation_cache[language] = found.get(obj.pk, {})


def translation_subquery(model, field: str, object_id, language: str | None = None):
    """The database expression of the translation of `model.field` into `language` (the active one by default)
    for the object whose id is `object_id` (an OuterRef or F), or NULL: for reads the database does in bulk."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Subquery, TextField, Value

    from .models import Translation

    language = language or active_language()
    if language == SOURCE_LANGUAGE:
        return Value(None, output_field=TextField())
    rows = Translation.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=object_id, field=field, language=language
    )
    return Subquery(rows.values("text")[:1], output_field=TextField())


def start_noting_shown() -> object:
    """Begin noting the states of the texts a page shows (portal.middleware.TranslationNoticeMiddleware)."""
    return _shown.set(set())


def stop_noting_shown(token) -> None:
    _shown.reset(token)


def note_shown(text) -> None:
    """That the page being rendered shows `text` (a TranslatedText): its state decides the page's notices."""
    shown, state = _shown.get(), getattr(text, "state", None)
    if shown is not None and state and state != TextState.ORIGINAL and str(text).strip():
        shown.add(state)


def take_shown() -> set[str]:
    """The states of the texts shown since the last call (the page's), and forget them."""
    shown = _shown.get()
    if shown is None:
        return set()
    taken = set(shown)
    shown.clear()
    return taken


def notices(states: set[str]) -> list[str]:
    """What a reader is told about a page that showed texts in `states`: Danish where a translation is
    missing, drafts, and translations of an earlier Danish text. Empty for a page in Danish or wholly checked."""
    translated = states & {TextState.APPROVED, TextState.DRAFT, TextState.OUTDATED}
    said = []
    if TextState.MISSING in states:
        said.append("parts_danish" if translated else "only_danish")
    if TextState.DRAFT in states:
        said.append("draft")
    if TextState.OUTDATED in states:
        said.append("outdated")
    return said
