"""The writes of translations (see portal.translations): validated here, and each one in the admin log."""

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .errors import RuleViolation, StaleVersion
from .models import Translation, User
from .translations import TextState, danish_of, is_content_language, plain_lines, source_digest


def translation_municipality_id(obj) -> int:
    """The municipality `obj` belongs to, by the model's MUNICIPALITY_LOOKUP (the access policy's path)."""
    lookup = type(obj).MUNICIPALITY_LOOKUP
    if lookup == "pk":
        return obj.pk
    return type(obj).objects.filter(pk=obj.pk).values_list(lookup, flat=True).get()


MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be a translation (the portal shows content as plain text), or None."""
    if MARKUP.search(text or ""):
        return _("A translation is plain text: remove the HTML or script (the text between < and >).")
    if CONTROL_CHARACTERS.search(text or ""):
        return _("The translation holds invisible control characters. Write or paste it again as plain text.")
    return None


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


# --- An editor's approvals and a translation agency's file; both write through save_translation (below).


def approve_drafts(*, acting_user: User, translations: list[Translation], objects: dict) -> int:
    """Mark drafts as checked by the municipality. `translations`: the chosen rows, already scoped to what
    `acting_user` may translate; `objects`: {(content_type_id, object_id): the translated object}. A row that is no
    longer a current draft (outdated, approved or changed meanwhile) is left as it is: an outdated draft must be
    read against the new Danish first. Returns how many were approved."""
    approved = 0
    with transaction.atomic():
        for translation in translations:
            obj = objects.get((translation.content_type_id, translation.object_id))
            if obj is None or translation.status != Translation.Status.DRAFT:
                continue
            if translation.source_digest != source_digest(danish_of(obj, translation.field)):
                continue
            save_translation(
                acting_user=acting_user, obj=obj, field=translation.field, language=translation.language,
                text=translation.text, approved=True, seen_updated_at=translation.updated_at,
            )  # fmt: skip
            approved += 1
    return approved


class ImportProblems(Exception):
    """The file's units break rules; nothing was saved. `messages`: one Danish sentence per problem."""

    def __init__(self, messages: list[str]):
        super().__init__(messages)
        self.messages = messages


@dataclass
class ImportResult:
    saved: int = 0
    unchanged: int = 0
    not_translated: int = 0
    outdated: list[str] = dataclass_field(default_factory=list)  # keys of units whose Danish changed since the export
    kept_newer: list[str] = dataclass_field(default_factory=list)  # …and which have a translation of the new Danish


def _file_unit_problem(file_unit, unit, seen: set) -> str | None:
    """Why a unit of an agency's file cannot be imported (`unit`: the municipality's text it names, or None)."""
    if file_unit.key in seen:
        return _("the key %(key)s appears twice.") % {"key": file_unit.key[:120]}
    if unit is None:
        return _("“%(key)s” is not one of the municipality's texts that you may translate.") % {
            "key": file_unit.key[:120]
        }
    target = (file_unit.target or "").strip()
    if target and file_unit.has_markup:
        return _("A translation is plain text: remove the HTML or script (the text between < and >).")
    return text_problem(target) if target else None


def import_translations(*, acting_user: User, language: str, file_units: list, current: list, objects: dict):
    """Save an agency's translations into `language`, all or nothing.

    `current`: the TextUnits (portal.translations.text_units) `acting_user` may translate into `language`;
    `objects`: {(model, object id): object} for them. Each file unit must be one of them (another
    municipality's key, or a kind the person may not change, is "not one of the texts"); its target must be plain
    text. Only targets that differ from the saved translation are saved, as drafts: an editor approves them. A
    unit with an empty target is left alone (the agency did not translate it; nothing is removed). A unit whose
    source is not the Danish as it is now was made from an earlier Danish text: it is saved, made from that
    source, so that it shows as outdated until an editor reads it against the new Danish — unless the text already
    has a translation of the new Danish, which an older one never replaces (`kept_newer`).
    """
    by_key = {unit.key: unit for unit in current}
    problems, seen, to_save = [], set(), []
    result = ImportResult()
    for file_unit in file_units:
        unit = by_key.get(file_unit.key)
        problem = _file_unit_problem(file_unit, unit, seen)
        seen.add(file_unit.key)
        if problem:
            problems.append(f"{file_unit.where}: {problem}")
            continue
        target = (file_unit.target or "").strip()
        if not target:
            result.not_translated += 1
            continue
        made_from = plain_lines(file_unit.source)
        changed_since = made_from != plain_lines(unit.danish)
        if target == unit.text and (unit.state != TextState.OUTDATED or changed_since):
            result.unchanged += 1
        elif changed_since and unit.state in (TextState.APPROVED, TextState.DRAFT):
            result.kept_newer.append(unit.key)  # translated from the new Danish since: never replaced by an older one
        else:
            to_save.append((unit, target, made_from if changed_since else None))
            if changed_since:
                result.outdated.append(unit.key)
    if problems:
        raise ImportProblems(problems)
    with transaction.atomic():  # a translation saved by someone since `current` was read: StaleVersion, nothing saved
        for unit, target, made_from in to_save:
            save_translation(
                acting_user=acting_user, obj=objects[(unit.model, unit.object_id)], field=unit.field,
                language=language, text=target, approved=False, made_from=made_from, seen_updated_at=unit.updated_at,
            )  # fmt: skip
            result.saved += 1
    return result


# --- One translation.


def save_translation(
    *,
    acting_user: User | None,
    obj,
    field: str,
    language: str,
    text: str,
    approved: bool,
    seen_updated_at: datetime | None = None,
    made_from: str | None = None,
) -> Translation | None:
    """Save the translation of `obj.field` into `language`, made from the Danish text as it is now.

    `approved`: the municipality has checked it (else it is a draft). An empty text removes the
    translation (the page then shows the Danish with a notice); returns None then. `seen_updated_at`:
    when the editor opened it (None: it did not exist); `StaleVersion` if someone saved it since.
    `made_from`: the Danish text the translation was made from when it is not the Danish as it is now (a
    translation agency's file exported before the Danish changed), so that it shows as outdated.
    """
    _check(obj, field, language)
    text = (text or "").strip()
    if problem := text_problem(text):
        raise RuleViolation({"text": problem})
    made_from_digest = None if made_from is None else source_digest(made_from)
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
                        source_digest=made_from_digest or digest,
                        updated_by=acting_user,
                    )
            except IntegrityError as error:  # saved by someone else between our read and our write
                raise StaleVersion from error
            _log(acting_user, translation, ADDITION, f"Translated {field} into {language} ({status})")
            return translation
        existing.text, existing.status, existing.source_digest = text, status, made_from_digest or digest
        existing.updated_by = acting_user
        existing.save()
        _log(acting_user, existing, CHANGE, f"Changed the {language} translation of {field} ({status})")
        return existing


def copy_translations(source, target) -> None:
    """Give `target` (a new version of `source`, same model) `source`'s translations, as they are: a
    translation made from a Danish text the new version changed shows as outdated there, until checked."""
    content_type = ContentType.objects.get_for_model(type(source))
    Translation.objects.bulk_create(
        Translation(
            municipality_id=row.municipality_id, content_type=content_type, object_id=target.pk, field=row.field,
            language=row.language, text=row.text, status=row.status, source_digest=row.source_digest,
            updated_by_id=row.updated_by_id,
        )
        for row in Translation.objects.filter(content_type=content_type, object_id=source.pk)
    )  # fmt: skip
