"""How the survey's figures are written for people: shares ("66 %"), intervals (58 to 73 %, with an en
dash), and the words for a target's status, the change since the previous wave, the path to the target and a
hidden group."""

import math

from django.utils.translation import gettext_lazy as _

from .scoring import MIN_GROUP_SIZE, Change, TargetStatus
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
