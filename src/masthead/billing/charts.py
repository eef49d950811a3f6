"""The geometry of the revenue page's bar charts, drawn by the template as inline SVG: no
JavaScript, and the figures also stand in a table beside each chart.

Horizontal positions are percentages of the chart's width and vertical ones pixels, so a chart
fills a phone or a desktop column and its text keeps its size (an SVG scaled by a viewBox would
shrink the month names to nothing on a phone)."""

import math
from dataclasses import dataclass
from decimal import Decimal

PLOT_HEIGHT = 180  # px of bars
TOP = 22  # room for the value above the tallest bar
BOTTOM = 40  # room for the month names (and the year under January)
PLOT_WIDTH = 90  # % of the width for the bars; the rest holds the scale's figures
BAR_SHARE = 0.62  # of each month's column


@dataclass(frozen=True)
class Bar:
    x: str  # % of the width
    width: str
    y: int  # px from the top
    height: int
    value: str  # the figure, written over (or under) the bar
    value_y: int
    center: str  # % of the width


@dataclass(frozen=True)
class Tick:
    y: int
    label: str


@dataclass(frozen=True)
class Label:
    center: str
    month: str
    year: str


@dataclass(frozen=True)
class Chart:
    height: int
    bars: list[Bar]
    lower_bars: list[Bar]  # drawn downwards from the zero line (churned)
    ticks: list[Tick]
    zero_y: int
    labels: list[Label]
    plot_width: str
    label_y: int


def nice_ceiling(value: float) -> float:
    """The smallest round top at or above `value` whose quarters are round too (a scale of
    four steps): 1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6 or 8 times a power of ten."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def compact(value: float) -> str:
    """A short figure for the scale: 950, 1.5k, 12k, 1.2M."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:.3g}M"
    if value >= 1_000:
        return f"{value / 1_000:.3g}k"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def month_labels(months, columns: int) -> list[Label]:
    step = PLOT_WIDTH / columns
    labels = []
    for index, month in enumerate(months):
        start = month.starts_at
        # The year under January, and under the first month unless January follows at once
        # (two years side by side collide on a phone).
        shows_year = start.month == 1 or (index == 0 and start.month != 12)
        labels.append(
            Label(_pct(step * (index + 0.5)), f"{start:%b}", f"{start:%Y}" if shows_year else "")
        )
    return labels


def _column(index: int, columns: int) -> tuple[str, str, str]:
    step = PLOT_WIDTH / columns
    width = step * BAR_SHARE
    x = step * index + (step - width) / 2
    return _pct(x), _pct(width), _pct(step * (index + 0.5))


def amount_chart(months, amounts: list[Decimal]) -> Chart:
    """Bars of an amount per month from a zero line, with a round scale of four steps."""
    top = nice_ceiling(float(max(amounts, default=0)))
    columns = len(months)
    zero_y = TOP + PLOT_HEIGHT
    bars = []
    for index, amount in enumerate(amounts):
        height = round(PLOT_HEIGHT * float(amount) / top)
        x, width, center = _column(index, columns)
        y = zero_y - height
        bars.append(Bar(x, width, y, height, compact(float(amount)), y - 6, center))
    ticks = [
        Tick(round(zero_y - PLOT_HEIGHT * step / 4), compact(top * step / 4)) for step in range(5)
    ]
    return Chart(
        height=zero_y + BOTTOM,
        bars=bars,
        lower_bars=[],
        ticks=ticks,
        zero_y=zero_y,
        labels=month_labels(months, columns),
        plot_width=_pct(PLOT_WIDTH),
        label_y=zero_y + 16,
    )


def movement_chart(months) -> Chart:
    """New subscribers as bars up from the zero line and those who left as bars down, on one
    scale, so a month's growth and its losses compare at a glance."""
    new_counts = [month.new_count for month in months]
    churned_counts = [month.churned_count for month in months]
    up, down = max(new_counts, default=0), max(churned_counts, default=0)
    total = (up + down) or 1
    unit = PLOT_HEIGHT / total
    zero_y = TOP + round(unit * up) if up or down else TOP + PLOT_HEIGHT
    columns = len(months)
    bars, lower = [], []
    for index, (new, churned) in enumerate(zip(new_counts, churned_counts, strict=True)):
        x, width, center = _column(index, columns)
        height = round(unit * new)
        bars.append(
            Bar(
                x,
                width,
                zero_y - height,
                height,
                str(new) if new else "",
                zero_y - height - 6,
                center,
            )
        )
        height = round(unit * churned)
        lower.append(
            Bar(
                x,
                width,
                zero_y,
                height,
                str(churned) if churned else "",
                zero_y + height + 14,
                center,
            )
        )
    bottom = TOP + PLOT_HEIGHT + 18  # room for the count under the deepest bar
    return Chart(
        height=bottom + BOTTOM,
        bars=bars,
        lower_bars=lower,
        ticks=[],
        zero_y=zero_y,
        labels=month_labels(months, columns),
        plot_width=_pct(PLOT_WIDTH),
        label_y=bottom + 16,
    )
