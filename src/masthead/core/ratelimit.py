"""Fixed-window rate limits kept in the cache (shared across processes when Redis is the cache)."""

import hashlib
import time

from django.core.cache import cache


class RateLimited(Exception):
    """Too many attempts; the message is safe to show to the person."""


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def count_in_window(key: str, amount: int, timeout: int) -> int:
    """Add `amount` to a counter kept in the cache for `timeout` seconds; returns its new total."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=timeout)
        return amount


def check_rate(scope: str, identity: str, limit: tuple[int, int]) -> None:
    """Count one attempt for (scope, identity); raise RateLimited past `limit` per window."""
    count, seconds = limit
    window = int(time.time() // seconds)
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    attempts = count_in_window(f"rate:{scope}:{digest}:{window}", 1, seconds + 5)
    if attempts > count:
        raise RateLimited("Too many attempts. Please wait a few minutes and try again.")
