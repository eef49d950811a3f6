"""One Redis connection pool per process for the page cache, with short timeouts: a cache
that does not answer must cost a request milliseconds, not seconds."""

import os

from django.conf import settings

_client = None
_made_for = None  # (process, address): a forked worker, or a test changing REDIS_URL, makes anew


def get():
    global _client, _made_for
    if _client is None or _made_for != (os.getpid(), settings.REDIS_URL):
        import redis

        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.25, socket_timeout=0.5
        )
        _made_for = (os.getpid(), settings.REDIS_URL)
    return _client
