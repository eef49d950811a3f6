"""The geometry of the dashboard's charts (lines over days, and gained-versus-lost bars), drawn
by stats/_line_chart.html and stats/_bar_chart.html as inline SVG: no JavaScript.

Horizontal positions are percentages of the chart's width and vertical ones pixels, so a chart
fills a phone or a desktop column while its text keeps its size; only the lines themselves sit
in an inner SVG whose viewBox is stretched to the plot (their strokes do not scale). Each day
carries a <title> (a tooltip, and the day's figures in words), each line its own dash pattern
so colour is never the only distinction, and each chart a description of what it shows.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from masthead.billing.charts import compact, nice_ceiling

PLOT_HEIGHT = 180  # px
TOP = 12  # room above the highest tick's label
BOTTOM = 40  # room for the date labels
PLOT_WIDTH = 88.0  # % of the width for the plot; the rest holds the scale's figures
VIEWBOX = 1000  # the inner SVG's units across and down the plot
BAR_SHARE = 0.7  # of each day's column
MAX_LABELS = 7  # date labels under the axis on a desktop (a phone shows every other one)
DASHES = ("", "6 4", "2 3")  # solid, dashed, dotted: one per series, in order


@dataclass(frozen=True)
class Tick:
    y: int
    label: str


@dataclass(frozen=True)
class DateLabel:
    x: str  # % of the width
    text: str
    is_minor: bool  # hidden on a phone, where every other label would collide


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # the line's class: stats-svg__line--<css>
    dash: str
    points: str  # "x,y x,y ..." in the inner viewBox
    first: int
    last: int
    highest: int
    highest_day: dt.date | None


@dataclass(frozen=True)
class Column:
    """One day's hit area: a tooltip naming its figures."""

    x: str
    width: str
    title: str


@dataclass(frozen=True)
class LineChart:
    height: int
    plot_top: int
    plot_height: int
    plot_width: str
    series: list[Series]
    columns: list[Column]
    ticks: list[Tick]
    labels: list[DateLabel]
    label_y: int
    description: str

    @property
    def columns_markup(self) -> SafeString:
        """Each day's hit area with its tooltip, written here rather than by a template loop:
        a year is 365 of them per chart, and Python writes them a hundred times faster."""
        top, height = self.plot_top, self.plot_height
        return mark_safe(  # noqa: S308 - every value is a number, or escaped
            "".join(
                f'<rect class="stats-svg__hit" x="{column.x}" y="{top}" width="{column.width}"'
                f' height="{height}"><title>{escape(column.title)}</title></rect>'
                for column in self.columns
            )
        )


@dataclass(frozen=True)
class Bar:
    x: str
    width: str
    up_y: int
    up_height: int
    down_height: int
    title: str


@dataclass(frozen=True)
class BarChart:
    height: int
    plot_top: int
    plot_height: int
    plot_width: str
    bars: list[Bar]
    zero_y: int
    ticks: list[Tick]
    labels: list[DateLabel]
    label_y: int
    description: str

    @property
    def bars_markup(self) -> SafeString:
        """Each day's bars with its tooltip (see LineChart.columns_markup for why here)."""
        parts = []
        for bar in self.bars:
            parts.append(f'<g class="stats-svg__day"><title>{escape(bar.title)}</title>')
            if bar.up_height:
                parts.append(
                    f'<rect class="stats-svg__bar" x="{bar.x}" y="{bar.up_y}"'
                    f' width="{bar.width}" height="{bar.up_height}"/>'
                )
            if bar.down_height:
                parts.append(
                    f'<rect class="stats-svg__bar stats-svg__bar--down" x="{bar.x}"'
                    f' y="{self.zero_y}" width="{bar.width}" height="{bar.down_height}"/>'
                )
            parts.append(
                f'<rect class="stats-svg__hit" x="{bar.x}" y="{self.plot_top}"'
                f' width="{bar.width}" height="{self.plot_height}"/></g>'
            )
        return mark_safe("".join(parts))  # noqa: S308 - every value is a number, or escaped


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _column_of(index: int, count: int) -> tuple[float, float]:
    """The left edge and width (in % of the chart) of day `index` of `count`."""
    step = PLOT_WIDTH / max(count, 1)
    return step * index, step


