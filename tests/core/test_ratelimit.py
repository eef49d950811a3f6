"""The shared rate counter: kept in the database unless Redis is the cache, windows and pruning."""

import datetime as dt
import os
import uuid

import pytest
import time_machine
from django.core.cache import cache

from masthead.core.models import RateCounter
from masthead.core.ratelimit import RateLimited, check_rate
from tests.conftest import require_service

pytestmark = pytest.mark.django_db

LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
START = dt.datetime(2026, 3, 2, 10, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def embedded_cache(settings):
    """The embedded mode: the cache is this process's memory, as in `masthead serve` without Redis."""
    settings.CACHES = LOCAL_MEMORY


def attempts_admitted(attempts: int, limit=(3, 60), identity="reader@example.com") -> int:
    admitted = 0
    for _ in range(attempts):
        try:
            check_rate("test", identity, limit)
        except RateLimited:
            continue
        admitted += 1
    return admitted


def test_attempts_past_the_limit_are_refused_and_counted_in_the_database(embedded_cache):
    assert attempts_admitted(4) == 3

    assert RateCounter.objects.get().hit_count == 4


def test_the_limit_holds_when_every_attempt_finds_an_empty_cache(embedded_cache):
    # Each attempt as if served by another process: none of them sees the others' memory.
    for _ in range(3):
        cache.clear()
        check_rate("test", "reader@example.com", (3, 60))
    cache.clear()

    with pytest.raises(RateLimited):
        check_rate("test", "reader@example.com", (3, 60))


def test_the_address_is_counted_whatever_its_case(embedded_cache):
    attempts_admitted(3, identity="Reader@Example.com")

    assert attempts_admitted(1, identity="reader@example.com") == 0


def test_a_new_window_counts_afresh(embedded_cache):
    with time_machine.travel(START, tick=False) as traveller:
        attempts_admitted(3)
        traveller.shift(dt.timedelta(seconds=60))

        assert attempts_admitted(4) == 3


def test_a_counter_is_deleted_once_its_window_is_over(embedded_cache):
    with time_machine.travel(START, tick=False) as traveller:
        attempts_admitted(2, identity="early@example.com")
        traveller.shift(dt.timedelta(minutes=5))

        attempts_admitted(1, identity="later@example.com")

    (kept,) = RateCounter.objects.all()
    assert kept.hit_count == 1 and kept.expires_at > START + dt.timedelta(minutes=5)


def test_a_counter_of_a_running_window_is_kept(embedded_cache):
    with time_machine.travel(START, tick=False):
        attempts_admitted(2, identity="early@example.com")
        attempts_admitted(1, identity="later@example.com")

    assert RateCounter.objects.count() == 2


def test_with_redis_as_the_cache_the_counters_live_there(settings):
    require_service(bool(REDIS_URL), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }

    assert attempts_admitted(4) == 3

    assert not RateCounter.objects.exists()
