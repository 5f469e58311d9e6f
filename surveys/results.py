"""The survey's results, for the managers' dashboard, its exports and the public "Sådan går det" page.

Reading the results of a survey (`survey_results`) or the public headline results of a municipality
(`headline_results`) costs a fixed number of queries, however many answers there are:

- counting: surveys.counting (one grouped query, and the results measured outside the portal);
- groups: the municipality's total; each area (Unit.area) that has units; each unit; and "not tied to a
  unit" (answers through an open link that named no unit, or an external result's total beyond its
  units' rows). The total is the sum of the areas and "not tied to a unit"; an area is the sum of its
  units. An external result with a unit is that unit, the one without a unit is the total (or, missing,
  the sum of the unit rows);
- suppression: surveys.suppression hides small groups and those that would give one away;
- scoring: surveys.scoring: share = positive / n with its 95 % Wilson interval; the target status (met
  only when the interval's lower bound reaches the target, not met when its upper bound is below it,
  otherwise undecided); the change since the previous wave (two-proportion test at the 5 % level: up,
  down or unchanged); and whether the share is on the straight path from the indicator's baseline to
  its target on its deadline (on_track), for indicators that have all four;
- words: surveys.labels.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Area, Unit
from portal.translations import prefetch_translations

from . import counting, labels
from .models import Indicator, Wave
from .scoring import (
    NO_ANSWERS,
    Change,
    Figure,
    TargetStatus,
    add_up,
    change_since,
    on_track,
    remainder,
    target_status,
)
from .suppression import Hidden, is_empty, suppress


class GroupKind(StrEnum):
    TOTAL = "total"
    AREA = "area"
    NO_UNIT = "no_unit"
    UNIT = "unit"


@dataclass(frozen=True)
class Group:
    kind: GroupKind
    key: str = ""  # the area's code, the unit's pk; empty for the total and "not tied to a unit"
    name: str = ""  # the unit's name (areas and the others are named in the active language)

    @property
    def label(self) -> str:
        if self.kind == GroupKind.TOTAL:
            return str(_("The municipality in all"))
        if self.kind == GroupKind.AREA:
            return str(Area(self.key).label)
        if self.kind == GroupKind.NO_UNIT:
            return str(_("Not tied to a unit"))
        return self.name


TOTAL = Group(GroupKind.TOTAL)
NO_UNIT = Group(GroupKind.NO_UNIT)


@dataclass
class Result:
    """One indicator's result for one group in one wave. A hidden (or empty) result carries no figure."""

    indicator: Indicator
    wave: Wave
    group: Group
    figure: Figure | None  # None when hidden or when the group has no answers
    hidden: Hidden | None = None
    status: TargetStatus | None = None
    change: Change | None = None
    previous_wave: Wave | None = None
    on_track: bool | None = None

    @property
    def shown(self) -> bool:
        return self.figure is not None

    @property
    def interval(self) -> tuple[float, float] | None:
        return self.figure.interval if self.figure else None

    @property
    def share(self) -> float | None:
        return self.figure.share if self.figure else None

    # As the pages write them (surveys.labels).
    share_text = property(lambda self: labels.percent(self.share))
    interval_text = property(lambda self: labels.interval_text(self.interval))
    hidden_label = property(lambda self: labels.hidden_label(self.hidden))
    status_label = property(lambda self: labels.status_label(self.status))
    change_label = property(lambda self: labels.change_label(self.change))
    change_symbol = property(lambda self: labels.change_symbol(self.change))
    on_track_label = property(lambda self: labels.on_track_label(self.on_track))


@dataclass
class SurveyResults:
    """Every indicator's result in every wave for every group asked for.

    Waves run oldest first; groups in the order shown.
    """

    waves: list[Wave]
    indicators: list[Indicator]
    areas: list[Group]
    units: list[Group]  # by area, then name
    results: dict[tuple[int, int, Group], Result] = field(default_factory=dict)

    @property
    def groups(self) -> list[Group]:
        return [TOTAL, *self.areas, NO_UNIT, *self.units]

    def get(self, indicator: Indicator, wave: Wave, group: Group = TOTAL) -> Result | None:
        return self.results.get((indicator.pk, wave.pk, group))

    def waves_of(self, indicator: Indicator) -> list[Wave]:
        return [wave for wave in self.waves if wave.survey_id == indicator.question.survey_id]

    def trend(self, indicator: Indicator, group: Group = TOTAL) -> list[Result]:
        return [self.results[(indicator.pk, wave.pk, group)] for wave in self.waves_of(indicator)]

    def rows(self, indicator: Indicator, wave: Wave, groups: list[Group]) -> list[Result]:
        """The results of `groups` that have answers (shown or hidden)."""
        found = (self.results.get((indicator.pk, wave.pk, group)) for group in groups)
        return [result for result in found if result is not None and (result.shown or result.hidden)]

    def area_rows(self, indicator: Indicator, wave: Wave) -> list[Result]:
        return self.rows(indicator, wave, [*self.areas, NO_UNIT])

    def unit_rows(self, indicator: Indicator, wave: Wave) -> list[Result]:
        return self.rows(indicator, wave, self.units)

    def has_answers(self, wave: Wave) -> bool:
        """Whether any indicator has answers in `wave` (shown or hidden)."""
        return any(
            (result := self.results.get((indicator.pk, wave.pk, TOTAL))) is not None and (result.shown or result.hidden)
            for indicator in self.indicators
        )


