"""The relatives' survey in every interface language: the answer scales shown in the reader's language, how far
a questionnaire is translated, and how many answered in each language.

Answers do not depend on the language: a relative who answers in Arabic posts the same value as one who answers
in Danish (the scale's stored value, or a single-choice question's Danish answer), so every result counts them
together. Only the response remembers the language it was given in (`SurveyResponse.language`).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import get_language_info, gettext

from portal.models import TranslatedText, Translation
from portal.translations import SOURCE_LANGUAGE, TextState, active_language, content_languages, text_state

from .labels import percent
from .models import Indicator, Question, Survey
from .scoring import Figure
from .suppression import suppress


def own_name(code: str) -> str:
    """The language's name in itself, as it begins a line: “Dansk”, “Polski”, “العربيّة”."""
    name = get_language_info(code)["name_local"]
    return name[:1].upper() + name[1:]


def translated_choices(question: Question, language: str | None = None) -> list[TranslatedText]:
    """A single-choice question's answers as the reader sees them, in the Danish order (index i translates
    `question.choices[i]`). The translation of "choices" holds one answer per line; a translation whose number
    of lines differs from the Danish counts as missing, and then every answer is shown in Danish."""
    language = language or active_language()
    danish = [TranslatedText(choice, SOURCE_LANGUAGE, TextState.ORIGINAL) for choice in question.choices or []]
    if language == SOURCE_LANGUAGE or not danish:
        return danish
    text = question.translated("choices", language)
    lines = _lines(text)
    if text.state == TextState.MISSING or len(lines) != len(danish):
        return [TranslatedText(choice, SOURCE_LANGUAGE, TextState.MISSING) for choice in question.choices]
    return [TranslatedText(line, language, text.state) for line in lines]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def state_of(obj, field: str, translation: Translation | None) -> TextState:
    """The state of a questionnaire text's translation (portal.translations.text_state), where a single-choice
    question's answers translated into another number of lines count as missing."""
    state = text_state(translation, obj.source_text(field))
    if field == "choices" and state != TextState.MISSING and len(_lines(translation.text)) != len(obj.choices):
        return TextState.MISSING
    return state


def questionnaire_texts(survey: Survey) -> list[tuple[object, str]]:
    """Every translatable text a relative or the dashboard shows of the survey: (object, field), in the page's
    order. Questions no longer current and empty texts (a scale question's choices) are left out."""
    questions = list(Question.objects.filter(survey=survey, is_current=True).order_by("order", "pk"))
    indicators = list(Indicator.objects.filter(question__survey=survey, question__is_current=True))
    texts = [(survey, field) for field in Survey.TRANSLATED_FIELDS]
    texts += [(question, field) for question in questions for field in Question.TRANSLATED_FIELDS]
    texts += [(indicator, field) for indicator in indicators for field in Indicator.TRANSLATED_FIELDS]
    return [(obj, field) for obj, field in texts if obj.source_text(field).strip()]


def _translations_of(texts: list[tuple[object, str]], languages: list[str]) -> dict[tuple, Translation]:
    """{(content type, object id, field, language): Translation} of `texts`, in one query."""
    models = {type(obj) for obj, _field in texts}
    types = ContentType.objects.get_for_models(*models)
    ids = {obj.pk for obj, _field in texts}
    rows = Translation.objects.filter(
        content_type__in=types.values(), object_id__in=ids, language__in=languages
    ).select_related("content_type")
    return {(row.content_type.model_class(), row.object_id, row.field, row.language): row for row in rows}


@dataclass
class LanguageProgress:
    """How far a questionnaire is translated into one language: how many of its texts are in each state."""

    code: str
    name: str  # in its own language ("العربية")
    approved: int
    draft: int
    outdated: int
    missing: int
    drafts_seen: str = ""  # drafts_stamp of the drafts counted, for the approval to check nothing changed since

    @property
    def state(self) -> TextState:
        """The language's state as a whole: the least finished of its texts' states."""
        for state, count in (
            (TextState.MISSING, self.missing),
            (TextState.OUTDATED, self.outdated),
            (TextState.DRAFT, self.draft),
        ):
            if count:
                return state
        return TextState.APPROVED


