"""Fixed-window rate limits kept in the cache (shared across processes when Redis is the cache)."""

import hashlib
import time

from django.core.cache import cache


class RateLimited(Exception):
    """Too many attempts; the message is safe to show to the person."""


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check_rate(scope: str, identity: str, limit: tuple[int, int]) -> None:
    """Count one attempt for (scope, identity); raise RateLimited past `limit` per window."""
    count, seconds = limit
    window = int(time.time() // seconds)
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    key = f"rate:{scope}:{digest}:{window}"
    cache.add(key, 0, timeout=seconds + 5)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds + 5)
        attempts = 1
    if attempts > count:
        raise RateLimited("Too many attempts. Please wait a few minutes and try again.")
