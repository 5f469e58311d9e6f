"""The editors' translation pages, under /personale/oversaettelser/: what is missing or outdated per language, a
text and its translation side by side, approving drafts, and a language's texts out to and back from a translation
agency (XLIFF, PO, CSV; see portal.translation_files).

Who may: a person translates (and approves) the kinds of content their roles let them change, in their own
municipality (portal.access.translation_policy). Anyone else gets the 403 page that says so; another
municipality's object answers 404 exactly like one that does not exist. Only ids and language codes are in URLs.
"""

import datetime
from collections import Counter
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .access import translation_policy
from .errors import RuleViolation, StaleVersion, show_on_form
from .models import Translation
from .translation_files import CONTENT_TYPES, FORMATS, TranslationFileError, export_chunks, read_file
from .translation_forms import SideBySideForm, TranslationFilterForm, TranslationUploadForm
from .translation_services import ImportProblems, approve_drafts, import_translations, save_translation
from .translations import (
    TextState,
    content_languages,
    danish_of,
    kind_key,
    model_of_kind,
    source_digest,
    stored_state,
    text_units,
)
from .views import crumb

UNITS_PER_PAGE = 50
STALE_TRANSLATION = gettext_lazy(
    "Someone else saved this translation after you opened the page, so yours was not saved. Your text is still in "
    "the field, and their translation is shown below it: compare them, and save again if yours should stand."
)


def seen_time(posted: str):
    """When the editor's copy of a translation was saved (the form's hidden field); a garbled value reads as a copy
    of another time, so the save is refused as stale instead of failing."""
    if not posted:
        return None
    try:
        return parse_datetime(posted) or datetime.datetime.min.replace(tzinfo=datetime.UTC)
    except ValueError:
        return datetime.datetime.min.replace(tzinfo=datetime.UTC)


def translator_view(view):
    """Logged in (else the login page), and translating some kind of content (else a 403 page that says why)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not translation_policy.may_translate(request.user):
            return render(request, "portal/translations/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(never_cache(wrapped))


def language_name(code: str) -> str:
    """The language's name as inside a Danish sentence ("tyrkisk")."""
    return str(dict(settings.LANGUAGES)[code]).lower()


def known_language(code: str) -> str:
    if code not in content_languages():
        raise Http404
    return code


def crumbs(*rest) -> list[dict]:
    return [
        crumb(_("For staff"), reverse("staff-home")),
        crumb(_("Translations"), reverse("staff:translations") if rest else None),
        *rest,
    ]


def overview_url(**filters) -> str:
    query = urlencode({name: value for name, value in filters.items() if value})
    return reverse("staff:translations") + (f"?{query}" if query else "")


@translator_view
def overview(request):
    kinds = translation_policy.kinds(request.user)
    languages = content_languages()
    form = TranslationFilterForm(request.GET or None, kinds=kinds)
    chosen = form.cleaned_data if form.is_valid() else {}
    language = chosen.get("sprog") or languages[0]
    units = text_units(request.user.municipality_id, languages, kinds)
    counts = {code: Counter() for code in languages}
    for unit in units:
        counts[unit.language][unit.state] += 1
    summary = [
        {
            "code": code,
            "name": language_name(code),
            "total": sum(counts[code].values()),
            **{state: counts[code][state] for state in TextState.values},
        }
        for code in languages
    ]
    shown = [
        unit
        for unit in units
        if unit.language == language
        and (not chosen.get("tilstand") or unit.state == chosen["tilstand"])
        and (not chosen.get("slags") or unit.filter_kind == chosen["slags"])
    ]
    page = Paginator(shown, UNITS_PER_PAGE).get_page(request.GET.get("side"))
    filters = request.GET.copy()
    filters.pop("side", None)
    return render(
        request,
        "portal/translations/overview.html",
        {
            "form": form,
            "summary": summary,
            "language": language,
            "language_name": language_name(language),
            "rtl": language in settings.LANGUAGES_BIDI,
            "page": page,
            "filter_query": filters.urlencode(),
            "filtered": bool(chosen.get("tilstand") or chosen.get("slags")),
            "approvable": [unit for unit in page.object_list if unit.state == TextState.DRAFT],
            "formats": [("xliff", "XLIFF 2.1"), ("po", "PO"), ("csv", "CSV")],
            "crumbs": crumbs(),
        },
    )


