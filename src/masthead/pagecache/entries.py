"""Stored pages: a small in-process copy of the hottest ones in front of a store every process
shares (Redis at scale, files under the data folder when embedded), and the render locks that
let one request render a page while the others keep serving the previous copy."""

import os
import pickle
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from masthead.pagecache import redis_client

LOCK_SECONDS = 15  # longer than any render; a crashed renderer's lock lapses after it


@dataclass(frozen=True, slots=True)
class Entry:
    deps: tuple[str, ...]
    versions: tuple[int, ...]
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes  # with CSRF_PLACEHOLDER where each form's token goes
    etag: str
    stored_at: float  # seconds since the epoch
    has_csrf: bool
    audience: str

    @property
    def size(self) -> int:
        return len(self.body) + 512


class LocalCopies:
    """The in-process copies, least recently used out first, bounded in bytes; shared by the
    server's threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self.entries:
                _, dropped = self.entries.popitem(last=False)
                self.bytes -= dropped.size

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.bytes = 0


class FileStore:
    """Embedded: one file per page, written whole and renamed into place."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / "pages" / key[:2] / key

    def get(self, key: str) -> Entry | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        return _loads(data)

    def put(self, key: str, entry: Entry, seconds: int) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def acquire(self, key: str) -> bool:
        path = self.root / "locks" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                return True
            except FileExistsError:
                try:
                    if time.time() - path.stat().st_mtime < LOCK_SECONDS:
                        return False
                    path.unlink()  # its renderer died: take the lock over
                except FileNotFoundError:
                    pass
        return False

    def release(self, key: str) -> None:
        (self.root / "locks" / key).unlink(missing_ok=True)

    def clear(self) -> None:
        import shutil

        shutil.rmtree(self.root / "pages", ignore_errors=True)
        shutil.rmtree(self.root / "locks", ignore_errors=True)


class RedisStore:
    PREFIX = "masthead:pc:"

    def get(self, key: str) -> Entry | None:
        data = redis_client.get().get(self.PREFIX + key)
        return None if data is None else _loads(data)

    def put(self, key: str, entry: Entry, seconds: int) -> None:
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        redis_client.get().set(self.PREFIX + key, data, ex=seconds)

    def acquire(self, key: str) -> bool:
        return bool(
            redis_client.get().set(self.PREFIX + "lock:" + key, 1, nx=True, ex=LOCK_SECONDS)
        )

    def release(self, key: str) -> None:
        redis_client.get().delete(self.PREFIX + "lock:" + key)

    def clear(self) -> None:
        client = redis_client.get()
        for name in client.scan_iter(match=self.PREFIX + "*", count=1000):
            client.delete(name)


def _loads(data: bytes) -> Entry | None:
    try:
        entry = pickle.loads(data)
    except Exception:  # a file cut short by a full disk, or written by another version
        return None
    return entry if isinstance(entry, Entry) else None


_shared = None
_local = None


def shared():
    global _shared
    if _shared is None:
        _shared = RedisStore() if settings.REDIS_URL else FileStore(Path(settings.PAGE_CACHE_DIR))
    return _shared


def local() -> LocalCopies:
    global _local
    if _local is None:
        _local = LocalCopies(settings.PAGE_CACHE_LOCAL_BYTES)
    return _local


def reset_stores() -> None:
    global _shared, _local
    _shared = None
    _local = None
