"""Subscribers, web and email activity over a period, day by day, from DailyPublicationStats;
where they came from, from DailySourceStats; and when the rollup last ran.

Days the rollup wrote no row for had no movement: their subscriber counts are the last known.
"""

import datetime as dt
from dataclasses import dataclass, fields

from django.db.models import Max, Sum

from masthead.stats.models import DailyPublicationStats, DailySourceStats, RollupRun
from masthead.stats.queries.periods import Period
from masthead.subscriptions.models import SubscriptionSource

COUNT_FIELDS = ("total", "free", "paid")
MOVEMENT_FIELDS = (
    "gained",
    "lost",
    "paid_gained",
    "paid_lost",
    "views",
    "visitors",
    "emails_sent",
    "opens",
    "clicks",
)


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    total: int = 0
    free: int = 0
    paid: int = 0
    gained: int = 0
    lost: int = 0
    paid_gained: int = 0
    paid_lost: int = 0
    views: int = 0
    visitors: int = 0
    emails_sent: int = 0
    opens: int = 0
    clicks: int = 0

    @property
    def label(self) -> str:
        """A day as the charts write it, 3 Mar 2026 (faster than the date filter)."""
        return f"{self.day.day} {self.day:%b %Y}"

    @property
    def net(self) -> int:
        return self.gained - self.lost


DAY_COLUMNS = [field.name for field in fields(DayFigures)]


@dataclass(frozen=True)
class Growth:
    before: DayFigures  # the counts at the end of the day before the period
    days: list[DayFigures]  # one per day of the period, oldest first


def daily_figures(publication, period: Period) -> Growth:
    """The period day by day, and the counts just before it (two queries)."""
    rows = DailyPublicationStats.objects.filter(
        publication=publication, day__gte=period.first_day, day__lte=period.last_day
    ).values(*DAY_COLUMNS)
    by_day = {row["day"]: row for row in rows}
    last_known = (
        DailyPublicationStats.objects.filter(publication=publication, day__lt=period.first_day)
        .order_by("-day")
        .values(*COUNT_FIELDS)
        .first()
    )
    counts = last_known or dict.fromkeys(COUNT_FIELDS, 0)
    before = DayFigures(period.first_day - dt.timedelta(days=1), **counts)
    days = []
    for day in period.days:
        row = by_day.get(day)
        if row is None:
            days.append(DayFigures(day, **counts))
        else:
            counts = {name: row[name] for name in COUNT_FIELDS}
            days.append(DayFigures(**row))
    return Growth(before, days)


@dataclass(frozen=True)
class Headline:
    """The overview's figures: subscribers now and their change over the period, and the
    period's web views, visitors (daily visitors summed) and email open rate."""

    total: int
    free: int
    paid: int
    total_change: int
    free_change: int
    paid_change: int
    gained: int
    lost: int
    views: int
    visitors: int
    emails_sent: int
    opens: int

    @property
    def open_rate(self) -> float | None:
        return self.opens / self.emails_sent if self.emails_sent else None


def headline_of(growth: Growth) -> Headline:
    days, before = growth.days, growth.before
    now = days[-1] if days else before
    return Headline(
        total=now.total,
        free=now.free,
        paid=now.paid,
        total_change=now.total - before.total,
        free_change=now.free - before.free,
        paid_change=now.paid - before.paid,
        gained=sum(day.gained for day in days),
        lost=sum(day.lost for day in days),
        views=sum(day.views for day in days),
        visitors=sum(day.visitors for day in days),
        emails_sent=sum(day.emails_sent for day in days),
        opens=sum(day.opens for day in days),
    )


@dataclass(frozen=True)
class SourceRow:
    source: str
    campaign: str
    gained: int
    paid_gained: int

    @property
    def source_label(self) -> str:
        try:
            return SubscriptionSource(self.source).label
        except ValueError:
            return self.source.replace("_", " ").capitalize() or "Unknown"


def source_rows(publication, period: Period, limit: int | None = None) -> list[SourceRow]:
    """Subscribers gained in the period by source and UTM campaign, most first (one query)."""
    rows = (
        DailySourceStats.objects.filter(
            publication=publication, day__gte=period.first_day, day__lte=period.last_day
        )
        .values("source", "campaign")
        .annotate(gained_sum=Sum("gained"), paid_sum=Sum("paid_gained"))
        .order_by("-gained_sum", "-paid_sum", "source", "campaign")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        SourceRow(row["source"], row["campaign"], row["gained_sum"] or 0, row["paid_sum"] or 0)
        for row in rows
    ]


def last_rollup_at(publication) -> dt.datetime | None:
    """When the rollup last finished a day of this publication (one query)."""
    return RollupRun.objects.filter(publication=publication).aggregate(at=Max("finished_at"))["at"]
