"""Is the target met? Plain statistics on shares of positive answers, testable without HTTP.

The formulas are the ones statsmodels uses (proportion_confint(method="wilson"),
proportions_ztest with and without a pooled variance), written out so that the portal needs no
scientific stack; tests/test_scoring.py reproduces statsmodels' figures.
"""

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

Z_95 = 1.959963984540054  # the standard normal's 97.5 % quantile
MIN_GROUP_SIZE = 5  # groups with fewer answers are hidden


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def wilson_interval(positive: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of positive/n (95 % by default)."""
    if n <= 0:
        raise ValueError("n must be positive")
    share = positive / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half_width = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if positive == 0 else max(0.0, centre - half_width)
    high = 1.0 if positive == n else min(1.0, centre + half_width)
    return low, high


def score_test(positive: int, n: int, target: float) -> tuple[float, float]:
    """One-sample z (score) test of positive/n against `target`: (z, two-sided p)."""
    z = (positive / n - target) / math.sqrt(target * (1 - target) / n)
    return z, 2 * (1 - normal_cdf(abs(z)))


def two_proportion_test(positive_1: int, n_1: int, positive_2: int, n_2: int) -> tuple[float, float]:
    """Pooled two-proportion z test of wave 1 against wave 2: (z, two-sided p); z > 0 when 1 is higher."""
    pooled = (positive_1 + positive_2) / (n_1 + n_2)
    if pooled in (0.0, 1.0):
        return 0.0, 1.0
    standard_error = math.sqrt(pooled * (1 - pooled) * (1 / n_1 + 1 / n_2))
    z = (positive_1 / n_1 - positive_2 / n_2) / standard_error
    return z, 2 * (1 - normal_cdf(abs(z)))


class TargetStatus(StrEnum):
    MET = "met"  # the whole interval is at or above the target
    NOT_MET = "not_met"  # the whole interval is below the target
    UNDECIDED = "undecided"  # cannot yet be told apart from the target


def target_status(positive: int, n: int, target: float) -> TargetStatus:
    low, high = wilson_interval(positive, n)
    if low >= target:
        return TargetStatus.MET
    if high < target:
        return TargetStatus.NOT_MET
    return TargetStatus.UNDECIDED


class Change(StrEnum):
    UP = "up"
    DOWN = "down"
    UNCHANGED = "unchanged"  # no difference at the 5 % level


def change_since(positive: int, n: int, previous_positive: int, previous_n: int, alpha: float = 0.05) -> Change:
    z, p = two_proportion_test(positive, n, previous_positive, previous_n)
    if p >= alpha:
        return Change.UNCHANGED
    return Change.UP if z > 0 else Change.DOWN


def expected_on(day: date, *, baseline: float, baseline_date: date, target: float, deadline: date) -> float:
    """Where a straight path from the baseline to the target on its deadline is on `day`."""
    if day >= deadline:
        return target
    if day <= baseline_date:
        return baseline
    elapsed = (day - baseline_date).days / (deadline - baseline_date).days
    return baseline + (target - baseline) * elapsed


def on_track(share: float, day: date, *, baseline: float, baseline_date: date, target: float, deadline: date) -> bool:
    """Whether the measured share is at or above the straight path from the baseline to the target."""
    return share >= expected_on(day, baseline=baseline, baseline_date=baseline_date, target=target, deadline=deadline)


@dataclass(frozen=True)
class Figure:
    """One indicator's result for one group (a unit, an area, the municipality) in one wave."""

    positive: int
    n: int
    dont_know: int = 0

    @property
    def suppressed(self) -> bool:
        return self.n < MIN_GROUP_SIZE

    @property
    def share(self) -> float:
        return self.positive / self.n

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.positive, self.n)


NO_ANSWERS = Figure(0, 0, 0)


def add_up(*figures: Figure) -> Figure:
    """The figure of several groups together."""
    return Figure(
        sum(figure.positive for figure in figures),
        sum(figure.n for figure in figures),
        sum(figure.dont_know for figure in figures),
    )


def remainder(whole: Figure, part: Figure) -> Figure:
    """What `whole` holds beyond `part` (never below nothing)."""
    return Figure(
        max(0, whole.positive - part.positive), max(0, whole.n - part.n), max(0, whole.dont_know - part.dont_know)
    )


# --- the verdict: the one line per target the dashboard opens with ----------------------------------


class NoPath(StrEnum):
    """Why "on track" cannot be told for an indicator."""

    NO_BASELINE = "no_baseline"  # nothing to draw a path from
    NO_DEADLINE = "no_deadline"  # nothing to draw a path to
    DEADLINE_PASSED = "deadline_passed"  # the path has ended: only "met or not" counts now
    NO_FIGURE = "no_figure"  # the wave has no figure to put on the path (no answers, or hidden)


@dataclass(frozen=True)
class Verdict:
    """One target's answer to "are we meeting it?" in one wave.

    `status` is None when the wave has no figure for the whole municipality. `on_track` is told only where
    a baseline and a deadline allow it (and the target is not met already); `no_path` says why not.
    """

    status: TargetStatus | None
    deadline: date | None
    deadline_passed: bool
    on_track: bool | None
    no_path: NoPath | None


def verdict(
    *,
    status: TargetStatus | None,
    on_track: bool | None,
    has_baseline: bool,
    deadline: date | None,
    today: date,
) -> Verdict:
    """The verdict line of one target. A deadline has passed when `today` is after it (the deadline day
    itself still counts as in time). Where the target is met, no path is needed and none is explained."""
    passed = deadline is not None and today > deadline
    if status == TargetStatus.MET:
        return Verdict(status, deadline, passed, None, None)
    if deadline is None:
        no_path = NoPath.NO_DEADLINE
    elif passed:
        no_path = NoPath.DEADLINE_PASSED
    elif not has_baseline:
        no_path = NoPath.NO_BASELINE
    elif status is None or on_track is None:
        no_path = NoPath.NO_FIGURE
    else:
        return Verdict(status, deadline, passed, on_track, None)
    return Verdict(status, deadline, passed, None, no_path)
