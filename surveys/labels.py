"""How the survey's figures are written for people: shares ("66 %"), intervals (58 to 73 %, with an en
dash), and the words for a target's status, the change since the previous wave, the path to the target and a
hidden group."""

import math

from django.utils.translation import gettext_lazy as _

from portal.formats import format_date, format_share, format_share_range

from .scoring import MIN_GROUP_SIZE, Change, NoPath, TargetStatus, Verdict
from .suppression import Hidden


def percent(share: float | None) -> str:
    """A share rounded half up, as the reader's language writes it: "66 %" (da), "66%" (en), "%66" (tr)."""
    return format_share(share)


def interval_text(interval: tuple[float, float] | None) -> str:
    """The interval from 58 to 73 %, written with an en dash: "58–73 %" (da), "58–73%" (en)."""
    if interval is None:
        return ""
    low, high = interval
    return format_share_range(low, high)


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
    text = str(_("Deadline %(date)s")) % {"date": format_date(verdict.deadline)}
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


# --- "Sådan går det" in one plain sentence ------------------------------------------------------------


def out_of_ten(share: float | None) -> str:
    """A share as a relative reads it: “7 ud af 10”, rounded half up to whole tenths like `percent`, except that
    a share above 0 is never “0 ud af 10” (“under 1 ud af 10”) and one below 1 never “10 ud af 10” (“næsten
    10 ud af 10”): nobody is told that none or all answered so when some did not."""
    if share is None:
        return ""
    tenths = math.floor(share * 10 + 0.5 + 1e-9)
    if tenths == 0 and share > 0:
        return str(_("fewer than 1 out of 10"))
    if tenths == 10 and share < 1:
        return str(_("almost 10 out of 10"))
    return str(_("%(count)d out of 10")) % {"count": tenths}


def positive_answers_text(indicator) -> str:
    """What counts as a positive answer, as the form showed the answers: “I meget høj grad” or “I høj grad”."""
    from .models import Question, Scale, YesNo

    kind = indicator.question.kind
    labels = []
    for value in indicator.positive_answers:
        if kind == Question.Kind.SCALE and value in Scale.values:
            labels.append(str(Scale(value).label))
        elif kind == Question.Kind.YES_NO and value in YesNo.values:
            labels.append(str(YesNo(value).label))
        else:
            labels.append(value)
    quoted = [f"“{label}”" for label in labels]
    if len(quoted) < 2:
        return "".join(quoted)
    return str(_("%(first)s or %(last)s")) % {"first": ", ".join(quoted[:-1]), "last": quoted[-1]}


VERDICT_SENTENCES = {
    TargetStatus.MET: _("The target is met."),
    TargetStatus.NOT_MET: _("The target is not met."),
    TargetStatus.UNDECIDED: _("It cannot yet be told whether the target is met."),
}


def plain_sentence(
    *, question: str, share: float | None, hidden: Hidden | None, target: float | None, verdict: Verdict | None = None
) -> str:
    """“Hvor mange pårørende svarer positivt på …? 7 ud af 10. Målet er 75 %. Målet er ikke nået.” One per target;
    whether it is met is the verdict's (surveys.scoring.verdict), said only where there is a figure."""
    parts = [str(_("How many relatives answer positively to “%(question)s”?")) % {"question": question.rstrip("?")}]
    if hidden:
        parts.append(hidden_label(hidden) + ".")
    elif share is None:
        parts.append(str(_("No answers yet.")))
    else:
        parts.append(out_of_ten(share) + ".")
    if target is not None:
        parts.append(str(_("The target is %(share)s.")) % {"share": percent(target)})
        if verdict is not None and verdict.status is not None and not hidden and share is not None:
            parts.append(str(VERDICT_SENTENCES[verdict.status]))
    return " ".join(parts)