# --- the groups -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """The groups a municipality's units make, as the tree surveys.suppression works on."""

    unit_groups: dict[int, Group]  # unit pk -> its group
    areas: list[Group]
    units: list[Group]  # by area, then name
    children: dict[Group, list[Group]]  # the total over the areas and "not tied to a unit", each area over its units
    rank: dict[Group, int]  # the order shown, which breaks ties

    @classmethod
    def of(cls, units: Iterable[Unit]) -> "Grouping":
        units = list(units)
        unit_groups = {unit.pk: Group(GroupKind.UNIT, str(unit.pk), unit.name) for unit in units}
        area_of = {unit_groups[unit.pk]: Group(GroupKind.AREA, unit.area) for unit in units}
        area_order = {code: position for position, code in enumerate(Area.values)}
        areas = sorted(set(area_of.values()), key=lambda group: area_order.get(group.key, len(area_order)))
        ordered_units = sorted(
            unit_groups.values(), key=lambda group: (area_order.get(area_of[group].key, 99), group.name, group.key)
        )
        children = {TOTAL: [*areas, NO_UNIT]}
        for area in areas:
            children[area] = [group for group in ordered_units if area_of[group] == area]
        rank = {group: position for position, group in enumerate([TOTAL, *areas, NO_UNIT, *ordered_units])}
        return cls(unit_groups, areas, ordered_units, children, rank)

    def group_of(self, unit_id: int | None) -> Group:
        """The unit's group; "not tied to a unit" for none, or a unit of another municipality."""
        return self.unit_groups.get(unit_id, NO_UNIT)

    def figures(self, leaves: dict[Group, Figure], total: Figure | None = None) -> dict[Group, Figure]:
        """Every group's figure: the units and "not tied to a unit" as given, the areas and the total added up
        (unless the total is given)."""
        figures = {group: leaves.get(group, NO_ANSWERS) for group in [NO_UNIT, *self.units]}
        for area in self.areas:
            figures[area] = add_up(*(figures[group] for group in self.children[area]))
        figures[TOTAL] = total if total is not None else add_up(*(figures[group] for group in self.children[TOTAL]))
        return figures


def _add_to(leaves: dict[Group, Figure], group: Group, figure: Figure) -> None:
    leaves[group] = add_up(leaves.get(group, NO_ANSWERS), figure)


def answer_figures(counts: dict[int | None, counting.ValueCounts], indicator: Indicator, grouping: Grouping):
    """The groups' figures of one indicator in a wave run in the portal, from the counts per unit."""
    positive_answers = set(indicator.positive_answers)
    leaves: dict[Group, Figure] = {}
    for unit_id, values in counts.items():
        _add_to(leaves, grouping.group_of(unit_id), counting.figure_from_counts(values, positive_answers))
    return grouping.figures(leaves)


def external_figures(rows: dict[int | None, Figure], grouping: Grouping) -> dict[Group, Figure]:
    """The groups' figures of one indicator in a wave measured outside the portal: the row without a unit
    is the total, and what it holds beyond the units' rows is "not tied to a unit"."""
    leaves: dict[Group, Figure] = {}
    for unit_id, figure in rows.items():
        if unit_id is not None:
            _add_to(leaves, grouping.group_of(unit_id), figure)
    total = rows.get(None)
    if total is not None and any(group != NO_UNIT for group in leaves):
        _add_to(leaves, NO_UNIT, remainder(total, add_up(*leaves.values())))
    return grouping.figures(leaves, total)


# --- scoring --------------------------------------------------------------------------------------


