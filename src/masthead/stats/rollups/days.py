"""Local days of a publication as UTC [start, end) bounds, which every rollup query filters on."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from masthead.core.time_zones import zone_of


@dataclass(frozen=True)
class DayBounds:
    day: dt.date
    start: dt.datetime  # the local midnight that opens the day, aware
    end: dt.datetime  # the next local midnight (23 or 25 hours later on a clock change)


def bounds_of(publication, day: dt.date) -> DayBounds:
    zone = zone_of(publication)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return DayBounds(day, start.astimezone(dt.UTC), end.astimezone(dt.UTC))


def local_today(publication, now=None) -> dt.date:
    return timezone.localtime(now or timezone.now(), zone_of(publication)).date()
