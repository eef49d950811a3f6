"""The provider's per-minute sending limit, shared by every worker through the cache.

Slots are reserved before a batch is claimed, so a worker never holds claimed deliveries while
it waits for the next minute (a held claim could expire and be sent twice). The counter lives
in the cache: with Redis (production) all workers share it; embedded, each process counts alone.
"""

import contextlib
import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache

from masthead.core.ratelimit import count_in_window

KEY = "delivery-rate:{window}"


def rate_per_minute() -> int:
    return settings.DELIVERY_RATE_PER_MINUTE


def reserve_slots(wanted: int) -> int:
    """How many of `wanted` messages may go out in the current minute (0 when it is used up)."""
    limit = rate_per_minute()
    if not limit:
        return wanted
    key = KEY.format(window=int(time.time() // 60))
    used = count_in_window(key, wanted, timeout=120)
    granted = max(0, min(wanted, limit - (used - wanted)))
    if granted < wanted:
        cache.decr(key, wanted - granted)
    return granted


def give_back(unused: int) -> None:
    """Return reserved slots a batch did not use (it found fewer deliveries to send)."""
    if unused > 0 and rate_per_minute():
        key = KEY.format(window=int(time.time() // 60))
        with contextlib.suppress(ValueError):  # the window's key already expired
            cache.decr(key, unused)


def next_minute() -> dt.datetime:
    now = time.time()
    return dt.datetime.fromtimestamp((now // 60 + 1) * 60, tz=dt.UTC)