def translation_progress(survey: Survey) -> list[LanguageProgress]:
    """Per configured language: how many of the questionnaire's texts are checked, drafts, outdated or missing."""
    texts = questionnaire_texts(survey)
    languages = content_languages()
    found = _translations_of(texts, languages)
    progress = []
    for code in languages:
        counts, drafts = dict.fromkeys(TextState, 0), []
        for obj, field in texts:
            translation = found.get((type(obj), obj.pk, field, code))
            state = state_of(obj, field, translation)
            if state == TextState.DRAFT:
                drafts.append(translation)
            counts[state] += 1
        progress.append(
            LanguageProgress(
                code=code,
                name=own_name(code),
                approved=counts[TextState.APPROVED],
                draft=counts[TextState.DRAFT],
                outdated=counts[TextState.OUTDATED],
                missing=counts[TextState.MISSING],
                drafts_seen=drafts_stamp(drafts),
            )
        )
    return progress


def drafts_stamp(drafts: list[Translation]) -> str:
    """A fingerprint of a set of draft translations as they are now (which ones, and when each was changed)."""
    parts = sorted(f"{draft.pk}:{draft.updated_at.isoformat()}" for draft in drafts)
    return hashlib.sha256(",".join(parts).encode()).hexdigest()[:32]


@dataclass
class TextRow:
    """One text of the questionnaire as a manager reads it before approving: the Danish beside the translation."""

    what: str  # "Title", "Question 3", "Indicator"
    danish: str
    translation: str  # "" when missing
    state: TextState


def side_by_side(survey: Survey, language: str) -> list[TextRow]:
    """Every text of the questionnaire in Danish and in `language`, with its state, in the page's order."""
    texts = questionnaire_texts(survey)
    found = _translations_of(texts, [language])
    rows, numbers = [], {}
    for obj, field in texts:
        translation = found.get((type(obj), obj.pk, field, language))
        state = state_of(obj, field, translation)
        text = translation.text if translation else ""
        rows.append(TextRow(_what(obj, field, numbers), obj.source_text(field), text, state))
    return rows


def _what(obj, field: str, numbers: dict) -> str:
    if isinstance(obj, Survey):
        return str(Survey._meta.get_field(field).verbose_name).capitalize()
    if isinstance(obj, Question):
        number = numbers.setdefault(obj.pk, len(numbers) + 1)
        if field == "choices":
            return gettext("Answers to question %(number)d") % {"number": number}
        return gettext("Question %(number)d") % {"number": number}
    return gettext("Indicator")


def current_drafts(survey: Survey, language: str) -> list[tuple[object, str, Translation]]:
    """The questionnaire's draft translations into `language` made from the Danish as it is now (an outdated
    draft translates an earlier Danish text, so it is not among them: it must be translated again first)."""
    texts = questionnaire_texts(survey)
    found = _translations_of(texts, [language])
    drafts = []
    for obj, field in texts:
        translation = found.get((type(obj), obj.pk, field, language))
        if state_of(obj, field, translation) == TextState.DRAFT:
            drafts.append((obj, field, translation))
    return drafts


# --- how many answered in each language ------------------------------------------------------------


@dataclass
class LanguageShare:
    """The responses of a wave given in one language: their number and share, or hidden like a small group."""

    code: str
    name: str  # in the reader's language
    count: int | None  # None when hidden
    share: float | None

    @property
    def shown(self) -> bool:
        return self.count is not None

    @property
    def share_text(self) -> str:
        return percent(self.share) if self.share is not None else ""


TOTAL = "total"


def language_shares(counts: dict[str, int]) -> list[LanguageShare]:
    """The share of a wave's responses given in each language, from {language: responses}; a language with
    answers but fewer than MIN_GROUP_SIZE is hidden, and another one with it where the hidden one could be
    worked out from the total (surveys.suppression.suppress, the rule of every group on the dashboard)."""
    names = dict(settings.LANGUAGES)
    codes = [code for code in names if counts.get(code)]
    total = sum(counts.get(code, 0) for code in codes)
    if not total:
        return []
    figures = {code: Figure(counts[code], counts[code]) for code in codes}
    figures[TOTAL] = Figure(total, total)
    rank = {code: place for place, code in enumerate([TOTAL, *names])}
    hidden = suppress({TOTAL: codes}, figures, rank)
    if TOTAL in hidden:
        return []
    return [
        LanguageShare(
            code=code,
            name=str(get_language_info(code)["name_translated"]),
            count=None if code in hidden else counts[code],
            share=None if code in hidden else counts[code] / total,
        )
        for code in codes
    ]
