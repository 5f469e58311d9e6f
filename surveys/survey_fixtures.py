"""Loading a municipality's questionnaire from fixtures/surveys/<slug>.json (format in fixtures/README.md).

Like the policies and directories: a municipality that has a survey already keeps it (its managers may
have changed it) unless `replace=True`. Replacing never deletes answers: a survey that has responses,
invitations or results measured outside the portal is refused, and nothing is changed.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from portal.errors import RuleViolation, StaleVersion
from portal.models import Municipality, Page
from portal.translation_services import save_translation
from portal.translations import is_content_language

from . import services
from .languages import questionnaire_texts
from .models import ExternalResult, Indicator, Invitation, Question, Survey, SurveyResponse

SURVEY_FIXTURE_DIR = settings.BASE_DIR / "fixtures" / "surveys"
QUESTION_KEYS = {"key", "text", "kind", "choices", "required", "theme_page_slug"}
# {"translations": {"<language>": {"<field>": "<text>"}}}: the portal's own translations (the policies are Danish only)
OPTIONAL_KEYS = {"translations"}
INDICATOR_KEYS = {
    "question_key", "name", "positive_answers", "target", "deadline", "baseline", "baseline_date", "baseline_n",
    "baseline_note", "theme_page_slug", "is_headline",
}  # fmt: skip


def survey_fixture_paths() -> list[Path]:
    return sorted(SURVEY_FIXTURE_DIR.glob("*.json"))


def _check_keys(item: dict, expected: set[str], what: str) -> None:
    if not expected <= set(item) <= expected | OPTIONAL_KEYS:
        missing, unknown = sorted(expected - set(item)), sorted(set(item) - expected - OPTIONAL_KEYS)
        raise ValidationError(f"{what}: missing {missing}, unknown {unknown}.")


def _save_translations(obj, item: dict, what: str) -> None:
    """The item's translations, as drafts: written by the portal's developers, not checked by the municipality."""
    for language, texts in item.get("translations", {}).items():
        for field, text in texts.items():
            try:
                save_translation(acting_user=None, obj=obj, field=field, language=language, text=text, approved=False)
            except RuleViolation as error:
                raise ValidationError(f"{what}, translation “{language}” of “{field}”: {error.messages}") from error


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class PolicyPages:
    """The municipality's policy pages by slug, for the fixture's `theme_page_slug`s."""

    def __init__(self, municipality: Municipality):
        self.municipality = municipality
        self.pages = {page.slug: page for page in municipality.pages.all()}

    def get(self, slug: str | None, what: str) -> Page | None:
        if slug is None:
            return None
        if slug not in self.pages:
            raise ValidationError(f"{what}: {self.municipality} has no policy page “{slug}”.")
        return self.pages[slug]


def _make_room(municipality: Municipality, *, replace: bool) -> bool:
    """Whether to load: the municipality has no survey, or its survey is replaced (refused when answered)."""
    existing = municipality.surveys.all()
    if not existing.exists():
        return True
    if not replace:
        return False
    if (
        SurveyResponse.objects.filter(wave__survey__in=existing).exists()
        or Invitation.objects.filter(wave__survey__in=existing).exists()
        or ExternalResult.objects.filter(wave__survey__in=existing).exists()
    ):
        raise ValidationError(f"{municipality}: the survey has answers or invitations; replacing it would delete them.")
    existing.delete()
    return True


def _load_questions(survey: Survey, items: list[dict], pages: PolicyPages) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for order, item in enumerate(items, start=1):
        _check_keys(item, QUESTION_KEYS, f"Question “{item.get('key')}”")
        if item["key"] in questions:
            raise ValidationError(f"Question key “{item['key']}” is used twice.")
        question = Question(
            survey=survey,
            order=order * 10,
            text=item["text"],
            kind=item["kind"],
            choices=item["choices"],
            required=item["required"],
            theme=pages.get(item["theme_page_slug"], f"Question “{item['key']}”"),
        )
        services.save_questions(questions=[question])
        _save_translations(question, item, f"Question “{item['key']}”")
        questions[item["key"]] = question
    return questions


def _load_indicators(questions: dict[str, Question], items: list[dict], pages: PolicyPages) -> None:
    for order, item in enumerate(items, start=1):
        _check_keys(item, INDICATOR_KEYS, f"Indicator “{item.get('name')}”")
        if item["question_key"] not in questions:
            raise ValidationError(f"Indicator “{item['name']}”: no question “{item['question_key']}”.")
        indicator = Indicator(
            question=questions[item["question_key"]],
            name=item["name"],
            positive_answers=item["positive_answers"],
            target=item["target"],
            deadline=_date(item["deadline"]),
            baseline=item["baseline"],
            baseline_date=_date(item["baseline_date"]),
            baseline_n=item["baseline_n"],
            baseline_note=item["baseline_note"],
            theme=pages.get(item["theme_page_slug"], f"Indicator “{item['name']}”"),
            is_headline=item["is_headline"],
            order=order * 10,
        )
        services.save_indicator(indicator=indicator)
        _save_translations(indicator, item, f"Indicator “{item['name']}”")


@transaction.atomic
def load_survey(path: Path, *, replace: bool = False) -> bool:
    """Load one file; False when the municipality's survey was kept as it was."""
    data = json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal)
    municipality = Municipality.objects.get(slug=data["municipality"])
    if not _make_room(municipality, replace=replace):
        return False
    pages = PolicyPages(municipality)
    survey = services.save_survey(
        survey=Survey(
            municipality=municipality,
            title=data["survey"]["title"],
            intro=data["survey"]["intro"],
        )
    )
    _save_translations(survey, data["survey"], "The survey")
    questions = _load_questions(survey, data["questions"], pages)
    _load_indicators(questions, data["indicators"], pages)
    load_prepared_translations(survey)
    return True


# --- the portal's translations of the questionnaires (fixtures/surveys/translations/<language>.json) --------

TRANSLATION_FIXTURE_DIR = SURVEY_FIXTURE_DIR / "translations"


def prepared_translations() -> dict[str, dict[str, str]]:
    """{language: {Danish text: translation}}: the portal's translations of the five questionnaires' texts,
    keyed by the Danish (many questions repeat across municipalities); a single-choice question's answers
    are one key, the Danish answers joined by line breaks."""
    prepared = {}
    for path in sorted(TRANSLATION_FIXTURE_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not is_content_language(data["language"]) or data["language"] != path.stem:
            raise ValidationError(f"{path.name}: “{data['language']}” is not one of the portal's languages.")
        prepared[data["language"]] = data["texts"]
    return prepared


def load_prepared_translations(survey: Survey) -> int:
    """Add the prepared translations of the survey's texts as drafts (“not yet checked”) until a manager approves
    them; a text that already has a translation in a language keeps it. Returns how many were added."""
    prepared = prepared_translations()
    added = 0
    for obj, field in questionnaire_texts(survey):
        danish = obj.source_text(field)
        for language, texts in prepared.items():
            if danish not in texts:
                continue
            try:
                save_translation(
                    acting_user=None, obj=obj, field=field, language=language, text=texts[danish], approved=False
                )
            except StaleVersion:  # translated already (e.g. the fixture's own English): that one stays
                continue
            added += 1
    return added
