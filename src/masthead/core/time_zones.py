"""Each publication writes its dates and times in its own time zone: its pages, its desk, the
chat messages it broadcasts and the emails it sends all show the clock its writer keeps."""

import contextlib
import zoneinfo
from functools import cache

from django.conf import settings
from django.utils import timezone


def default_time_zone() -> str:
    return settings.TIME_ZONE


@cache
def time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_of(publication) -> zoneinfo.ZoneInfo:
    """The publication's zone; the install's when it names none this machine knows."""
    for name in (getattr(publication, "time_zone", ""), settings.TIME_ZONE):
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            continue
    return zoneinfo.ZoneInfo("UTC")


@contextlib.contextmanager
def in_time_zone_of(publication):
    """Render what is inside in the publication's time zone (emails, broadcasts, tasks)."""
    with timezone.override(zone_of(publication)):
        yield
