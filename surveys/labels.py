"""How the survey's figures are written for people: shares ("66 %"), intervals (58 to 73 %, with an en
dash), and the words for a target's status, the change since the previous wave, the path to the target and a
hidden group."""

import math

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .scoring import MIN_GROUP_SIZE, Change, NoPath, TargetStatus, Verdict
from .suppression import Hidden

NBSP = "\u00a0"
EN_DASH = "\u2013"


def _whole_percent(share: float) -> int:
    """Rounded half up, so that 0.665 is 67 (the 1e-9 absorbs the float's error)."""
    return math.floor(share * 100 + 0.5 + 1e-9)


def percent(share: float | None) -> str:
    """66 %, rounded half up (a no-break space before the sign, as Danish writes it)."""
    if share is None:
        return ""
    return f"{_whole_percent(share)}{NBSP}%"


def interval_text(interval: tuple[float, float] | None) -> str:
    """The interval from 58 to 73 %, written with an en dash."""
    if interval is None:
        return ""
    low, high = interval
    return f"{_whole_percent(low)}{EN_DASH}{percent(high)}"


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


def hidden_label(hidden: Hidden | None) -> str:
    return str(HIDDEN_LABELS[hidden]) % {"limit": MIN_GROUP_SIZE} if hidden else ""


def status_label(status: TargetStatus | None) -> str:
    return str(STATUS_LABELS[status]) if status else ""


def change_label(change: Change | None) -> str:
    return str(CHANGE_LABELS[change]) if change else ""


def change_symbol(change: Change | None) -> str:
    return CHANGE_SYMBOLS[change] if change else ""


def on_track_label(on_track: bool | None) -> str:
    return "" if on_track is None else str(ON_TRACK_LABELS[on_track])


NO_PATH_SENTENCES = {
    NoPath.NO_BASELINE: _("“On track” cannot be told: the indicator has no baseline to draw the path from."),
    NoPath.NO_DEADLINE: _("“On track” cannot be told: the target has no deadline to draw the path to."),
    NoPath.DEADLINE_PASSED: _("The deadline has passed, so only whether the target is met counts now."),
    NoPath.NO_FIGURE: _("“On track” cannot be told: this wave has no figure for the whole municipality."),
}


def deadline_text(verdict: Verdict) -> str:
    """“Deadline 31 December 2024”, and “the deadline has passed” once it has."""
    if verdict.deadline is None:
        return str(_("No deadline"))
    text = str(_("Deadline %(date)s")) % {"date": date_format(verdict.deadline, "j. F Y")}
    if verdict.deadline_passed and verdict.status != TargetStatus.MET:
        text += " – " + str(_("the deadline has passed"))
    return text


def path_text(verdict: Verdict) -> str:
    """One sentence on the path from the baseline to the target: on track, behind, or why it cannot be told."""
    if verdict.on_track is not None:
        return str(ON_TRACK_LABELS[verdict.on_track]) + "."
    if verdict.no_path is not None:
        return str(NO_PATH_SENTENCES[verdict.no_path])
    return ""
