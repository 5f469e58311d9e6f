"""Counting the answers, in the database.

ONE grouped query (Answer joined to SurveyResponse, COUNT grouped by wave, unit, question and value)
serves every indicator of every wave asked for, however many answers there are; one more query reads the
results measured outside the portal. What follows them (surveys.results) is arithmetic on at most one
row per wave, unit, question and value.

Counts, for each indicator, wave and group
    positive   answers whose value is one of the indicator's `positive_answers` (compared exactly);
    dont_know  answers "ved_ikke";
    n          every other answer that is not blank (blank answers count nowhere).
    For an external wave the counts are its ExternalResult rows (positive, n, dont_know).
"""

from collections import defaultdict

from django.db.models import Count

from .models import DONT_KNOW, Answer, ExternalResult, Indicator, Wave
from .scoring import Figure

ValueCounts = dict[str, int]  # answer value -> how many gave it


def answer_counts(
    waves: list[Wave], indicators: list[Indicator]
) -> dict[tuple[int, int], dict[int | None, ValueCounts]]:
    """{(wave, question): {unit or None: {value: count}}} from ONE grouped query; blank answers left out.

    No query when no wave is run in the portal or there is no indicator.
    """
    wave_ids = [wave.pk for wave in waves if not wave.is_external]
    question_ids = sorted({indicator.question_id for indicator in indicators})
    counts: dict[tuple[int, int], dict[int | None, ValueCounts]] = defaultdict(lambda: defaultdict(dict))
    if not wave_ids or not question_ids:
        return counts
    rows = (
        Answer.objects.filter(response__wave_id__in=wave_ids, question_id__in=question_ids)
        .exclude(value="")
        .values_list("response__wave_id", "response__unit_id", "question_id", "value")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for wave_id, unit_id, question_id, value, count in rows:
        counts[(wave_id, question_id)][unit_id][value] = count
    return counts


def external_figures(waves: list[Wave], indicators: list[Indicator]) -> dict[tuple[int, int], dict[int | None, Figure]]:
    """{(wave, indicator): {unit or None: Figure}} of the waves measured outside the portal; no query without one."""
    figures: dict[tuple[int, int], dict[int | None, Figure]] = defaultdict(dict)
    wave_ids = [wave.pk for wave in waves if wave.is_external]
    if not wave_ids or not indicators:
        return figures
    rows = ExternalResult.objects.filter(wave_id__in=wave_ids, indicator__in=[indicator.pk for indicator in indicators])
    for row in rows:
        figures[(row.wave_id, row.indicator_id)][row.unit_id] = Figure(row.positive, row.n, row.dont_know)
    return figures


def figure_from_counts(values: ValueCounts, positive_answers: set[str]) -> Figure:
    dont_know = values.get(DONT_KNOW, 0)
    positive = sum(count for value, count in values.items() if value in positive_answers)
    return Figure(positive=positive, n=sum(values.values()) - dont_know, dont_know=dont_know)
