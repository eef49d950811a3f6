"""What a request says about a page view: who is reading (address, agent, whether they asked
not to be counted) and where they came from (referrer, country, UTM parameters).

The reader's side is read the same way from a WSGI environ (the fast path, and Django's
request.META) and from an ASGI scope's headers. Every parser here takes hostile text (huge,
odd bytes, invalid UTF-8) and answers something plain, never an exception.
"""

import re
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign")
UTM_LENGTH = 100
# Longer than any real header; what is kept waiting in memory stays small.
AGENT_LENGTH = 512
REFERER_LENGTH = 1000
LANGUAGE_LENGTH = 200
QUERY_LENGTH = 2000
PATH_LENGTH = 300
HOST_LENGTH = 255
CLIENT_LENGTH = 64

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL in text
REGION = re.compile(r"^[A-Za-z]{2}$")


class Viewer(NamedTuple):
    """The reader's side of a request, as its headers say it (a tuple: made on every request
    the fast path answers, it costs a third of a frozen dataclass)."""

    client: str  # the address, as core.ratelimit.client_address finds it (REMOTE_ADDR)
    user_agent: str
    referer: str
    accept_language: str
    do_not_track: str
    global_privacy_control: str

    @property
    def asks_not_to_be_counted(self) -> bool:
        return self.do_not_track.strip() == "1" or self.global_privacy_control.strip() == "1"


def viewer_from_environ(environ) -> Viewer:
    """From a WSGI environ, or Django's request.META (the same keys)."""
    get = environ.get
    return Viewer(
        client=get("REMOTE_ADDR") or "",
        user_agent=get("HTTP_USER_AGENT") or "",
        referer=get("HTTP_REFERER") or "",
        accept_language=get("HTTP_ACCEPT_LANGUAGE") or "",
        do_not_track=get("HTTP_DNT") or "",
        global_privacy_control=get("HTTP_SEC_GPC") or "",
    )


def viewer_from_headers(headers: dict[str, str], client) -> Viewer:
    """From an ASGI request's headers by lower-case name and its scope's `client` pair."""
    get = headers.get
    return Viewer(
        client=str(client[0]) if client else "",
        user_agent=get("user-agent") or "",
        referer=get("referer") or "",
        accept_language=get("accept-language") or "",
        do_not_track=get("dnt") or "",
        global_privacy_control=get("sec-gpc") or "",
    )


def clean(text: str, length: int) -> str:
    """Text fit for a column: no control characters, stripped, cut to length."""
    return CONTROL_CHARACTERS.sub("", text).strip()[:length]


def as_unicode(wsgi_text: str) -> str:
    """WSGI carries bytes as latin-1 text: read them again as UTF-8 (bad bytes replaced)."""
    try:
        return wsgi_text.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # already decoded text
        return wsgi_text.encode("utf-8", "replace").decode("utf-8", "replace")


def bare_host(host: str) -> str:
    """Lower case, without the port and a leading www."""
    host = host.strip().lower()
    # An IPv6 literal keeps its colons.
    host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
    return host.removeprefix("www.")


def referrer_host(referer: str, own_host: str) -> str:
    """The referring page's host, blank when none, unreadable, or this site itself."""
    if not referer:
        return ""
    try:
        host = urlsplit(as_unicode(referer).strip()).hostname or ""
    except ValueError:  # a malformed IPv6 literal, for one
        return ""
    host = clean(host.lower().removeprefix("www."), HOST_LENGTH)
    return "" if host == bare_host(own_host) else host


def country_of(accept_language: str) -> str:
    """The region of the first language range that names one (en-GB: GB), else blank."""
    for language_range in accept_language.split(",")[:10]:
        subtags = language_range.split(";", 1)[0].strip().replace("_", "-").split("-")
        for subtag in subtags[1:]:
            if REGION.match(subtag):
                return subtag.upper()
    return ""


def utm_of_pairs(pairs) -> dict[str, str]:
    """The UTM parameters among (name, value) pairs, first value of each, cleaned and cut."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in UTM_NAMES and name not in found:
            value = clean(value, UTM_LENGTH)
            if value:
                found[name] = value
    return found


def utm_of_query(query: str) -> dict[str, str]:
    if "utm_" not in query:
        return {}
    return utm_of_pairs(parse_qsl(as_unicode(query[:QUERY_LENGTH]), errors="replace"))
