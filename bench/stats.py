"""Benchmark: the writer's dashboard over a generated year of 100,000 subscribers and 500 posts.

    make bench-stats        (or: .venv/bin/python bench/stats.py [--subscribers N] [--posts N]
                             [--days N] [--raw-days N] [--runs 5] [--keep])

1. Generates the year of bench/stats_data.py in a temporary data folder (SQLite, migrated):
   raw rows (deliveries, clicks, likes, comments, page hits) for the last `--raw-days` days,
   rollup rows written directly for the days before them. Phase timings go to stderr.
2. Rebuilds every raw day with masthead.stats.rollups.rebuild_day; the last full day
   (yesterday) is rebuilt twice and every rollup row of it (and the publication's PostTotals,
   PostLinkClicks and SubscriberActivity) must come out the same both times, else it stops.
   rollup_seconds: the slower of those two rebuilds.
3. Signed in as the publication's owner (django.test.Client, in-process), opens every dashboard
   page (overview, subscribers, posts, the newest post, traffic; each at days=30, 90 and 365),
   the desk's page of a paying, a free and an unsubscribed subscriber, and one CSV export. For
   each: the status must be 200; the queries are counted on one request; the time is the best
   of `--runs` requests after a warm-up (wall clock, and the process's CPU time beside it,
   which a busy machine inflates less). One line per page, then:

RESULT pages=N max_queries=Q max_ms=M rollup_seconds=S

PostgreSQL is not offered: like bench/pages_data.py, the generator writes SQLite only (it sets
the ids of the deliveries itself).
"""

import argparse
import inspect
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DAY_CHOICES = (30, 90, 365)
STATS_PAGES = ("overview", "subscribers", "posts", "post", "traffic")
EXPORT_TABLE = "daily"  # the table the CSV export is measured on (--export-table)


def configure(data_dir: Path) -> None:
    """A throwaway install: its own data folder, the embedded parts, no debug."""
    for name in ("DATABASE_URL", "REDIS_URL", "MASTHEAD_DEBUG", "MASTHEAD_PAGE_CACHE"):
        os.environ.pop(name, None)
    os.environ.update(
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_SECRET_KEY="bench-stats-" + "x" * 40,
        MASTHEAD_HTTPS="0",
        MASTHEAD_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        MASTHEAD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="masthead.settings",
    )
    sys.path.insert(0, str(ROOT / "bench"))


def snapshot(publication, day) -> dict[str, list[tuple]]:
    """Every rollup row the rebuild of `day` writes, without ids and clock fields, sorted."""
    from masthead.stats import models

    def rows(model, **filters) -> list[tuple]:
        names = [
            f.attname for f in model._meta.concrete_fields if f.name not in ("id", "updated_at")
        ]
        return sorted(model.objects.filter(**filters).values_list(*names))

    of_day = {"publication": publication, "day": day}
    return {
        "DailyPublicationStats": rows(models.DailyPublicationStats, **of_day),
        "DailySourceStats": rows(models.DailySourceStats, **of_day),
        "DailyTraffic": rows(models.DailyTraffic, **of_day),
        "DailyPostStats": rows(models.DailyPostStats, **of_day),
        "PostTotals": rows(models.PostTotals, publication=publication),
        "PostLinkClicks": rows(models.PostLinkClicks, post__publication=publication),
        "SubscriberActivity": rows(models.SubscriberActivity, publication=publication),
    }


def rebuild(publication, built: dict) -> float:
    """Rebuilds the raw days; the last full one twice, identically. Returns the slower time."""
    import datetime as dt

    try:
        from masthead.stats.rollups import rebuild_day
    except ImportError as error:
        raise SystemExit(f"masthead.stats.rollups.rebuild_day is not there yet: {error}") from None
    first, last = (dt.date.fromisoformat(day) for day in built["raw_days"])
    measured = max(first, last - dt.timedelta(days=1))  # yesterday: a whole day of raw rows
    day = first
    while day <= last:
        if day != measured:
            started = time.perf_counter()
            rebuild_day(publication, day)
            print(f"rebuilt {day} in {time.perf_counter() - started:.2f}s", file=sys.stderr)
        day += dt.timedelta(days=1)
    seconds, snapshots = [], []
    for _ in range(2):
        started = time.perf_counter()
        rebuild_day(publication, measured)
        seconds.append(time.perf_counter() - started)
        snapshots.append(snapshot(publication, measured))
    for table, rows in snapshots[0].items():
        if rows != snapshots[1][table]:
            changed = set(rows) ^ set(snapshots[1][table])
            raise SystemExit(
                f"FAILED: rebuilding {measured} twice changed {table} "
                f"({len(rows)} rows, then {len(snapshots[1][table])}; {len(changed)} differ, "
                f"e.g. {sorted(changed)[:3]})"
            )
    if "with_activity" in inspect.signature(rebuild_day).parameters:
        started = time.perf_counter()  # for the reader: what the subscribers' stars cost
        rebuild_day(publication, measured, with_activity=False)
        print(
            f"rollup of {measured} without SubscriberActivity: {time.perf_counter() - started:.2f}s"
        )
    counts = ", ".join(f"{len(rows):,} {table}" for table, rows in snapshots[0].items())
    print(
        f"rollup of {measured}: {seconds[0]:.2f}s then {seconds[1]:.2f}s, identical rows ({counts})"
    )
    return max(seconds)