def indicator_path(indicator: Indicator) -> dict | None:
    """The straight path from the baseline to the target, for scoring.on_track; None without all four."""
    if None in (indicator.baseline, indicator.baseline_date, indicator.target, indicator.deadline):
        return None
    return {
        "baseline": float(indicator.baseline),
        "baseline_date": indicator.baseline_date,
        "target": float(indicator.target),
        "deadline": indicator.deadline,
    }


@dataclass(frozen=True)
class Aim:
    """What an indicator's results are scored against: its target, and the path to it."""

    target: float | None
    path: dict | None

    @classmethod
    def of(cls, indicator: Indicator) -> "Aim":
        return cls(None if indicator.target is None else float(indicator.target), indicator_path(indicator))


def scored(result: Result, before: Result | None, aim: Aim) -> Result:
    """`result` with its target status, its change since `before` (the previous wave's) and its path."""
    figure = result.figure
    if aim.target is not None:
        result.status = target_status(figure.positive, figure.n, aim.target)
    if before is not None and before.shown:
        result.previous_wave = before.wave
        result.change = change_since(figure.positive, figure.n, before.figure.positive, before.figure.n)
    if aim.path is not None:
        result.on_track = on_track(figure.share, result.wave.closes_on, **aim.path)
    return result


def _add_wave(results: SurveyResults, indicator: Indicator, wave: Wave, figures: dict, grouping: Grouping, previous):
    """The indicator's results in `wave`, each group's figure hidden or shown and scored."""
    hidden = suppress(grouping.children, figures, grouping.rank)
    aim = Aim.of(indicator)
    earlier = (indicator.pk, previous.pk) if previous is not None else None
    for group, figure in figures.items():
        shown = not is_empty(figure) and group not in hidden
        result = Result(indicator, wave, group, figure if shown else None, hidden.get(group))
        if shown:
            result = scored(result, results.results.get((*earlier, group)) if earlier else None, aim)
        results.results[(indicator.pk, wave.pk, group)] = result


def compute_results(waves: list[Wave], indicators: list[Indicator], units: list[Unit]) -> SurveyResults:
    """All results of `indicators` (with question loaded) in `waves`, the groups made of `units`.

    Queries: the grouped answer count and the external results (each only when needed), nothing else.
    """
    waves = sorted(waves, key=lambda wave: (wave.opens_on, wave.pk))
    grouping = Grouping.of(units)
    results = SurveyResults(waves, list(indicators), grouping.areas, grouping.units)
    counts = counting.answer_counts(waves, indicators)
    external = counting.external_figures(waves, indicators)
    for indicator in indicators:
        previous: Wave | None = None
        for wave in results.waves_of(indicator):
            if wave.is_external:
                figures = external_figures(external.get((wave.pk, indicator.pk), {}), grouping)
            else:
                figures = answer_figures(counts.get((wave.pk, indicator.question_id), {}), indicator, grouping)
            _add_wave(results, indicator, wave, figures, grouping, previous)
            previous = wave
    return results


# --- the named reads --------------------------------------------------------------------------------


def survey_results(survey, *, indicators: list[Indicator] | None = None) -> SurveyResults:
    """Every indicator of `survey` in every wave: 5 queries (waves, indicators, units, answers, external), and
    in another language than Danish 3 for the translations of the survey, the indicators and their questions."""
    waves = list(survey.waves.all())
    if indicators is None:
        indicators = list(Indicator.objects.filter(question__survey=survey).select_related("question"))
    prefetch_translations([survey, *indicators, *(indicator.question for indicator in indicators)])
    units = list(Unit.objects.filter(municipality_id=survey.municipality_id))
    return compute_results(waves, indicators, units)


def headline_results(municipality, *, today: date | None = None) -> SurveyResults:
    """The headline indicators of `municipality`'s surveys in their closed waves (for the public page).

    5 queries whatever the number of surveys, waves or answers (in another language than Danish, 3 more for the
    translations of the indicators, their questions and their surveys).
    """
    today = today or timezone.localdate()
    waves = list(Wave.objects.filter(survey__municipality=municipality, closes_on__lt=today))
    indicators = list(
        Indicator.objects.filter(question__survey__municipality=municipality, is_headline=True)
        .select_related("question__survey")
        .order_by("question__survey__title", "question__survey_id", "order", "pk")
    )
    questions = [indicator.question for indicator in indicators]
    prefetch_translations([*indicators, *questions, *(question.survey for question in questions)])
    units = list(Unit.objects.filter(municipality=municipality))
    return compute_results(waves, indicators, units)
