"""The survey's figures, for the managers' dashboard, its exports and the public "Sådan går det" page.

Counting is done by the database: ONE grouped query (Answer joined to Response, COUNT grouped by wave,
unit, question and value) serves every indicator of every wave asked for, however many answers there
are. What follows it is arithmetic on at most waves × units × questions × values rows.

Groups
    The municipality's total; each area (Unit.area) that has units; each unit; and "not tied to a
    unit" (answers through an open link that named no unit, or an external result's total beyond its
    units' rows). The total is the sum of the areas and "not tied to a unit"; an area is the sum of
    its units.

Counts, per indicator × wave × group
    positive   answers whose value is one of the indicator's `positive_answers` (compared exactly);
    dont_know  answers "ved_ikke";
    n          every other answer that is not blank (blank answers count nowhere).
    For an external wave the counts are its ExternalResult rows (positive, n, dont_know): a row with a
    unit is that unit, the row without a unit is the total (or, missing, the sum of the unit rows).

Scoring (surveys.scoring)
    share = positive / n with its 95 % Wilson interval; the target status (met only when the interval's
    lower bound reaches the target, not met when its upper bound is below it, otherwise undecided);
    the change since the previous wave (two-proportion test at the 5 % level: up, down or unchanged);
    and whether the share is on the straight path from the indicator's baseline to its target on its
    deadline (on_track), for indicators that have all four.

Suppression (the rule; tests/test_dashboard.py tests it)
    1. Small groups: a group with fewer than MIN_GROUP_SIZE (5) answers in n is hidden.
    2. Complementary suppression: no difference of shown figures may reveal a hidden group. A reader
       can add up the shown units of an area to get the area, and subtract shown groups from a shown
       total to get the one group left, across both levels and repeatedly. We work out everything a
       reader could work out that way, and require for each parent that can be worked out that its
       hidden part - the groups under it that cannot be worked out, taken down to the units - is
       either empty or has at least MIN_GROUP_SIZE answers in n. When it is not, one more group is
       hidden: the smallest (by n, then "don't know", then name) of the groups that are still shown
       next to that hidden part, and the check runs again. So when exactly one unit of an area (or
       one area of the municipality) is hidden while its siblings and the total are shown, the
       next-smallest sibling is hidden too; and an area hidden that way also loses its smallest unit,
       or its units would add up to it.
    Groups with no answers at all reveal nothing and are never hidden. The choice depends only on n
    and "don't know", which are the same for every indicator of one question, so the indicators of a
    question hide the same groups. A hidden group's counts never leave this module: its Result has no
    figure.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Area, Unit

from .models import DONT_KNOW, Answer, ExternalResult, Indicator, Wave
from .scoring import MIN_GROUP_SIZE, Change, Figure, TargetStatus, change_since, on_track, target_status

NBSP = "\u00a0"


def percent(share: float | None) -> str:
    """66 %, rounded half up (a no-break space before the sign, as Danish writes it)."""
    if share is None:
        return ""
    return f"{math.floor(share * 100 + 0.5 + 1e-9)}{NBSP}%"


def interval_text(interval: tuple[float, float] | None) -> str:
    """58–73 %."""
    if interval is None:
        return ""
    low, high = interval
    return f"{math.floor(low * 100 + 0.5 + 1e-9)}–{percent(high)}"


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


class Hidden(StrEnum):
    SMALL = "small"  # fewer than MIN_GROUP_SIZE answers
    COMPLEMENTARY = "complementary"  # hidden so that a small group cannot be worked out from the others


HIDDEN_LABELS = {
    Hidden.SMALL: _("Hidden: fewer than %(limit)s answers"),
    Hidden.COMPLEMENTARY: _("Hidden, so that a smaller group cannot be worked out from the other figures"),
}
STATUS_LABELS = {
    TargetStatus.MET: _("Target met"),
    TargetStatus.NOT_MET: _("Target not met"),
    TargetStatus.UNDECIDED: _("Cannot yet be told apart from the target"),
}
CHANGE_SYMBOLS = {Change.UP: "↑", Change.DOWN: "↓", Change.UNCHANGED: "→"}
CHANGE_LABELS = {Change.UP: _("Up"), Change.DOWN: _("Down"), Change.UNCHANGED: _("Unchanged")}
ON_TRACK_LABELS = {True: _("On track"), False: _("Behind the path to the target")}


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

    @property
    def share_text(self) -> str:
        return percent(self.share)

    @property
    def interval_text(self) -> str:
        return interval_text(self.interval)

    @property
    def hidden_label(self) -> str:
        return str(HIDDEN_LABELS[self.hidden]) % {"limit": MIN_GROUP_SIZE} if self.hidden else ""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status]) if self.status else ""

    @property
    def change_label(self) -> str:
        return str(CHANGE_LABELS[self.change]) if self.change else ""

    @property
    def change_symbol(self) -> str:
        return CHANGE_SYMBOLS[self.change] if self.change else ""

    @property
    def on_track_label(self) -> str:
        return "" if self.on_track is None else str(ON_TRACK_LABELS[self.on_track])


@dataclass
class SurveyResults:
    """Every indicator × wave × group asked for. Waves run oldest first; groups in the order shown."""

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


# --- counting -----------------------------------------------------------------------------------

EMPTY = Figure(0, 0, 0)


def add(*figures: Figure) -> Figure:
    return Figure(
        sum(figure.positive for figure in figures),
        sum(figure.n for figure in figures),
        sum(figure.dont_know for figure in figures),
    )


def answer_counts(waves: list[Wave], indicators: list[Indicator]) -> dict[tuple[int, int], dict]:
    """{(wave, question): {unit or None: {value: count}}} from ONE grouped query; blank answers left out."""
    wave_ids = [wave.pk for wave in waves if not wave.is_external]
    question_ids = sorted({indicator.question_id for indicator in indicators})
    counts: dict[tuple[int, int], dict[int | None, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
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


def figure_from_counts(values: dict[str, int], positive_answers: set[str]) -> Figure:
    dont_know = values.get(DONT_KNOW, 0)
    positive = sum(count for value, count in values.items() if value in positive_answers)
    return Figure(positive=positive, n=sum(values.values()) - dont_know, dont_know=dont_know)


# --- suppression --------------------------------------------------------------------------------


def is_empty(figure: Figure) -> bool:
    return figure.n == 0 and figure.dont_know == 0


def is_safe(figure: Figure) -> bool:
    """May this figure be shown, or be worked out by a reader?"""
    return is_empty(figure) or figure.n >= MIN_GROUP_SIZE


def suppress(children: dict, figures: dict, rank: dict) -> dict:
    """Which groups to hide, and why: {group: Hidden}. The rule is in the module's docstring.

    `children` maps each parent to its children (a tree: the total above the areas above the units),
    `figures` gives every group's counts, `rank` a group's place for breaking ties by name.
    """
    hidden = {group: Hidden.SMALL for group, figure in figures.items() if not is_empty(figure) and figure.suppressed}
    parents = [parent for parent in sorted(children, key=rank.__getitem__) if children[parent]]
    for _attempt in range(len(figures) + 1):  # each round hides one more group, so this always ends
        known = workable(children, figures, hidden, parents)
        disclosed = next((parent for parent in parents if discloses(parent, children, figures, known)), None)
        if disclosed is None:
            return hidden
        candidates = shown_next_to_hidden_part(disclosed, children, figures, hidden, known)
        if not candidates and disclosed not in hidden:
            candidates = [disclosed]
        if not candidates:
            return hidden  # cannot happen with consistent counts: nothing is left shown there
        smallest = min(candidates, key=lambda group: (figures[group].n, figures[group].dont_know, rank[group]))
        hidden[smallest] = Hidden.COMPLEMENTARY
    return hidden


def workable(children: dict, figures: dict, hidden: dict, parents: list) -> set:
    """Every group a reader can work out from the shown figures, by adding up and subtracting."""
    known = {group for group in figures if group not in hidden}
    changed = True
    while changed:
        changed = False
        for parent in parents:
            kids = children[parent]
            if parent not in known and all(kid in known for kid in kids):
                known.add(parent)  # the sum of its children
                changed = True
            if parent in known:
                unknown = [kid for kid in kids if kid not in known]
                if len(unknown) == 1:
                    known.add(unknown[0])  # the parent less its other children
                    changed = True
    return known


def hidden_part(parent, children: dict, known: set) -> list:
    """The groups under `parent` that a reader cannot work out, taken down to the leaves."""
    leaves = []
    for kid in children.get(parent, []):
        if kid in known:
            continue
        if children.get(kid):
            leaves += hidden_part(kid, children, known)
        else:
            leaves.append(kid)
    return leaves


def discloses(parent, children: dict, figures: dict, known: set) -> bool:
    """Whether a reader can work out too small a part of `parent`: one hidden child, or a sum of them."""
    if parent not in known:
        return False
    part = hidden_part(parent, children, known)
    if part:
        return not is_safe(add(*(figures[group] for group in part)))
    return any(not is_safe(figures[kid]) for kid in children[parent])  # every child, small ones too, worked out


def shown_next_to_hidden_part(parent, children: dict, figures: dict, hidden: dict, known: set) -> list:
    """The shown groups that hiding would add to `parent`'s hidden part (its known groups, going down
    through hidden groups that a reader can still work out from their own children)."""
    found = []
    for kid in children.get(parent, []):
        if is_empty(figures[kid]) or (kid in known and kid in hidden and not children.get(kid)):
            continue
        if kid not in known:
            found += shown_next_to_hidden_part(kid, children, figures, hidden, known)
        elif kid not in hidden:
            found.append(kid)
        else:  # hidden, yet its own children add up to it
            found += [child for child in children[kid] if child not in hidden and not is_empty(figures[child])]
    return found


# --- putting it together ------------------------------------------------------------------------


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


def compute_results(waves: list[Wave], indicators: list[Indicator], units: list[Unit]) -> SurveyResults:
    """All results of `indicators` (with question loaded) in `waves`, the groups made of `units`.

    Queries: the grouped answer count and the external results (each only when needed), nothing else.
    """
    waves = sorted(waves, key=lambda wave: (wave.opens_on, wave.pk))
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
    survey_results = SurveyResults(waves, list(indicators), areas, ordered_units)

    counts = answer_counts(waves, indicators)
    external = defaultdict(dict)  # (wave, indicator) -> {unit pk or None: Figure}
    external_wave_ids = [wave.pk for wave in waves if wave.is_external]
    if external_wave_ids and indicators:
        for row in ExternalResult.objects.filter(
            wave_id__in=external_wave_ids, indicator__in=[indicator.pk for indicator in indicators]
        ):
            external[(row.wave_id, row.indicator_id)][row.unit_id] = Figure(row.positive, row.n, row.dont_know)

    for indicator in indicators:
        positive_answers = set(indicator.positive_answers)
        target = None if indicator.target is None else float(indicator.target)
        path = indicator_path(indicator)
        previous: Wave | None = None
        for wave in survey_results.waves_of(indicator):
            leaves: dict[Group, Figure] = defaultdict(lambda: EMPTY)
            total = None
            if wave.is_external:
                rows = external.get((wave.pk, indicator.pk), {})
                for unit_id, figure in rows.items():
                    if unit_id is None:
                        total = figure
                    else:
                        group = unit_groups.get(unit_id, NO_UNIT)
                        leaves[group] = add(leaves[group], figure)
                if total is not None and any(group != NO_UNIT for group in leaves):
                    beyond = add(*(leaves[group] for group in list(leaves)))
                    leaves[NO_UNIT] = add(
                        leaves[NO_UNIT],
                        Figure(
                            max(0, total.positive - beyond.positive),
                            max(0, total.n - beyond.n),
                            max(0, total.dont_know - beyond.dont_know),
                        ),
                    )
            else:
                for unit_id, values in counts.get((wave.pk, indicator.question_id), {}).items():
                    group = unit_groups.get(unit_id, NO_UNIT)  # a unit of another municipality: not tied to one
                    leaves[group] = add(leaves[group], figure_from_counts(values, positive_answers))

            figures = {group: leaves[group] for group in [NO_UNIT, *ordered_units]}
            for area in areas:
                figures[area] = add(*(figures[group] for group in children[area]))
            figures[TOTAL] = total if total is not None else add(*(figures[group] for group in children[TOTAL]))

            hidden = suppress(children, figures, rank)
            for group, figure in figures.items():
                shown = not is_empty(figure) and group not in hidden
                result = Result(indicator, wave, group, figure if shown else None, hidden.get(group))
                if shown:
                    if target is not None:
                        result.status = target_status(figure.positive, figure.n, target)
                    before = survey_results.results.get((indicator.pk, previous.pk, group)) if previous else None
                    if before is not None and before.shown:
                        result.previous_wave = previous
                        result.change = change_since(figure.positive, figure.n, before.figure.positive, before.figure.n)
                    if path is not None:
                        result.on_track = on_track(figure.share, wave.closes_on, **path)
                survey_results.results[(indicator.pk, wave.pk, group)] = result
            previous = wave
    return survey_results


def survey_results(survey, *, indicators: list[Indicator] | None = None) -> SurveyResults:
    """Every indicator of `survey` in every wave: 5 queries (waves, indicators, units, answers, external)."""
    waves = list(survey.waves.all())
    if indicators is None:
        indicators = list(Indicator.objects.filter(question__survey=survey).select_related("question"))
    units = list(Unit.objects.filter(municipality_id=survey.municipality_id))
    return compute_results(waves, indicators, units)


def headline_results(municipality, *, today: date | None = None) -> SurveyResults:
    """The headline indicators of `municipality`'s surveys in their closed waves (for the public page).

    5 queries whatever the number of surveys, waves or answers.
    """
    today = today or timezone.localdate()
    waves = list(Wave.objects.filter(survey__municipality=municipality, closes_on__lt=today))
    indicators = list(
        Indicator.objects.filter(question__survey__municipality=municipality, is_headline=True)
        .select_related("question__survey")
        .order_by("question__survey__title", "question__survey_id", "order", "pk")
    )
    units = list(Unit.objects.filter(municipality=municipality))
    return compute_results(waves, indicators, units)
