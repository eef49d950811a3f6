"""The HTTP caching headers of a stored page: ETag, Last-Modified, Cache-Control, and 304s."""

import hashlib
from email.utils import formatdate, parsedate_to_datetime

from django.conf import settings

from masthead.pagecache.entries import Entry
from masthead.pagecache.keys import ANONYMOUS


def body_etag(body: bytes, versions: tuple[int, ...]) -> str:
    digest = hashlib.blake2b(body, digest_size=12)
    digest.update(repr(versions).encode())
    return digest.hexdigest()


def etag_for(entry: Entry, csrf_secret: str | None) -> str:
    if not entry.has_csrf:
        return f'"{entry.etag}"'
    # Each reader's copy carries their own form token: their ETag names their cookie too.
    reader = hashlib.blake2b((csrf_secret or "").encode(), digest_size=4).hexdigest()
    return f'W/"{entry.etag}-{reader}"'


def cache_control(entry: Entry) -> str:
    """A CDN may keep an anonymous page with no form on it; every other copy is the reader's."""
    if entry.audience == ANONYMOUS and not entry.has_csrf:
        return (
            f"public, max-age=0, s-maxage={settings.PAGE_CACHE_CDN_SECONDS}, "
            f"stale-while-revalidate={settings.PAGE_CACHE_CDN_STALE_SECONDS}"
        )
    return "private, no-cache"


def last_modified(entry: Entry) -> str:
    return formatdate(entry.stored_at, usegmt=True)


def is_not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, entry: Entry
) -> bool:
    if if_none_match:
        wanted = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in wanted or etag.removeprefix("W/") in wanted
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(entry.stored_at) <= since
    return False


def caching_headers(entry: Entry, etag: str) -> list[tuple[str, str]]:
    return [
        ("ETag", etag),
        ("Last-Modified", last_modified(entry)),
        ("Cache-Control", cache_control(entry)),
    ]
