"""Charts drawn on the server as inline SVG (the way shares are written is in surveys.labels).

A chart shows one indicator's share per wave with its 95 % interval as whiskers, and the target as a
dashed line. It is an image to assistive technology (role="img", with <title> and <desc>), and every
page that shows one puts a table of the same figures beside it. Nothing is styled inline (the
Content Security Policy forbids it): the SVG uses presentation attributes and the classes in
static/css/portal.css. Coordinates are written as plain strings here, so that number localisation in
templates (Danish decimal commas) never reaches them.
"""

from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from .labels import interval_text, percent
from .results import Result

WIDTH = 640
LEFT, RIGHT, TOP = 56, 120, 16  # the right margin holds the target's label
PLOT_HEIGHT = 200
LABEL_CHAR_WIDTH = 7.2  # roughly, at the axis labels' 12px
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class GridLine:
    y: str
    label: str


@dataclass(frozen=True)
class ChartPoint:
    x: str
    label: str  # the wave's name
    label_y: str
    shown: bool
    note: str = ""  # why there is no point
    y: str = ""
    low: str = ""
    high: str = ""
    cap_left: str = ""
    cap_right: str = ""
    value_x: str = ""
    value: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    plot_left: str
    plot_right: str
    plot_bottom: str
    grid: list[GridLine]
    points: list[ChartPoint]
    line: str  # the polyline through the shown points
    target_y: str = ""
    target_label: str = ""
    target_label_x: str = ""
    rotate_labels: bool = False

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


def y_of(share: float) -> float:
    return TOP + (1 - share) * PLOT_HEIGHT


def chart_description(trend: list[Result], target: float | None) -> str:
    """What a chart of `trend` shows, in words, figure for figure: for screen readers (both charts)."""
    described = []
    for result in trend:
        if result.shown:
            described.append(
                _("%(wave)s: %(share)s (95 %% interval %(interval)s, n = %(n)s)")
                % {
                    "wave": result.wave.name,
                    "share": percent(result.share),
                    "interval": interval_text(result.interval),
                    "n": result.figure.n,
                }
            )
        else:
            described.append(f"{result.wave.name}: {result.hidden_label or _('no answers')}")
    # xgettext:no-python-format
    description = _("The share of positive answers in each wave, with its 95 % interval.")
    if target is not None:
        description += " " + _("The target is %(target)s.") % {"target": percent(target)}
    if described:
        description += " " + "; ".join(described) + "."
    return description


def trend_chart(chart_id: str, title: str, trend: list[Result], target: float | None) -> Chart:
    """One indicator's share per wave (its total's results, oldest first) with whiskers and the target."""
    count = max(1, len(trend))
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / count
    longest = max((len(result.wave.name) for result in trend), default=0)
    rotate = longest * LABEL_CHAR_WIDTH > slot - 8
    bottom = TOP + PLOT_HEIGHT
    height = int(bottom + (min(longest, 28) * LABEL_CHAR_WIDTH * 0.6 + 28 if rotate else 36))

    points, line = [], []
    for position, result in enumerate(trend):
        x = LEFT + (position + 0.5) * slot
        common = {"x": number(x), "label": result.wave.name, "label_y": number(bottom + 20)}
        if result.shown:
            low, high = result.interval
            y = y_of(result.share)
            line.append(f"{number(x)},{number(y)}")
            points.append(
                ChartPoint(
                    **common,
                    shown=True,
                    y=number(y),
                    low=number(y_of(low)),
                    high=number(y_of(high)),
                    cap_left=number(x - 6),
                    cap_right=number(x + 6),
                    value_x=number(x + 9),
                    value=percent(result.share),
                )
            )
        else:
            points.append(ChartPoint(**common, shown=False, note=_("hidden") if result.hidden else _("no answers")))

    chart = Chart(
        id=chart_id,
        title=title,
        description=chart_description(trend, target),
        width=WIDTH,
        height=height,
        plot_left=number(LEFT),
        plot_right=number(WIDTH - RIGHT),
        plot_bottom=number(bottom),
        grid=[GridLine(number(y_of(share)), percent(share)) for share in GRID],
        points=points,
        line=" ".join(line) if len(line) > 1 else "",
        rotate_labels=rotate,
    )
    if target is None:
        return chart
    return replace(
        chart,
        target_y=number(y_of(target)),
        target_label=_("Target %(target)s") % {"target": percent(target)},
        target_label_x=number(WIDTH - RIGHT + 6),
    )


