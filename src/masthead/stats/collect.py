"""Counting page views on the hot path without touching the database.

`count_view` is called for every public page served (a stored page on the fast path, a
rendered one through stats.middleware): it drops readers who ask not to be counted (DNT,
Sec-GPC) and agentless requests, and appends a plain tuple to this process's buffer. A daemon
thread writes the buffer with one bulk_create every STATS_FLUSH_SECONDS, or sooner when
FLUSH_ROWS are waiting, and at exit; `flush()` does the same on demand. Leaving out bots,
hashing, parsing and the post lookups happen there, off the request (count_view costs about
2 microseconds). The buffer is bounded (STATS_BUFFER_ROWS): beyond it views are
dropped and counted, never allowed to grow the process.
"""

import atexit
import datetime as dt
import logging
import os
import threading
import time

from django.conf import settings

from masthead.stats import agents, visitors, visits
from masthead.stats.visits import Viewer

logger = logging.getLogger(__name__)

FLUSH_ROWS = 500  # waiting rows that wake the writer before its time

# One row: (publication_id, post_id, post_slug, host, path, query, viewed_at (epoch seconds),
#           client, user_agent, referer, accept_language)
_lock = threading.Lock()
_rows: list[tuple] = []
_dropped_count = 0
_wake = threading.Event()
_flusher_pid: int | None = None
_is_exit_flush_registered = False

# The dependencies pagecache.keys gives a page: "pub:<id>" and, for a post, "post:<id>:<slug>".
PUBLICATION_PREFIX = "pub:"
POST_PREFIX = "post:"


def count_view(
    publication_id: int,
    viewer: Viewer,
    *,
    host: str,
    path: str,
    query: str = "",
    post_id: int | None = None,
    post_slug: str = "",
) -> None:
    """Keep one view of a public page for the next flush; never queries, never raises on
    what the request carried. `path` and `query` are as WSGI gives them. Readers who ask not
    to be counted (DNT, Sec-GPC) and obvious bots are not."""
    global _dropped_count
    if viewer.asks_not_to_be_counted:
        return
    user_agent = viewer.user_agent[: visits.AGENT_LENGTH]
    if not user_agent:  # the other bots are left out at flush, off the request's time
        return
    row = (
        publication_id,
        post_id,
        post_slug[:120],
        host[: visits.HOST_LENGTH],
        path[: visits.PATH_LENGTH * 4],  # percent escapes and UTF-8 shrink when decoded
        query[: visits.QUERY_LENGTH],
        time.time(),
        viewer.client[: visits.CLIENT_LENGTH],
        user_agent,
        viewer.referer[: visits.REFERER_LENGTH],
        viewer.accept_language[: visits.LANGUAGE_LENGTH],
    )
    with _lock:
        if len(_rows) >= settings.STATS_BUFFER_ROWS:
            _dropped_count += 1
            return
        _rows.append(row)
        waiting_count = len(_rows)
    if _flusher_pid != os.getpid():
        _start_flusher()
    if waiting_count >= FLUSH_ROWS:
        _wake.set()


def count_stored_view(
    deps: tuple[str, ...], headers, viewer: Viewer, *, host: str, path: str, query: str
) -> None:
    """count_view for a stored page (the fast path): its publication and post come from the
    page's dependencies (pagecache.keys), and only HTML pages count (not feeds, sitemaps)."""
    if not _is_html(headers):
        return
    publication_id, post_slug = None, ""
    for dep in deps:
        if dep.startswith(PUBLICATION_PREFIX):
            publication_id = int(dep[len(PUBLICATION_PREFIX) :])
        elif dep.startswith(POST_PREFIX):
            post_slug = dep.split(":", 2)[2]
    if publication_id is not None:
        count_view(publication_id, viewer, host=host, path=path, query=query, post_slug=post_slug)


def _is_html(headers) -> bool:
    for name, value in headers:
        if name.lower() == "content-type":
            return is_html(value)
    return False


def is_html(content_type: str) -> bool:
    """Pages count; feeds and sitemaps, served by the same cached views, do not."""
    return content_type.startswith("text/html")


# Writing --------------------------------------------------------------------------------------


