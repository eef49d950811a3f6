"""Benchmark: the home feed of a reader subscribed to 1,000 publications, over 100,000 notes.

    .venv/bin/python bench/notes_feed.py

Sets up Django on a temporary SQLite data folder, migrates, creates 1,000 publications each
with one writer, one reader subscribed (active) to all of them, and 100,000 notes spread over
the writers (a tenth posted as the publication) with bulk_create. Then it times the first page
and a deep page (the 50th, reached by following "Older" cursors) of `feed_page`, and counts
their queries. Ends with one line:
RESULT subscriptions=1000 notes=100000 first_page_ms=X queries=Q
"""

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLICATIONS = 1_000
NOTES = 100_000
DEEP_PAGE = 50


def setup(data_dir: str) -> None:
    os.environ["MASTHEAD_DATA_DIR"] = data_dir
    # Its own SQLite database and in-process cache, never the database of the shell it runs in.
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("MASTHEAD_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> object:
    from django.db import transaction
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.notes.models import Note
    from masthead.publications.models import Membership, Publication, Role
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    rng = random.Random(7)
    now = timezone.now()
    with transaction.atomic():
        publications = Publication.objects.bulk_create(
            [Publication(name=f"Bench {i}", slug=f"bench-{i}") for i in range(PUBLICATIONS)]
        )
        writers = Person.objects.bulk_create(
            [
                Person(email=f"writer{i}@bench.example.com", display_name=f"W{i}", password="!")
                for i in range(PUBLICATIONS)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(publication=publication, person=writer, role=Role.OWNER)
                for publication, writer in zip(publications, writers, strict=True)
            ]
        )
        reader = Person.objects.create_user("reader@bench.example.com", display_name="Reader")
        Subscription.objects.bulk_create(
            [
                Subscription(publication=p, person=reader, status=SubscriptionStatus.ACTIVE)
                for p in publications
            ]
        )
        batch = []
        for index in range(NOTES):
            owner = rng.randrange(PUBLICATIONS)
            body = f"Bench note {index}"
            batch.append(
                Note(
                    author=writers[owner],
                    publication=publications[owner] if index % 10 == 0 else None,
                    body_markdown=body,
                    body_html=f"<p>{body}</p>",
                    created_at=now - dt.timedelta(seconds=rng.randrange(365 * 86_400)),
                )
            )
            if len(batch) == 5_000:
                Note.objects.bulk_create(batch)
                batch = []
        Note.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return reader


def timed_page(reader, cursor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from masthead.notes import queries

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        page = queries.feed_page(reader, cursor)
        elapsed = (time.perf_counter() - started) * 1000
    return page, elapsed, len(captured.captured_queries)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="masthead-bench-notes-") as data_dir:
        setup(data_dir)
        started = time.perf_counter()
        reader = seed()
        print(f"seeded in {time.perf_counter() - started:.1f}s", flush=True)
        from masthead.core.cursors import parse_moment_cursor
        from masthead.notes import queries

        first_runs = []
        for _ in range(5):
            page, elapsed, first_queries = timed_page(reader, None)
            first_runs.append(elapsed)
        assert len(page.cards) == queries.PAGE_SIZE
        cursor, deep_ms, deep_queries = None, 0.0, 0
        for _ in range(DEEP_PAGE):
            page, deep_ms, deep_queries = timed_page(reader, cursor)
            cursor = parse_moment_cursor(page.next_cursor)
        first_ms = statistics.median(first_runs)
        print(f"first page: median of 5 {first_ms:.1f} ms, {first_queries} queries")
        print(f"page {DEEP_PAGE}: {deep_ms:.1f} ms, {deep_queries} queries")
        print(
            f"RESULT subscriptions={PUBLICATIONS} notes={NOTES} first_page_ms={first_ms:.1f} "
            f"queries={first_queries} deep_page_ms={deep_ms:.1f} deep_queries={deep_queries}"
        )


if __name__ == "__main__":
    main()
