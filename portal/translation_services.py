"""The writes of translations (see portal.translations): validated here, and each one in the admin log."""

from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import RuleViolation, StaleVersion
from .models import Translation, User
from .translations import is_content_language, source_digest


def translation_municipality_id(obj) -> int:
    """The municipality `obj` belongs to, by the model's MUNICIPALITY_LOOKUP (the access policy's path)."""
    lookup = type(obj).MUNICIPALITY_LOOKUP
    if lookup == "pk":
        return obj.pk
    return type(obj).objects.filter(pk=obj.pk).values_list(lookup, flat=True).get()


def _check(obj, field: str, language: str) -> None:
    if not is_content_language(language):
        raise RuleViolation(
            {"language": _("The portal has no language “%(code)s”. Choose one of the configured languages.")
             % {"code": language}}
        )  # fmt: skip
    if field not in getattr(type(obj), "TRANSLATED_FIELDS", ()):
        raise RuleViolation({"field": _("This text cannot be translated.")})
    if obj.pk is None:
        raise RuleViolation({None: _("Save the Danish text before translating it.")})


def _log(acting_user: User | None, translation: Translation, flag: int, message: str) -> None:
    if acting_user is None:
        return
    LogEntry.objects.create(
        user=acting_user,
        content_type=ContentType.objects.get_for_model(Translation),
        object_id=str(translation.pk),
        object_repr=str(translation)[:200],
        action_flag=flag,
        change_message=message,
    )


def save_translation(
    *,
    acting_user: User | None,
    obj,
    field: str,
    language: str,
    text: str,
    approved: bool,
    seen_updated_at: datetime | None = None,
) -> Translation | None:
    """Save the translation of `obj.field` into `language`, made from the Danish text as it is now.

    `approved`: the municipality has checked it (else it is a draft). An empty text removes the
    translation (the page then shows the Danish with a notice); returns None then. `seen_updated_at`:
    when the editor opened it (None: it did not exist); `StaleVersion` if someone saved it since.
    """
    _check(obj, field, language)
    text = (text or "").strip()
    content_type = ContentType.objects.get_for_model(type(obj))
    key = {"content_type": content_type, "object_id": obj.pk, "field": field, "language": language}
    status = Translation.Status.APPROVED if approved else Translation.Status.DRAFT
    with transaction.atomic():
        existing = Translation.objects.select_for_update().filter(**key).first()
        seen = existing.updated_at if existing else None
        if seen_updated_at != seen and not (existing is None and seen_updated_at is None):
            raise StaleVersion
        if not text:
            if existing is not None:
                _log(acting_user, existing, CHANGE, f"Removed the {language} translation of {field}")
                existing.delete()
            return None
        digest = source_digest(obj.source_text(field))
        if existing is None:
            try:
                with transaction.atomic():
                    translation = Translation.objects.create(
                        **key,
                        municipality_id=translation_municipality_id(obj),
                        text=text,
                        status=status,
                        source_digest=digest,
                        updated_by=acting_user,
                    )
            except IntegrityError as error:  # saved by someone else between our read and our write
                raise StaleVersion from error
            _log(acting_user, translation, ADDITION, f"Translated {field} into {language} ({status})")
            return translation
        existing.text, existing.status, existing.source_digest = text, status, digest
        existing.updated_by = acting_user
        existing.save()
        _log(acting_user, existing, CHANGE, f"Changed the {language} translation of {field} ({status})")
        return existing
