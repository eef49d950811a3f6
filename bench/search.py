"""Benchmark: search over a publication of 10,000 posts, as a visitor and as a paying reader.

    .venv/bin/python bench/search.py            (SQLite, a temporary data folder)
    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/search.py   (PostgreSQL)

Migrates, bulk-inserts 10,000 published posts of about 300 words each (a quarter of them paid,
their bodies locked), which the database's triggers index as they go in, then times
`discovery.search.search` for a common word, a rarer word, two words and a word nobody used,
for an anonymous visitor and for a reader with paid access: the median of 5 runs each, with the
queries of each search counted. Ends with one line:
RESULT posts=10000 ms=<slowest median> queries=<most queries of one search>
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTS = 10_000
WORDS_PER_POST = 300
VOCABULARY = 5_000
RUNS = 5


def setup(data_dir: str) -> None:
    os.environ["MASTHEAD_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("MASTHEAD_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def word(number: int) -> str:
    """A made-up word per number, so every word of the vocabulary is distinct."""
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    out = ""
    while True:
        out += letters[number % len(letters)] + vowels[(number // len(letters)) % len(vowels)]
        number //= len(letters) * len(vowels)
        if not number:
            return out + "x"


def seed():
    from django.db import connection, transaction
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.billing.models import AccessGrant, GrantKind
    from masthead.posts.models import Audience, Post, PostStatus
    from masthead.publications.models import Publication

    rng = random.Random(15)
    # Zipf-like: a few words are everywhere, most are rare.
    weights = [1 / (rank + 1) for rank in range(VOCABULARY)]
    vocabulary = [word(number) for number in range(VOCABULARY)]
    now = timezone.now()
    suffix = time.time_ns()  # a shared PostgreSQL database may hold earlier runs
    with transaction.atomic():
        publication = Publication.objects.create(name="Bench", slug=f"bench-search-{suffix}")
        batch = []
        for index in range(POSTS):
            words = rng.choices(vocabulary, weights, k=WORDS_PER_POST)
            paragraphs = [" ".join(words[start : start + 60]) for start in range(0, len(words), 60)]
            body_html = "".join(f"<p>{paragraph}.</p>\n" for paragraph in paragraphs)
            batch.append(
                Post(
                    publication=publication,
                    title=" ".join(rng.choices(vocabulary, weights, k=6)),
                    subtitle=" ".join(rng.choices(vocabulary, weights, k=10)),
                    slug=f"post-{index}",
                    body_html=body_html,
                    preview_html=body_html.split("\n")[0],
                    audience=Audience.PAID if index % 4 == 0 else Audience.EVERYONE,
                    status=PostStatus.PUBLISHED,
                    published_at=now,
                )
            )
            if len(batch) == 1_000:
                Post.objects.bulk_create(batch)
                batch = []
        Post.objects.bulk_create(batch)
        payer = Person.objects.create_user(f"payer{suffix}@bench.example.com", display_name="P")
        AccessGrant.objects.create(publication=publication, person=payer, kind=GrantKind.COMP)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return publication, payer, vocabulary


def timed(publication, viewer, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from masthead.discovery.search import search

    runs, queries, count = [], 0, 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            results = search(publication, viewer, query)
            runs.append((time.perf_counter() - started) * 1000)
        queries, count = len(captured.captured_queries), results.post_count
    return statistics.median(runs), queries, count


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="masthead-bench-search-") as data_dir:
        setup(data_dir)
        from django.contrib.auth.models import AnonymousUser
        from django.db import connection

        started = time.perf_counter()
        publication, payer, vocabulary = seed()
        print(f"{connection.vendor}: seeded {POSTS} posts in {time.perf_counter() - started:.1f}s")
        searches = [vocabulary[0], vocabulary[300], f"{vocabulary[5]} {vocabulary[40]}", "zzzq"]
        slowest, most_queries = 0.0, 0
        for viewer_name, viewer in (("visitor", AnonymousUser()), ("paying", payer)):
            for query in searches:
                ms, queries, count = timed(publication, viewer, query)
                print(f"{viewer_name:8} {query!r:24} {count:6} results {ms:7.1f} ms {queries} q")
                slowest, most_queries = max(slowest, ms), max(most_queries, queries)
        print(f"RESULT posts={POSTS} ms={slowest:.1f} queries={most_queries}")


if __name__ == "__main__":
    main()
