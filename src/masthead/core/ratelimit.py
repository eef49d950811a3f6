"""Fixed-window rate limits, counted where every process of the install sees the same number.

With Redis as the cache the counters live there (INCR is atomic and shared). Otherwise the cache
is each process's own memory (`masthead serve` runs two workers, so a limit of 5 admitted 10), and
the counters live in the database instead: one row per (scope, identity, window), bumped by a
single `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` statement, which SQLite (3.35 and later)
and PostgreSQL both run atomically. Django's DatabaseCache would not do: its incr() is
BaseCache's get-then-set, so two processes reading the same value would both be admitted.
"""

import datetime as dt
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from masthead.core.models import RateCounter


class RateLimited(Exception):
    """Too many attempts; the message is safe to show to the person."""


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def count_in_window(key: str, amount: int, timeout: int) -> int:
    """Add `amount` to a counter kept in the cache for `timeout` seconds; returns its new total.

    Per process unless Redis is the cache: rate limits use count_shared() instead.
    """
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=timeout)
        return amount


def is_cache_shared() -> bool:
    """Whether the cache is one every process sees (Redis), rather than each process's memory."""
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def count_shared(key: str, amount: int, expires_at: float) -> int:
    """Add `amount` to the counter `key`, kept until `expires_at` (Unix time); its new total."""
    if is_cache_shared():
        return count_in_window(key, amount, timeout=max(1, math.ceil(expires_at - time.time())))
    return _count_in_database(key, amount, expires_at)


def _count_in_database(key: str, amount: int, expires_at: float) -> int:
    # One statement: of two processes counting at once, each gets a different total back.
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_column = connection.ops.quote_name("key")
    expiry = RateCounter._meta.get_field("expires_at").get_db_prep_value(
        dt.datetime.fromtimestamp(expires_at, tz=dt.UTC), connection
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, hit_count, expires_at) VALUES (%s, %s, %s)"
            f" ON CONFLICT ({key_column}) DO UPDATE"
            f" SET hit_count = {table}.hit_count + excluded.hit_count RETURNING hit_count",
            [key, amount, expiry],
        )
        total = cursor.fetchone()[0]
    if total == amount:
        # The key's first hit, so once per identity and window: a cheap moment to prune.
        forget_expired_counters()
    return total


def forget_expired_counters() -> int:
    """Delete the database's counters whose window is over; returns how many went."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=dt.datetime.now(tz=dt.UTC)).delete()
    return deleted


def check_rate(scope: str, identity: str, limit: tuple[int, int]) -> None:
    """Count one attempt for (scope, identity); raise RateLimited past `limit` per window."""
    count, seconds = limit
    window = int(time.time() // seconds)
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    attempts = count_shared(
        f"rate:{scope}:{digest}:{window}", 1, expires_at=(window + 1) * seconds + 5
    )
    if attempts > count:
        raise RateLimited("Too many attempts. Please wait a few minutes and try again.")
