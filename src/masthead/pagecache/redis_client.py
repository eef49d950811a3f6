"""One Redis connection pool per process for the page cache, with short timeouts: a cache
that does not answer must cost a request milliseconds, not seconds."""

import os

from django.conf import settings

_client = None
_pid = None


def get():
    global _client, _pid
    if _client is None or _pid != os.getpid():
        import redis

        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.25, socket_timeout=0.5
        )
        _pid = os.getpid()
    return _client