def pages_to_open(built: dict, export_table: str) -> list[tuple[str, str]]:
    """(name, path) of every dashboard page; a view not written yet stops with a clear message."""
    from django.urls import NoReverseMatch, reverse

    slug = built["publication"]
    pages = []
    try:
        for name in STATS_PAGES:
            kwargs = {"publication_slug": slug}
            if name == "post":
                kwargs["post_id"] = built["newest_post_id"]
            path = reverse(f"desk:stats:{name}", kwargs=kwargs)
            pages += [(f"{name} days={days}", f"{path}?days={days}") for days in DAY_CHOICES]
        for kind, subscription_id in built["subscription_ids"].items():
            if subscription_id:
                path = reverse(
                    "desk:subscriber_detail",
                    kwargs={"publication_slug": slug, "subscription_id": subscription_id},
                )
                pages.append((f"subscriber ({kind})", path))
        path = reverse(
            "desk:stats:export", kwargs={"publication_slug": slug, "table": export_table}
        )
        pages.append((f"export {export_table}.csv", path))
    except NoReverseMatch as error:
        raise SystemExit(f"a dashboard page is not there yet (no URL): {error}") from None
    return pages


def measure(client, name: str, path: str, runs: int) -> tuple[int, float, float, int]:
    """(queries, best milliseconds, best CPU milliseconds, bytes) of one page, which must
    answer 200. The CPU time is this process's: on a busy machine it says what the page costs
    where the wall time says how long others made it wait."""
    from django.db import connection

    response = client.get(path)  # warm-up: templates compiled, caches filled
    if response.status_code != 200:
        body = getattr(response, "content", b"")[:300].decode(errors="replace")
        raise SystemExit(f"FAILED: {name} ({path}) answered {response.status_code}: {body}")
    # An execute wrapper, not CaptureQueriesContext: the connection is closed after each
    # request (CONN_MAX_AGE 0, outside a test's transaction), and the wrapper outlives that.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(path)
    size = len(response.getvalue() if response.streaming else response.content)
    best = best_cpu = float("inf")
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        if response.streaming:
            response.getvalue()
        best = min(best, (time.perf_counter() - started) * 1000)
        best_cpu = min(best_cpu, (time.process_time() - started_cpu) * 1000)
    return len(queries), best, best_cpu, size


def load_note() -> str:
    """Other programs on the machine take CPU from the bench: its times are then high."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    return f"load average {load:.1f} on {cores} cores" + (" (busy)" if load > cores else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sys.path.insert(0, str(ROOT / "bench"))
    import stats_data

    stats_data.add_shape_arguments(parser)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page")
    parser.add_argument("--export-table", default=EXPORT_TABLE)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    options = parser.parse_args()
    shape = stats_data.shape_of(parser, options)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-stats-"))
    try:
        configure(data_dir)
        started = time.perf_counter()
        stats_data.setup()
        print(f"migrated in {time.perf_counter() - started:.1f}s ({data_dir}; {load_note()})")
        print(
            f"generating {shape.subscribers:,} subscribers, {shape.posts:,} posts, "
            f"{shape.days} days ({shape.raw_days} raw), {shape.daily_views():,} views a day ...",
            file=sys.stderr,
        )
        built = stats_data.generate(shape)
        counts = ", ".join(f"{value:,} {key}" for key, value in built["counts"].items())
        print(f"generated in {built['generate_seconds']}s: {counts}")

        from django.conf import settings
        from django.test import Client, override_settings

        from masthead.accounts.models import Person
        from masthead.publications.models import Publication

        publication = Publication.objects.get(slug=built["publication"])
        rollup_seconds = rebuild(publication, built)
        pages = pages_to_open(built, options.export_table)
        client = Client(raise_request_exception=False)  # a 500 is reported as a status
        client.force_login(Person.objects.get(email=built["owner_email"]))
        results = []
        # No collectstatic here: static files without the manifest, as the tests serve them.
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
            for name, path in pages:
                queries, ms, cpu_ms, size = measure(client, name, path, options.runs)
                results.append((queries, ms, cpu_ms))
                print(
                    f"  {name:<26} {queries:>3} queries {ms:>7.1f} ms (CPU {cpu_ms:>6.1f}) {size / 1024:>6.0f} KB  {path}"
                )
    finally:
        if options.keep:
            print(f"kept the data folder: {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    slowest_cpu = max(r[2] for r in results)
    print(f"at the end: {load_note()}; the slowest page's CPU time {slowest_cpu:.1f} ms")
    print(
        f"RESULT pages={len(results)} max_queries={max(r[0] for r in results)} "
        f"max_ms={max(r[1] for r in results):.1f} rollup_seconds={rollup_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
