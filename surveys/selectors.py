"""The survey's named reads: what a page or a service asks the database, each in one place.

Staff reads take the user and start from surveys.access.survey_policy; public reads take what the page
is about (a code, an open link, a municipality) and show only what the public may see. The figures of
the dashboard and the public page are read in surveys.results.
"""

from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal.translations import translation_subquery

from . import codes
from .access import survey_policy
from .models import DONT_KNOW, Answer, Invitation, Question, Survey, SurveyResponse, Wave

# --- public: answering ----------------------------------------------------------------------------


def find_invitation(code: str) -> Invitation | None:
    """The invitation of a typed or linked code (any spelling), or None."""
    normalized = codes.normalize(code)
    if normalized is None:
        return None
    return (
        Invitation.objects.select_related("wave__survey__municipality")
        .filter(code_digest=codes.digest(normalized))
        .first()
    )


def open_link_wave(key: UUID | str) -> Wave | None:
    try:
        key = UUID(str(key))
    except ValueError:
        return None
    return Wave.objects.select_related("survey__municipality").filter(open_link_key=key).first()


def open_link_full(wave: Wave) -> bool:
    return wave.responses.filter(via_open_link=True).count() >= wave.open_link_limit


def questions_of(wave: Wave) -> list[Question]:
    """The wave's questions in the order the form shows them (question n is at index n - 1)."""
    return list(Question.objects.filter(survey_id=wave.survey_id, is_current=True).order_by("order", "pk"))


def has_answers(obj: Survey | Wave | Question | object) -> bool:
    """Whether anybody has answered this survey, wave or question (anything else holds no answers)."""
    if isinstance(obj, Survey):
        return SurveyResponse.objects.filter(wave__survey=obj).exists()
    if isinstance(obj, Wave):
        return obj.responses.exists()
    if isinstance(obj, Question):
        return obj.answers.exists()
    return False


# --- staff ----------------------------------------------------------------------------------------


def _count_per_wave(model, **filters) -> Coalesce:
    rows = model.objects.filter(wave=OuterRef("pk"), **filters).order_by().values("wave").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


def surveys_with_wave_counts(user) -> QuerySet[Survey]:
    """The user's surveys, each with its waves (newest first) counting invitations made and used and answers."""
    waves = (
        Wave.objects.annotate(
            invited=_count_per_wave(Invitation),
            used=_count_per_wave(Invitation, used_on__isnull=False),
            answered=_count_per_wave(SurveyResponse),
        )
        .prefetch_related("units")
        .order_by("-opens_on", "pk")
    )
    return survey_policy.visible(user, Survey).prefetch_related(Prefetch("waves", queryset=waves))


def exported_answers(user, survey: Survey, wave: Wave | None = None, *, with_text: bool = False) -> QuerySet:
    """The anonymous answers of the survey (or of one wave) the export holds, oldest wave first; the free-text
    questions' answers only `with_text`. Which units the export may name is surveys.suppression's rule."""
    answers = survey_policy.visible(user, Answer).filter(response__wave__survey=survey)
    if wave is not None:
        answers = answers.filter(response__wave=wave)
    if not with_text:
        answers = answers.exclude(question__kind=Question.Kind.TEXT)
    return answers.order_by("response__wave__opens_on", "response__wave_id", "response_id", "question__order", "pk")


def answer_rows(user, survey: Survey, wave: Wave | None = None, *, with_text: bool = False) -> QuerySet:
    """exported_answers as tuples, for surveys.exports.answers_csv."""
    answers = exported_answers(user, survey, wave, with_text=with_text).annotate(
        question_translated=translation_subquery(Question, "text", OuterRef("question_id"))
    )
    return answers.values_list(
        "response_id", "response__wave_id", "response__wave__name", "response__unit_id", "question_id",
        "question__order", "question__text", "question_translated", "question__kind", "value", "text",
    )  # fmt: skip


def answered_per_question(user, survey: Survey, wave: Wave | None = None) -> dict[tuple[int, int], int]:
    """{(wave, question): answers other than blank and "don't know"} of the survey (or of one wave), one query."""
    answers = survey_policy.visible(user, Answer).filter(response__wave__survey=survey)
    if wave is not None:
        answers = answers.filter(response__wave=wave)
    answers = answers.exclude(value=DONT_KNOW).exclude(value="", text="")
    rows = answers.values_list("response__wave_id", "question_id").annotate(n=Count("pk")).order_by()
    return {(wave_id, question_id): count for wave_id, question_id, count in rows}


def responses_per_unit(user, survey: Survey, wave: Wave | None = None) -> dict[int, dict[int | None, int]]:
    """{wave: {unit or None: responses}} of the survey (or of one wave), in one grouped query."""
    responses = survey_policy.visible(user, SurveyResponse).filter(wave__survey=survey)
    if wave is not None:
        responses = responses.filter(wave=wave)
    counts: dict[int, dict[int | None, int]] = {}
    for wave_id, unit_id, count in responses.values_list("wave_id", "unit_id").annotate(n=Count("pk")).order_by():
        counts.setdefault(wave_id, {})[unit_id] = count
    return counts


def responses_per_language(user, wave: Wave) -> dict[str, int]:
    """{language: responses} of the wave (the language each was answered in), in one grouped query."""
    responses = survey_policy.visible(user, SurveyResponse).filter(wave=wave)
    return dict(responses.values_list("language").annotate(n=Count("pk")).order_by())
