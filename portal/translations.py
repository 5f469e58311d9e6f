"""Content in more languages than Danish: which languages, and what a reader is shown in each.

The municipality writes its content in Danish; that text stays in the model's own columns (search,
versions and history keep working on it). A translation of one field into one language is a
`portal.models.Translation` row. The languages are those of `settings.LANGUAGES`; adding one is a
setting, not a migration.

Every translation remembers a digest of the Danish text it was made from. When the Danish changes,
the digests differ and the translation is *outdated* until an editor checks it again: nothing has to
remember to mark it, and a Danish text changed back makes it current again.
"""

import dataclasses
import datetime
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


def plain_lines(text: str) -> str:
    """`text` with a browser's line breaks (CR LF) as an XML parser or a file gives them back (LF), ends trimmed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def source_digest(danish: str) -> str:
    """The fingerprint of a Danish text a translation was made from (line breaks and the ends' whitespace aside)."""
    return hashlib.sha256(plain_lines(danish).encode()).hexdigest()


def text_state(translation, danish: str) -> TextState:
    """The state of `translation` (a Translation or None) of the Danish text `danish` as it is now."""
    if translation is None or not translation.text.strip():
        return TextState.MISSING
    return stored_state(translation.status, translation.source_digest, source_digest(danish))


def stored_state(status: str, made_from_digest: str, danish_digest: str) -> TextState:
    """The state of a saved (non-empty) translation with `status`, made from the Danish with `made_from_digest`,
    of the Danish whose digest is now `danish_digest`."""
    if made_from_digest != danish_digest:
        return TextState.OUTDATED
    return TextState(status)


# --- What there is to translate -------------------------------------------------------------------------------


def translatable_models() -> list[type[models.Model]]:
    """Every installed model an editor may translate: TranslatedFieldsMixin with TRANSLATED_FIELDS, in the order
    of INSTALLED_APPS and of the models in each app. Core knows the feature apps' models only from here."""
    from django.apps import apps

    from .models import TranslatedFieldsMixin

    return [
        model
        for model in apps.get_models()
        if issubclass(model, TranslatedFieldsMixin) and getattr(model, "TRANSLATED_FIELDS", ())
    ]


def kind_key(model: type[models.Model]) -> str:
    """The stable name of a kind of content (e.g. "contacts.need"): in keys of exported files and in filters."""
    return model._meta.label_lower


def model_of_kind(key: str) -> type[models.Model] | None:
    return next((model for model in translatable_models() if kind_key(model) == key), None)


def translatable_rows(model: type[models.Model], municipality_id: int):
    """The rows of `model` that belong to the municipality and are worth translating (a model may narrow them with
    TRANSLATABLE_ROWS, e.g. only the current version of a survey question)."""
    lookup = model.MUNICIPALITY_LOOKUP
    return model._default_manager.filter(**{lookup: municipality_id}, **getattr(model, "TRANSLATABLE_ROWS", {}))


def danish_of(obj, field: str) -> str:
    """The Danish text of `obj.field` a translation is made from (the model's `source_text` where it has one: a
    field that is not a text, such as a list of answers, is given as text)."""
    source_text = getattr(obj, "source_text", None)
    return source_text(field) if source_text is not None else (getattr(obj, field) or "")


@dataclasses.dataclass(frozen=True)
class TextUnit:
    """One Danish text to translate (a field of an object) and its translation into one language, if any."""

    model: type
    object_id: int
    field: str
    danish: str
    language: str
    state: TextState
    translation_id: int | None = None
    text: str = ""
    status: str = ""
    subkind: str = ""  # one of the model's TRANSLATION_KINDS, or ""
    updated_at: datetime.datetime | None = None  # when the translation was last saved: a save over a newer one is stale

    @property
    def kind(self) -> str:
        return kind_key(self.model)

    @property
    def filter_kind(self) -> str:
        """What the editor filters by: the model, or one of its TRANSLATION_KINDS (e.g. "portal.page:standard")."""
        return f"{self.kind}:{self.subkind}" if self.subkind else self.kind

    @property
    def key(self) -> str:
        """Stable across databases and exports: kind, object id and field, e.g. "contacts.need.12.name"."""
        return f"{self.kind}.{self.object_id}.{self.field}"

    @property
    def kind_label(self) -> str:
        return str(self.model._meta.verbose_name).capitalize()

    @property
    def field_label(self) -> str:
        return str(self.model._meta.get_field(self.field).verbose_name)


def text_units(
    municipality_id: int, languages: list[str], models_: list[type[models.Model]] | None = None
) -> list[TextUnit]:
    """Every non-empty Danish text of the municipality in `models_` (all translatable ones by default), once per
    language in `languages`, with the state of its translation. One query per model and one for the translations,
    however many texts there are. An empty Danish text has nothing to translate and is left out."""
    from .models import Translation

    models_ = translatable_models() if models_ is None else models_
    stored = {}
    rows = Translation.objects.filter(
        municipality_id=municipality_id, language__in=languages,
        content_type__app_label__in={model._meta.app_label for model in models_},
    ).values_list(
        "pk", "content_type__app_label", "content_type__model", "object_id", "field", "language", "status",
        "source_digest", "text", "updated_at",
    )  # fmt: skip
    for pk, app_label, model_name, object_id, field, language, status, digest, text, updated_at in rows:
        stored[(f"{app_label}.{model_name}", object_id, field, language)] = (pk, status, digest, text, updated_at)
    units = []
    for model in models_:
        fields = model.TRANSLATED_FIELDS
        kind = kind_key(model)
        subkinds = getattr(model, "TRANSLATION_KINDS", {})
        rows = translatable_rows(model, municipality_id).order_by("pk").only("pk", *fields)
        rows = rows.annotate(
            **{
                f"translation_kind_{name}": models.ExpressionWrapper(models.Q(**lookups), models.BooleanField())
                for name, (_label, lookups) in subkinds.items()
            }
        )
        for obj in rows:
            object_id = obj.pk
            subkind = next((name for name in subkinds if getattr(obj, f"translation_kind_{name}")), "")
            for field in fields:
                danish = danish_of(obj, field)
                if not danish.strip():
                    continue
                digest = source_digest(danish)
                for language in languages:
                    found = stored.get((kind, object_id, field, language))
                    if found is None or not found[3].strip():
                        units.append(
                            TextUnit(model, object_id, field, danish, language, TextState.MISSING, subkind=subkind)
                        )
                        continue
                    pk, status, made_from, text, updated_at = found
                    state = stored_state(status, made_from, digest)
                    units.append(
                        TextUnit(
                            model, object_id, field, danish, language, state, pk, text, status, subkind, updated_at
                        )
                    )
    return units


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
