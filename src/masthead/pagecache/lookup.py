"""Finding a stored page and deciding whether it can be served: fresh (its versions are the
current ones), stale (a newer version is being rendered), or missing."""

import os
import time
from dataclasses import dataclass

from django.conf import settings

from masthead.pagecache import entries, health, versions
from masthead.pagecache.entries import Entry

FRESH, STALE, MISSING = "fresh", "stale", "missing"


class Unavailable(Exception):
    """The cache's store did not answer: render without it."""


@dataclass(frozen=True, slots=True)
class Found:
    state: str
    entry: Entry | None


def _is_current(entry: Entry, current: tuple[int, ...]) -> bool:
    return entry.versions == current and time.time() - entry.stored_at < settings.PAGE_CACHE_SECONDS


def look_up(key: str) -> Found:
    if not health.is_up():
        raise Unavailable
    try:
        local = entries.local().get(key)
        if local is not None and _is_current(local, versions.store().get_many(local.deps)):
            return Found(FRESH, local)
        shared = entries.shared().get(key)
        if shared is not None:
            if _is_current(shared, versions.store().get_many(shared.deps)):
                entries.local().put(key, shared)
                return Found(FRESH, shared)
            newest = shared if local is None or shared.stored_at >= local.stored_at else local
            return Found(STALE, newest)
        return Found(STALE, local) if local is not None else Found(MISSING, None)
    except Unavailable:
        raise
    except Exception:
        health.report_failure("reading a page")
        raise Unavailable from None


def current_versions(deps) -> tuple[int, ...]:
    try:
        return versions.store().get_many(deps)
    except Exception:
        health.report_failure("reading page versions")
        raise Unavailable from None


def try_lock(key: str) -> bool:
    try:
        return entries.shared().acquire(key)
    except Exception:
        health.report_failure("taking a render lock")
        raise Unavailable from None


def release(key: str) -> None:
    try:
        entries.shared().release(key)
    except Exception:
        health.report_failure("releasing a render lock")


def wait_for_fresh(key: str, seconds: float) -> Entry | None:
    """Another request is rendering a page no one has stored yet: wait a little for it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            found = look_up(key)
        except Unavailable:
            return None
        if found.state == FRESH:
            return found.entry
    return None


def store(key: str, entry: Entry) -> None:
    try:
        entries.shared().put(key, entry, settings.PAGE_CACHE_SECONDS)
        entries.local().put(key, entry)
    except Exception:
        health.report_failure("storing a page")
    note_render(key)


def note_render(key: str) -> None:
    """Benchmarks count renders: one line per stored page in MASTHEAD_PAGE_CACHE_RENDER_LOG."""
    path = settings.PAGE_CACHE_RENDER_LOG
    if path:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{os.getpid()} {key}\n".encode())
        finally:
            os.close(fd)