# --- The public page's chart: one bar per wave, drawn to be read on a phone -----------------------------

BAR_WIDTH = 360  # the viewBox: on a 390 px phone it is drawn at about its own size, so its 15px text stays 15px
BAR_PLOT = 280  # 0–100 % across this many units; the rest holds the value
BAR_TOP = 26  # the target's label
BAR_ROW = 62  # a wave: its name, its bar, and its interval below the bar
BAR_HEIGHT = 18
BAR_LABEL_CHARS = 40  # a longer wave name is shortened here; the table after the chart has it whole


@dataclass(frozen=True)
class Bar:
    label: str
    label_y: str
    shown: bool
    y: str = ""
    width: str = ""
    low: str = ""
    high: str = ""
    middle: str = ""
    cap_top: str = ""
    cap_bottom: str = ""
    value_x: str = ""
    value_y: str = ""
    value: str = ""
    note: str = ""


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    width: int
    height: int
    plot_right: str
    axis_y: str
    axis_label_y: str
    bars: list[Bar]
    target_x: str = ""
    target_label: str = ""
    target_label_anchor: str = "middle"
    target_label_x: str = ""

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


def bar_chart(chart_id: str, title: str, trend: list[Result], target: float | None) -> BarChart:
    """The indicator's share per wave (oldest first) as horizontal bars with the 95 % interval and the target:
    the public page's chart, readable at 390 px. Its description is the trend chart's (chart_description)."""
    bars = []
    for position, result in enumerate(trend):
        top = BAR_TOP + position * BAR_ROW
        name = result.wave.name
        label = name if len(name) <= BAR_LABEL_CHARS else name[: BAR_LABEL_CHARS - 1] + "\u2026"
        common = {"label": label, "label_y": number(top + 16)}
        if not result.shown:
            bars.append(Bar(**common, shown=False, note=_("hidden") if result.hidden else _("no answers")))
            continue
        low, high = result.interval
        bar_y = top + 24
        middle, whisker = bar_y + BAR_HEIGHT / 2, bar_y + BAR_HEIGHT + 7
        bars.append(
            Bar(
                **common,
                shown=True,
                y=number(bar_y),
                width=number(max(result.share * BAR_PLOT, 1)),
                low=number(low * BAR_PLOT),
                high=number(high * BAR_PLOT),
                middle=number(whisker),
                cap_top=number(whisker - 4),
                cap_bottom=number(whisker + 4),
                value_x=number(BAR_WIDTH),  # right-aligned in the margin, clear of the bars and the target
                value_y=number(middle + 5),
                value=percent(result.share),
            )
        )
    axis_y = BAR_TOP + max(1, len(trend)) * BAR_ROW + 4
    chart = BarChart(
        id=chart_id,
        title=title,
        description=chart_description(trend, target),
        width=BAR_WIDTH,
        height=axis_y + 22,
        plot_right=number(BAR_PLOT),
        axis_y=number(axis_y),
        axis_label_y=number(axis_y + 18),
        bars=bars,
    )
    if target is None:
        return chart
    x = target * BAR_PLOT
    anchor = "end" if x > BAR_PLOT - 40 else "start" if x < 40 else "middle"
    return replace(
        chart,
        target_x=number(x),
        target_label=_("Target %(target)s") % {"target": percent(target)},
        target_label_anchor=anchor,
        target_label_x=number(x),
    )
