"""The Django side of the page cache: `cached_page` views answer from a stored copy when there
is a fresh one (or a stale one while another request renders), and otherwise render once and
leave a ticket that `StorePagesMiddleware` turns into the stored copy."""

import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token

from masthead.pagecache import csrf, http_headers, keys, lookup
from masthead.pagecache.audiences import audience_of
from masthead.pagecache.entries import Entry
from masthead.pagecache.lookup import FRESH, MISSING, STALE, Unavailable

# The fast path took the render lock for this request and handed it on.
LOCK_HANDED_ON = "masthead.pagecache.lock"
NOT_STORED_HEADERS = {
    "set-cookie",
    "vary",
    "content-length",
    "date",
    "etag",
    "last-modified",
    "cache-control",
    "x-page-cache",
}


@dataclass(frozen=True, slots=True)
class Ticket:
    key: str
    deps: tuple[str, ...]
    versions: tuple[int, ...]  # read before rendering: a change during the render makes it stale
    audience: str
    holds_lock: bool


def cached_page(*, query=(), post_slug_kwarg=None, signed_in=False):
    """A public page stored per audience. `query`: the parameters it takes (any other one is
    rendered, never stored); `signed_in`: whether signed-in readers' copies are shared per
    audience too (only for pages with nothing personal beyond the header)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            post_slug = kwargs.get(post_slug_kwarg) if post_slug_kwarg else None
            # The stats count the public pages served (stats.middleware.CountViewsMiddleware).
            request.is_public_page = True
            request.public_page_post_slug = post_slug or ""
            answer = begin(request, frozenset(query), post_slug, signed_in)
            if isinstance(answer, HttpResponse):
                return answer
            if answer is not None:
                request.page_cache_ticket = answer
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def request_key(request, audience: str) -> str:
    meta = request.META
    return keys.page_key(
        request.scheme,
        meta.get("HTTP_HOST", ""),
        meta.get("PATH_INFO", ""),
        meta.get("QUERY_STRING", ""),
        audience,
    )


def _is_cacheable_request(request, query: frozenset) -> bool:
    if not settings.PAGE_CACHE or request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "publication", None) is None:
        return False
    if any(name not in query or len(values) > 1 for name, values in request.GET.lists()):
        return False
    messages = getattr(request, "_messages", None)
    return not (messages is not None and len(messages))


def begin(request, query: frozenset, post_slug: str | None, signed_in: bool):
    """A response from the cache, a Ticket to render and store, or None to render as usual."""
    if not _is_cacheable_request(request, query):
        handed_on = request.META.get(LOCK_HANDED_ON)
        if handed_on:
            lookup.release(handed_on)
        return None
    audience = audience_of(request, request.publication) if signed_in else None
    if audience is None:
        if request.user.is_authenticated:
            return None
        audience = keys.ANONYMOUS
    key = request_key(request, audience)
    holds_lock = request.META.get(LOCK_HANDED_ON) == key
    try:
        found = lookup.look_up(key)
        if found.state == FRESH:
            return respond(request, found.entry, "hit")
        if not holds_lock:
            holds_lock = lookup.try_lock(key)
            if not holds_lock and found.state == STALE:
                return respond(request, found.entry, "stale")
            if not holds_lock and found.state == MISSING:
                entry = lookup.wait_for_fresh(key, settings.PAGE_CACHE_WAIT_SECONDS)
                if entry is not None:
                    return respond(request, entry, "hit")
        deps = keys.page_deps(request.publication.id, post_slug)
        return Ticket(key, deps, lookup.current_versions(deps), audience, holds_lock)
    except Unavailable:
        if holds_lock:
            lookup.release(key)
        return None


def respond(request, entry: Entry, state: str) -> HttpResponse:
    body = csrf.fill(entry.body, get_token(request)) if entry.has_csrf else entry.body
    etag = http_headers.etag_for(entry, request.META.get("CSRF_COOKIE"))
    if http_headers.is_not_modified(
        request.META.get("HTTP_IF_NONE_MATCH"),
        request.META.get("HTTP_IF_MODIFIED_SINCE"),
        etag,
        entry,
    ):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, status=entry.status)
        for name, value in entry.headers:
            response[name] = value
    for name, value in http_headers.caching_headers(entry, etag):
        response[name] = value
    response["X-Page-Cache"] = state
    return response


# Storing --------------------------------------------------------------------------------------


def _is_storable(response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if "private" in response.get("Cache-Control", "") or "no-store" in response.get(
        "Cache-Control", ""
    ):
        return False
    # A cookie other than the CSRF one is someone's own state (a referral, a session).
    return all(name == settings.CSRF_COOKIE_NAME for name in response.cookies)


def finish(request, response):
    ticket = getattr(request, "page_cache_ticket", None)
    if ticket is None:
        return response
    try:
        if _is_storable(response):
            entry = _entry_of(ticket, response)
            lookup.store(ticket.key, entry)
            etag = http_headers.etag_for(entry, request.META.get("CSRF_COOKIE"))
            for name, value in http_headers.caching_headers(entry, etag):
                response[name] = value
            response["X-Page-Cache"] = "miss"
    finally:
        if ticket.holds_lock:
            lookup.release(ticket.key)
    return response


def _entry_of(ticket: Ticket, response) -> Entry:
    body, has_csrf = csrf.strip_tokens(response.content)
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in NOT_STORED_HEADERS
    )
    return Entry(
        deps=ticket.deps,
        versions=ticket.versions,
        status=response.status_code,
        headers=headers,
        body=body,
        etag=http_headers.body_etag(body, ticket.versions),
        stored_at=time.time(),
        has_csrf=has_csrf,
        audience=ticket.audience,
    )


class StorePagesMiddleware:
    """First in MIDDLEWARE, so that a stored page carries every header the others add."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return finish(request, self.get_response(request))
