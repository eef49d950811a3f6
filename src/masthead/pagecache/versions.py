"""Version counters shared by every process: in Redis at scale, in a memory-mapped file under
the data folder when embedded. Reading them never touches the database.

A bump writes a new value; a page stored under older values is stale. Values are compared for
equality only, so the embedded store writes random 64-bit values into hashed slots: two
counters sharing a slot only cause an extra render, never a stale page.
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
        return tuple(SLOT.unpack_from(mapped, self._offset(key))[0] for key in keys)

    def bump(self, keys) -> None:
        mapped = self._mapped()
        for key in keys:
            SLOT.pack_into(mapped, self._offset(key), secrets.randbits(64))


class RedisVersions:
    PREFIX = "masthead:pcv:"

    def get_many(self, keys) -> tuple[int, ...]:
        values = redis_client.get().mget([self.PREFIX + key for key in keys])
        return tuple(int(value) if value is not None else 0 for value in values)

    def bump(self, keys) -> None:
        pipe = redis_client.get().pipeline(transaction=False)
        for key in keys:
            pipe.incr(self.PREFIX + key)
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
