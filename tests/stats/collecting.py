"""Helpers for the collector's tests: an empty buffer, no background writer, and the site called
as a WSGI server would, from an address of the test's choosing."""

import threading

from masthead.stats import collect, visitors
from masthead.wsgi import application
from tests.pagecache.wsgi_client import wsgi_get

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def fresh_collector(settings):
    """For a `collector` fixture: no writer thread (STATS_FLUSH_SECONDS=0), an empty buffer and
    no salts kept; the test writes with collect.flush()."""
    _stop_writers(settings)
    collect.discard_waiting()
    visitors.forget_salts()
    yield collect
    _stop_writers(settings)
    collect.discard_waiting()
    visitors.forget_salts()


def _stop_writers(settings) -> None:
    settings.STATS_FLUSH_SECONDS = 0
    collect._wake.set()  # a writer thread sees the 0 and ends
    for thread in threading.enumerate():
        if thread.name == "stats-flush":
            thread.join(timeout=5)


def visit(path: str, *, address: str = "203.0.113.7", method: str = "GET", headers=None):
    """GET the site through the fast path (and Django behind it) as a browser would."""

    def from_address(environ, start_response):
        return application({**environ, "REMOTE_ADDR": address}, start_response)

    return wsgi_get(
        from_address, path, method=method, headers={"User-Agent": BROWSER, **(headers or {})}
    )
