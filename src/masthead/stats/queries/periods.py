"""The dashboard's period: the last 30, 90 or 365 days of the publication's calendar, today
included, read from `?days=` (anything else is the default, never an error)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from masthead.core.time_zones import zone_of

PERIOD_CHOICES = (30, 90, 365)
DEFAULT_DAYS = 90


def parse_days(raw) -> int:
    """The number of days asked for, if it is one the dashboard offers; else the default."""
    text = str(raw).strip() if raw is not None else ""
    return int(text) if text in {str(days) for days in PERIOD_CHOICES} else DEFAULT_DAYS


@dataclass(frozen=True)
class Period:
    first_day: dt.date
    last_day: dt.date  # today, in the publication's time zone
    zone: dt.tzinfo

    @property
    def days(self) -> list[dt.date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + dt.timedelta(days=offset) for offset in range(count)]

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time.min, tzinfo=self.zone)

    @property
    def ends_at(self) -> dt.datetime:
        """The start of the day after the period (exclusive)."""
        return dt.datetime.combine(
            self.last_day + dt.timedelta(days=1), dt.time.min, tzinfo=self.zone
        )


def period_of(publication, days: int, now: dt.datetime | None = None) -> Period:
    zone = zone_of(publication)
    today = timezone.localtime(now or timezone.now(), zone).date()
    return Period(today - dt.timedelta(days=days - 1), today, zone)


def day_of(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.date | None:
    return timezone.localtime(moment, zone).date() if moment else None
