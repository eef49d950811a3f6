"""Version counters shared by every process: in Redis at scale, in a memory-mapped file under
the data folder when embedded. Reading them never touches the database.

A bump writes a new random 64-bit value; a page stored under older values is stale. Values are
compared for equality only. A counter that is missing (Redis restarted, flushed, or evicted the
key; a new versions file) is given a new random value as it is read, so that no page stored
before can match it again: counting up from zero again would bring back old versions. In the
embedded store counters share hashed slots: two sharing one only cause an extra render.
"""

import logging
import mmap
import os
import secrets
import struct
import zlib
from pathlib import Path

from django.conf import settings

from masthead.pagecache import redis_client

logger = logging.getLogger(__name__)

SLOTS = 1 << 16
SLOT = struct.Struct("<Q")


class MappedVersions:
    def __init__(self, path: Path):
        self.path = path
        self._map = None
        self._pid = None

    def _mapped(self) -> mmap.mmap:
        if self._map is None or self._pid != os.getpid():  # a forked worker maps it anew
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < SLOTS * SLOT.size:
                    os.ftruncate(fd, SLOTS * SLOT.size)
                self._map = mmap.mmap(fd, SLOTS * SLOT.size)
            finally:
                os.close(fd)
            self._pid = os.getpid()
        return self._map

    @staticmethod
    def _offset(key: str) -> int:
        return (zlib.crc32(key.encode()) % SLOTS) * SLOT.size

    def get_many(self, keys) -> tuple[int, ...]:
        mapped = self._mapped()
        values = []
        for key in keys:
            value = SLOT.unpack_from(mapped, self._offset(key))[0]
            if value == 0:  # never written: start it somewhere no stored page has seen
                value = secrets.randbits(64) or 1
                SLOT.pack_into(mapped, self._offset(key), value)
            values.append(value)
        return tuple(values)

    def bump(self, keys) -> None:
        mapped = self._mapped()
        for key in keys:
            SLOT.pack_into(mapped, self._offset(key), secrets.randbits(64) or 1)


class RedisVersions:
    PREFIX = "masthead:pcv:"

    def get_many(self, keys) -> tuple[int, ...]:
        client = redis_client.get()
        names = [self.PREFIX + key for key in keys]
        values = client.mget(names)
        missing = [name for name, value in zip(names, values, strict=True) if value is None]
        if missing:
            pipe = client.pipeline(transaction=False)
            for name in missing:
                pipe.set(name, secrets.randbits(63) or 1, nx=True)  # another process may win
            pipe.execute()
            values = client.mget(names)
        return tuple(int(value) if value is not None else 0 for value in values)

    def bump(self, keys) -> None:
        pipe = redis_client.get().pipeline(transaction=False)
        for key in keys:
            pipe.set(self.PREFIX + key, secrets.randbits(63) or 1)
        pipe.execute()


_store = None


def store():
    global _store
    if _store is None:
        if settings.REDIS_URL:
            _store = RedisVersions()
        else:
            _store = MappedVersions(Path(settings.PAGE_CACHE_DIR) / "versions")
    return _store


def reset_store() -> None:
    """For tests that switch between embedded and Redis settings."""
    global _store
    _store = None