def flush() -> int:
    """Write the waiting views in one bulk insert; returns how many were written."""
    global _rows, _dropped_count
    with _lock:
        rows, _rows = _rows, []
        dropped_count, _dropped_count = _dropped_count, 0
    if dropped_count:
        logger.warning("Dropped %d page views: the stats buffer was full.", dropped_count)
    if not rows:
        return 0
    from django.db import DatabaseError

    from masthead.core.db import insert_many
    from masthead.stats.models import PageHit

    try:
        hits = _page_hits(rows)
        insert_many(PageHit, HIT_FIELDS, hits)
    except DatabaseError:
        logger.exception("Could not write %d page views; they are lost.", len(rows))
        return 0
    return len(hits)


# The PageHit columns _page_hits fills, in order.
HIT_FIELDS = (
    "publication",
    "post",
    "path",
    "viewed_at",
    "visitor",
    "referrer_host",
    "country",
    "device",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)


def _page_hits(rows: list[tuple]) -> list[tuple]:
    """The waiting views as PageHit rows (HIT_FIELDS), bots left out: plain tuples, written
    with executemany (model instances and bulk_create cost three times as much)."""
    from masthead.core.db import adapt_datetime

    rows = [row for row in rows if not agents.is_bot(row[8])]
    post_ids = _post_ids_of_slugs({(row[0], row[2]) for row in rows if row[1] is None and row[2]})
    hits = []
    for (
        publication_id,
        post_id,
        post_slug,
        host,
        path,
        query,
        viewed_at,
        client,
        user_agent,
        referer,
        accept_language,
    ) in rows:
        moment = dt.datetime.fromtimestamp(viewed_at, dt.UTC)
        utm = visits.utm_of_query(query)
        hits.append(
            (
                publication_id,
                post_id or post_ids.get((publication_id, post_slug)),
                visits.clean(visits.as_unicode(path), visits.PATH_LENGTH),
                adapt_datetime(moment),
                visitors.visitor_of(visitors.salt_of(moment.date()), client, user_agent),
                visits.referrer_host(referer, host),
                visits.country_of(accept_language),
                agents.device_of(user_agent),
                utm.get("utm_source", ""),
                utm.get("utm_medium", ""),
                utm.get("utm_campaign", ""),
            )
        )
    return hits


def _post_ids_of_slugs(wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The ids of the posts named by (publication id, slug), in one query."""
    if not wanted:
        return {}
    from django.db.models import Q

    from masthead.posts.models import Post

    condition = Q()
    for publication_id, slug in wanted:
        condition |= Q(publication_id=publication_id, slug=slug)
    rows = Post.objects.filter(condition).values_list("publication_id", "slug", "id")
    return {(publication_id, slug): post_id for publication_id, slug, post_id in rows}


# The writer thread, one per process ----------------------------------------------------------


def _start_flusher() -> None:
    global _flusher_pid, _is_exit_flush_registered
    pid = os.getpid()
    with _lock:
        if _flusher_pid == pid:
            return
        _flusher_pid = pid
    if settings.STATS_FLUSH_SECONDS <= 0:
        return  # configured off: rows wait for flush()
    threading.Thread(
        target=_flush_now_and_then, args=(pid,), name="stats-flush", daemon=True
    ).start()
    if not _is_exit_flush_registered:  # a forked child inherits the registration
        atexit.register(_flush_at_exit)
        _is_exit_flush_registered = True


def _flush_now_and_then(pid: int) -> None:
    from django.db import close_old_connections

    while settings.STATS_FLUSH_SECONDS > 0 and os.getpid() == pid:
        _wake.wait(settings.STATS_FLUSH_SECONDS)
        _wake.clear()
        try:
            close_old_connections()
            flush()
        except Exception:  # the writer must outlive a bad moment (the database restarting)
            logger.exception("The stats writer failed; it tries again.")
        finally:
            close_old_connections()


def _flush_at_exit() -> None:
    try:
        flush()
    except Exception:
        logger.exception("Could not write the waiting page views at exit.")


def _forget_the_parents_rows() -> None:
    """In a forked child: the parent writes its own rows; the child's lock must be free."""
    global _lock, _rows, _dropped_count, _wake
    _lock = threading.Lock()
    _rows = []
    _dropped_count = 0
    _wake = threading.Event()


os.register_at_fork(after_in_child=_forget_the_parents_rows)


def waiting_count() -> int:
    """How many views wait to be written (for tests and the health of the collector)."""
    with _lock:
        return len(_rows)


def discard_waiting() -> None:
    """Forget the waiting views without writing them."""
    global _rows, _dropped_count
    with _lock:
        _rows = []
        _dropped_count = 0
