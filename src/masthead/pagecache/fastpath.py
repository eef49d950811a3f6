"""The fast path: a layer in front of Django that answers an anonymous reader's request for a
stored, fresh page straight from the cache, without Django's request machinery and without
the database. Everything else (a signed-in reader, a form, a miss) goes on to Django.

`answer` holds the decision and the response for both servers: `FastPath` wraps it for WSGI,
`masthead.site_asgi` for ASGI.

A stale page is served as it is while one request (the one that takes the render lock) goes on
to Django to render the new version; that request hands the lock on in the environ.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage

from masthead.pagecache import csrf, http_headers, keys, lookup
from masthead.pagecache.entries import Entry
from masthead.pagecache.lookup import FRESH, MISSING, Unavailable
from masthead.pagecache.serving import LOCK_HANDED_ON
from masthead.stats import collect
from masthead.stats.visits import Viewer, viewer_from_environ

STATUS_LINES = {200: "200 OK", 304: "304 Not Modified"}


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored page's response, ready to send."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class RenderWithLock:
    """Go on to Django, which renders the stale page anew under the lock this request holds."""

    key: str


def _cookie(cookies: str, name: str) -> str | None:
    prefix = name + "="
    for part in cookies.split(";"):
        part = part.strip()
        if part.startswith(prefix):
            return part[len(prefix) :]
    return None


def scheme_of(forwarded_proto: str | None, url_scheme: str) -> str:
    """Django's request.scheme: the proxy's header when settings trust one, else the server's."""
    header = settings.SECURE_PROXY_SSL_HEADER
    if header and forwarded_proto is not None:
        return "https" if forwarded_proto.split(",")[0].strip() == header[1] else "http"
    return url_scheme


def _scheme(environ) -> str:
    header = settings.SECURE_PROXY_SSL_HEADER
    forwarded = environ.get(header[0]) if header else None
    return scheme_of(forwarded, environ.get("wsgi.url_scheme", "http"))


def _personal_cookies() -> tuple[str, str]:
    return (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)


def answer(
    method: str,
    scheme: str,
    host: str,
    path: str,
    query: str,
    cookies: str,
    if_none_match: str | None,
    if_modified_since: str | None,
    viewer: Viewer | None = None,
) -> Answer | RenderWithLock | None:
    """The stored page's response, or what Django must do: None renders as usual, a
    RenderWithLock renders under the lock this request took. `path` is WSGI's PATH_INFO.
    A page sent whole to a `viewer` counts as a view (stats.collect, in memory only)."""
    if not settings.PAGE_CACHE or method not in ("GET", "HEAD"):
        return None
    if any(_cookie(cookies, name) for name in _personal_cookies()):
        return None
    key = keys.page_key(scheme, host, path, query, keys.ANONYMOUS)
    try:
        found = lookup.look_up(key)
        if found.state == MISSING:
            return None
        state = "hit"
        if found.state != FRESH:
            if lookup.try_lock(key):
                return RenderWithLock(key)
            state = "stale"
    except Unavailable:
        return None
    response = _respond(method, found.entry, state, cookies, if_none_match, if_modified_since)
    if viewer is not None and method == "GET" and response.status == 200:
        collect.count_stored_view(
            found.entry.deps, found.entry.headers, viewer, host=host, path=path, query=query
        )
    return response


def _respond(method, entry: Entry, state, cookies, if_none_match, if_modified_since) -> Answer:
    body, headers = entry.body, []
    if entry.has_csrf:
        secret, token, new_cookie = csrf.token_for_cookie(
            _cookie(cookies, settings.CSRF_COOKIE_NAME)
        )
        body = csrf.fill(body, token)
        if new_cookie:
            headers.append(("Set-Cookie", new_cookie))
        etag = http_headers.etag_for(entry, secret)
    else:
        etag = http_headers.etag_for(entry, None)
    headers.extend(http_headers.caching_headers(entry, etag))
    headers.append(("X-Page-Cache", state))
    if http_headers.is_not_modified(if_none_match, if_modified_since, etag, entry):
        return Answer(304, headers, b"")
    headers.extend(entry.headers)
    headers.append(("Content-Length", str(len(body))))
    return Answer(entry.status, headers, b"" if method == "HEAD" else body)


class FastPath:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        if not settings.PAGE_CACHE or method not in ("GET", "HEAD"):
            return self.application(environ, start_response)
        found = answer(
            method,
            _scheme(environ),
            environ.get("HTTP_HOST", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_COOKIE", ""),
            environ.get("HTTP_IF_NONE_MATCH"),
            environ.get("HTTP_IF_MODIFIED_SINCE"),
            viewer_from_environ(environ),
        )
        if found is None:
            return self.application(environ, start_response)
        if isinstance(found, RenderWithLock):
            environ[LOCK_HANDED_ON] = found.key
            return self.application(environ, start_response)
        start_response(STATUS_LINES.get(found.status, f"{found.status} OK"), found.headers)
        return [found.body]
