"""The production parts work for real: Redis as cache and channel layer, PostgreSQL as database."""

import asyncio
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.redis import RedisCache

from tests.conftest import require_service

REDIS_URL = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")


@pytest.fixture
def redis_url():
    require_service(bool(REDIS_URL), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")
    return REDIS_URL


def test_redis_cache_stores_and_expires_values(redis_url):
    cache = RedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    cache.set("greeting", {"hello": "world"}, timeout=30)

    assert cache.get("greeting") == {"hello": "world"}
    cache.delete("greeting")
    assert cache.get("greeting") is None


def test_redis_channel_layer_delivers_between_layers(redis_url):
    # A fresh thread: Playwright's sync API may already run an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, deliver_through_redis(redis_url)).result(timeout=30)


async def deliver_through_redis(redis_url):
    from channels_redis.core import RedisChannelLayer

    sender = RedisChannelLayer(hosts=[redis_url], prefix=f"test-{uuid.uuid4().hex}")
    receiver = RedisChannelLayer(hosts=[redis_url], prefix=sender.prefix)
    channel = await receiver.new_channel()
    await receiver.group_add("room", channel)

    await sender.group_send("room", {"type": "chat.message", "text": "hi"})

    assert (await receiver.receive(channel))["text"] == "hi"
    await sender.flush()


@pytest.mark.django_db
def test_the_database_is_the_one_database_url_names():
    from django.db import connection

    expected = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    assert connection.vendor == expected