def date_labels(days: list[dt.date]) -> list[DateLabel]:
    """A few dates under the axis: the first of each month for long periods, else every few
    days; evenly thinned to MAX_LABELS, each second one marked minor for phones."""
    count = len(days)
    if not count:
        return []
    if count > 120:
        chosen = [i for i, day in enumerate(days) if day.day == 1]
        months = max(1, -(-len(chosen) // MAX_LABELS))
        chosen = chosen[::months]
        # The year under the first month and under January.
        texts = {
            i: f"{days[i]:%b %Y}" if days[i].month == 1 or order == 0 else f"{days[i]:%b}"
            for order, i in enumerate(chosen)
        }
    elif count > 45:
        chosen = [i for i, day in enumerate(days) if day.day in (1, 15)]
        texts = {i: f"{days[i].day} {days[i]:%b}" for i in chosen}
    else:
        every = max(1, -(-count // MAX_LABELS))
        chosen = list(range(0, count, every))
        texts = {i: f"{days[i].day} {days[i]:%b}" for i in chosen}
    labels = []
    for order, index in enumerate(chosen):
        left, step = _column_of(index, count)
        labels.append(DateLabel(_pct(left + step / 2), texts[index], is_minor=order % 2 == 1))
    return labels


def _scale(lowest: int, highest: int) -> tuple[float, float]:
    """A round bottom and top, four round steps apart: zero at the bottom unless every value
    sits far above it (a list of thousands growing by tens would otherwise be a flat line)."""
    # The values are counts: every step of the scale is a whole number (no 7.5 readers).
    if highest <= 0:
        return 0.0, 4.0
    if lowest <= highest * 0.6 or highest <= 20:
        top = nice_ceiling(float(highest))
        while top % 4:  # 30 would step by 7.5: take the next round top, 40
            top = nice_ceiling(top * 1.01)
        return 0.0, float(top)
    step = math.ceil(nice_ceiling((highest - lowest) / 3.5 or 1))
    bottom = math.floor(lowest / step) * step
    while bottom + 4 * step < highest:
        step = math.ceil(nice_ceiling(step * 1.05))
        bottom = math.floor(lowest / step) * step
    return float(bottom), float(bottom + 4 * step)


def line_chart(
    days: list[dt.date], series: list[tuple[str, str, list[int]]], unit: str
) -> LineChart:
    """Lines of daily values, `series` being (name, css class, values) in drawing order."""
    count = len(days)
    every_value = [value for _, _, values in series for value in values]
    bottom, top = _scale(min(every_value, default=0), max(every_value, default=0))
    span = (top - bottom) or 1
    drawn = []
    for index, (name, css, values) in enumerate(series):
        points = " ".join(
            f"{(position + 0.5) / max(count, 1) * VIEWBOX:.1f},"
            f"{VIEWBOX - (value - bottom) / span * VIEWBOX:.1f}"
            for position, value in enumerate(values)
        )
        highest = max(values, default=0)
        highest_day = days[values.index(highest)] if values else None
        drawn.append(
            Series(
                name,
                css,
                DASHES[index % len(DASHES)],
                points,
                values[0] if values else 0,
                values[-1] if values else 0,
                highest,
                highest_day,
            )
        )
    columns = []
    for position, day in enumerate(days):
        left, step = _column_of(position, count)
        figures = ", ".join(f"{values[position]:,} {name.lower()}" for name, _, values in series)
        columns.append(Column(_pct(left), _pct(step), f"{day_text(day)}: {figures}"))
    ticks = [
        Tick(round(TOP + PLOT_HEIGHT - PLOT_HEIGHT * step / 4), compact(bottom + span * step / 4))
        for step in range(5)
    ]
    return LineChart(
        height=TOP + PLOT_HEIGHT + BOTTOM,
        plot_top=TOP,
        plot_height=PLOT_HEIGHT,
        plot_width=_pct(PLOT_WIDTH),
        series=drawn,
        columns=columns,
        ticks=ticks,
        labels=date_labels(days),
        label_y=TOP + PLOT_HEIGHT + 18,
        description=describe_lines(days, drawn, unit),
    )


def describe_lines(days: list[dt.date], series: list[Series], unit: str) -> str:
    if not days:
        return f"No {unit} to show yet."
    first, last = day_text(days[0]), day_text(days[-1])
    parts = [
        f"{line.name} {unit}: {line.first:,} on {first}, {line.last:,} on {last}"
        + (
            f", highest {line.highest:,} on {day_text(line.highest_day)}"
            if line.highest_day and line.highest not in (line.first, line.last)
            else ""
        )
        for line in series
    ]
    return "; ".join(parts) + "."


def bar_chart(days: list[dt.date], ups: list[int], downs: list[int]) -> BarChart:
    """Gained as bars up from the zero line and lost as bars down, on one scale."""
    count = len(days)
    up_top = nice_ceiling(float(max(ups, default=0))) if any(ups) else 0
    down_top = nice_ceiling(float(max(downs, default=0))) if any(downs) else 0
    total = (up_top + down_top) or 1
    unit = PLOT_HEIGHT / total
    zero_y = TOP + round(unit * up_top) if up_top or down_top else TOP + PLOT_HEIGHT // 2
    bars = []
    for position, (day, up, down) in enumerate(zip(days, ups, downs, strict=True)):
        left, step = _column_of(position, count)
        width = step * BAR_SHARE
        height_up, height_down = round(unit * up), round(unit * down)
        # A day with movement too small for a pixel still shows a sliver.
        height_up = max(height_up, 1) if up else 0
        height_down = max(height_down, 1) if down else 0
        bars.append(
            Bar(
                _pct(left + (step - width) / 2),
                _pct(width),
                zero_y - height_up,
                height_up,
                height_down,
                f"{day_text(day)}: {up:,} gained, {down:,} lost",
            )
        )
    ticks = []
    if up_top:
        ticks.append(Tick(TOP, f"+{compact(up_top)}"))
    ticks.append(Tick(zero_y, "0"))
    if down_top:
        ticks.append(Tick(TOP + PLOT_HEIGHT, f"−{compact(down_top)}"))
    return BarChart(
        height=TOP + PLOT_HEIGHT + BOTTOM,
        plot_top=TOP,
        plot_height=PLOT_HEIGHT,
        plot_width=_pct(PLOT_WIDTH),
        bars=bars,
        zero_y=zero_y,
        ticks=ticks,
        labels=date_labels(days),
        label_y=TOP + PLOT_HEIGHT + 18,
        description=describe_bars(days, ups, downs),
    )


def describe_bars(days: list[dt.date], ups: list[int], downs: list[int]) -> str:
    if not days:
        return "No days to show yet."
    words = (
        f"From {day_text(days[0])} to {day_text(days[-1])}: {sum(ups):,} gained and "
        f"{sum(downs):,} lost, a net change of {sum(ups) - sum(downs):+,}."
    )
    if any(ups):
        best = max(range(len(ups)), key=ups.__getitem__)
        words += f" The most gained in a day was {ups[best]:,}, on {day_text(days[best])}."
    if any(downs):
        worst = max(range(len(downs)), key=downs.__getitem__)
        words += f" The most lost in a day was {downs[worst]:,}, on {day_text(days[worst])}."
    return words