def _side_by_side_rows(obj, language: str, stored: dict, request=None, posted_field: str = "", posted_form=None):
    rows = []
    for field in type(obj).TRANSLATED_FIELDS:
        danish = danish_of(obj, field)
        if not danish.strip():
            continue
        translation = stored.get(field)
        if posted_form is not None and field == posted_field:
            form = posted_form
        else:
            form = SideBySideForm(
                field_name=field,
                language=language,
                initial={
                    "text": translation.text if translation else "",
                    "status": translation.status if translation else Translation.Status.DRAFT,
                    "seen": translation.updated_at.isoformat() if translation else "",
                },
            )
        form.fields["text"].widget.attrs["rows"] = str(min(16, max(3, len(danish) // 70 + danish.count("\n") + 2)))
        state = TextState.MISSING
        if translation is not None:
            state = stored_state(translation.status, translation.source_digest, source_digest(danish))
        rows.append(
            {
                "field": field,
                "label": str(type(obj)._meta.get_field(field).verbose_name).capitalize(),
                "danish": danish,
                "translation": translation,
                "state": state,
                "form": form,
            }
        )
    return rows


def _translations_of(obj, language: str) -> dict:
    rows = Translation.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, language=language
    )
    return {row.field: row for row in rows}


@translator_view
def side_by_side(request, language: str, kind: str, pk: int):
    language = known_language(language)
    model = model_of_kind(kind)
    if model is None:
        raise Http404
    if not translation_policy.may_translate_kind(request.user, model):
        return render(request, "portal/translations/forbidden.html", status=403)
    obj = get_object_or_404(translation_policy.translatable(request.user, model), pk=pk)
    stored = _translations_of(obj, language)
    posted_field, posted_form, stale_field = "", None, ""
    if request.method == "POST":
        posted_field = request.POST.get("field", "")
        if posted_field not in model.TRANSLATED_FIELDS or not danish_of(obj, posted_field).strip():
            raise Http404
        posted_form = SideBySideForm(request.POST, field_name=posted_field, language=language)
        if posted_form.is_valid():
            data = posted_form.cleaned_data
            try:
                save_translation(
                    acting_user=request.user, obj=obj, field=posted_field, language=language, text=data["text"],
                    approved=data["status"] == Translation.Status.APPROVED,
                    seen_updated_at=seen_time(data["seen"]),
                )  # fmt: skip
            except RuleViolation as error:
                show_on_form(posted_form, error)
            except StaleVersion:
                stale_field = posted_field
                stored = _translations_of(obj, language)
                current = stored.get(posted_field)
                data = request.POST.copy()
                data[f"{posted_field}-seen"] = current.updated_at.isoformat() if current else ""
                posted_form = SideBySideForm(data, field_name=posted_field, language=language)
                posted_form.is_valid()
            else:
                messages.success(request, _("The translation is saved."))
                return redirect(f"{request.path}#felt-{posted_field}")
    rows = _side_by_side_rows(obj, language, stored, posted_field=posted_field, posted_form=posted_form)
    kind_name = str(model._meta.verbose_name).capitalize()
    return render(
        request,
        "portal/translations/side_by_side.html",
        {
            "object": obj,
            "kind_name": kind_name,
            "language": language,
            "language_name": language_name(language),
            "language_direction": "rtl" if language in settings.LANGUAGES_BIDI else "ltr",
            "rows": rows,
            "stale_field": stale_field,
            "stale_message": STALE_TRANSLATION,
            "other_languages": [(code, language_name(code)) for code in content_languages() if code != language],
            "kind": kind_key(model),
            "crumbs": crumbs(
                crumb(capfirst(language_name(language)), overview_url(sprog=language)),
                crumb(f"{kind_name} {obj.pk}"),
            ),
        },
    )


@require_POST
@translator_view
def approve(request):
    kinds = translation_policy.kinds(request.user)
    language = request.POST.get("sprog", "")
    if language not in content_languages():
        language = content_languages()[0]
    chosen = [int(value) for value in request.POST.getlist("valgt") if value.isdigit() and len(value) < 19]
    back = overview_url(sprog=language, tilstand=request.POST.get("tilstand", ""), slags=request.POST.get("slags", ""))
    if not chosen:
        messages.error(request, _("Choose the drafts to mark as checked."))
        return redirect(back)
    types = ContentType.objects.get_for_models(*kinds)
    translations = list(
        translation_policy.visible(request.user, Translation).filter(
            pk__in=chosen, language=language, content_type__in=types.values()
        )
    )
    model_of = {content_type.pk: model for model, content_type in types.items()}
    found = _objects_of(request.user, kinds, {(model_of[t.content_type_id], t.object_id) for t in translations})
    objects = {(types[model].pk, pk): obj for (model, pk), obj in found.items()}
    try:
        count = approve_drafts(acting_user=request.user, translations=translations, objects=objects)
    except StaleVersion:
        messages.error(request, _("Someone changed one of the drafts meanwhile, so none were marked. Look again."))
        return redirect(back)
    skipped = len(chosen) - count
    message = _("%(count)s translations are marked as checked by the municipality.") % {"count": count}
    if skipped:
        message += " " + _(
            "%(count)s were not: they are no longer drafts of the Danish text as it is now. Open them side by side."
        ) % {"count": skipped}
    messages.success(request, message)
    return redirect(back)


def _objects_of(user, kinds: list, wanted: set) -> dict:
    """{(model, pk): object} for the wanted (model, pk) pairs `user` may translate: one query per model."""
    objects = {}
    for model in kinds:
        ids = {pk for wanted_model, pk in wanted if wanted_model is model}
        if ids:
            for pk, obj in translation_policy.translatable(user, model).in_bulk(ids).items():
                objects[(model, pk)] = obj
    return objects


@translator_view
def export(request, language: str, file_format: str):
    language = known_language(language)
    if file_format not in FORMATS:
        raise Http404
    municipality = request.user.municipality
    units = text_units(municipality.pk, [language], translation_policy.kinds(request.user))
    title = f"Pårørendeportalen {municipality.name}"
    day = timezone.localdate().isoformat()
    filename = f"{municipality.slug}-oversaettelser-{language}-{day}.{FORMATS[file_format]}"
    response = StreamingHttpResponse(
        (chunk.encode() for chunk in export_chunks(file_format, units, language, title)),
        content_type=f"{CONTENT_TYPES[file_format]}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@translator_view
def import_file(request, language: str):
    language = known_language(language)
    form = TranslationUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        kinds = translation_policy.kinds(request.user)
        try:
            file_units = read_file(upload.name, upload.read(), language)
            current = text_units(request.user.municipality_id, [language], kinds)
            objects = _objects_of(request.user, kinds, {(unit.model, unit.object_id) for unit in current})
            result = import_translations(
                acting_user=request.user, language=language, file_units=file_units, current=current, objects=objects
            )
        except TranslationFileError as error:
            for message in error.messages:
                form.add_error("file", message)
        except ImportProblems as error:
            problems = error.messages
        except StaleVersion:
            form.add_error("file", _("Someone saved a translation meanwhile, so nothing was imported. Try again."))
        except RuleViolation as error:
            show_on_form(form, error)
        else:
            message = _(
                "Imported: %(saved)s translations saved as drafts, %(unchanged)s unchanged, %(empty)s not translated "
                "in the file."
            ) % {"saved": result.saved, "unchanged": result.unchanged, "empty": result.not_translated}
            if result.outdated:
                message += " " + _(
                    "%(count)s were made from a Danish text that has changed since the export: they are saved, but "
                    "shown as outdated until an editor checks them against the new Danish."
                ) % {"count": len(result.outdated)}
            if result.kept_newer:
                message += " " + _(
                    "%(count)s were not saved: they were made from an earlier Danish text, and the texts have been "
                    "translated from the new Danish since."
                ) % {"count": len(result.kept_newer)}
            messages.success(request, message)
            return redirect(overview_url(sprog=language, tilstand=TextState.DRAFT.value))
    return render(
        request,
        "portal/translations/import.html",
        {
            "form": form,
            "problems": problems,
            "language": language,
            "language_name": language_name(language),
            "max_mb": f"{settings.TRANSLATION_IMPORT_MAX_BYTES / (1024 * 1024):g}",
            "crumbs": crumbs(
                crumb(capfirst(language_name(language)), overview_url(sprog=language)), crumb(_("Import"))
            ),
        },
    )
