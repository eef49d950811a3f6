"""The large data set of `make bench-pages`: one big publication beside 100 small ones, built fast.

    .venv/bin/python bench/pages_data.py [--scale 0.05]     (run by bench/pages.py)

Runs in the environment it is given (MASTHEAD_DATA_DIR, MASTHEAD_SECRET_KEY, ...): migrates,
then inserts, at full scale, one publication ("bench-daily", the oldest, so the primary one
served at "/") with 10,000 published posts (a tenth paid), 100,000 subscribers (people and
active subscriptions, 2% of them paying), 1,000,000 likes and 100,000 comments spread over the
posts with a long tail (Top and Discussions have something to sort), and 1,000 notes; then 100
small publications with 3 posts, 20 subscribers and 10 notes each. People and posts go in with
bulk_create, likes and comments with executemany on the raw cursor, the denormalised counters
(like_count, comment_count, last_comment_at) computed on the way in. The measured post (the
newest, free) has 200 comments, a quarter of them replies.

Prints one line `BUILT {json}` with what pages.py needs: the slugs, and a session key of a
paying subscriber (a row of django.contrib.sessions, as a sign-in writes it).
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PUBLICATION_SLUG = "bench-daily"
POSTS = 10_000
SUBSCRIBERS = 100_000
LIKES = 1_000_000
COMMENTS = 100_000
NOTES = 1_000
SMALL_PUBLICATIONS = 100
SMALL_POSTS = 3
SMALL_SUBSCRIBERS = 20
SMALL_NOTES = 10
MEASURED_POST_COMMENTS = 200
PAYING_SHARE = 0.02
BATCH = 20_000


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def insert_rows(table: str, columns: list[str], rows) -> int:
    """executemany in batches: a million rows in seconds, where bulk_create takes a minute."""
    from django.db import connection

    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    count, batch = 0, []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def long_tail(total: int, buckets: int, cap: int, rng: random.Random) -> list[int]:
    """`total` spread over `buckets` as a few big ones and many small ones, each at most `cap`."""
    weights = [1 / (rank + 20) ** 0.9 for rank in range(buckets)]
    scale = total / sum(weights)
    counts = [min(cap, round(weight * scale)) for weight in weights]
    rng.shuffle(counts)  # the most liked post is not the newest one
    return counts


def paragraphs(rng: random.Random, count: int) -> list[str]:
    words = [
        "the", "press", "city", "council", "budget", "river", "school", "market", "night",
        "water", "story", "reader", "letter", "winter", "street", "vote", "harbour", "train",
        "museum", "report", "season", "garden", "bridge", "lamp", "office", "morning",
        "archive", "column", "editor", "village", "summer", "rain", "price", "house", "field",
    ]  # fmt: skip
    return [
        " ".join(rng.choice(words) for _ in range(rng.randint(60, 90))).capitalize() + "."
        for _ in range(count)
    ]


def build(scale: float) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.billing.models import BillingSettings, PaidSubscription, Plan, PlanInterval
    from masthead.engagement.models import Comment, Like
    from masthead.notes.models import Note
    from masthead.posts.models import Audience, Post, PostAuthor, PostStatus
    from masthead.publications.models import Membership, Publication, Role
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    def scaled(number: int) -> int:
        return max(1, round(number * scale))

    posts_count, subscribers = scaled(POSTS), scaled(SUBSCRIBERS)
    likes, comments = scaled(LIKES), scaled(COMMENTS)
    small_count = scaled(SMALL_PUBLICATIONS)
    rng = random.Random(16)
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value
    texts = paragraphs(rng, 60)
    counts = {}

    with transaction.atomic():
        publication = Publication.objects.create(
            name="The Bench Daily",
            slug=PUBLICATION_SLUG,
            tagline="Ten thousand posts and a hundred thousand readers",
            created_at=now - dt.timedelta(days=4000),
        )
        owner = Person.objects.create_user("owner@bench.example.com", display_name="Ed Itor")
        Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
        BillingSettings.objects.create(
            publication=publication, stripe_product_id="prod_bench", is_paid_on=True
        )
        plan = Plan.objects.create(
            publication=publication,
            interval=PlanInterval.MONTH,
            name="Monthly",
            amount=800,
            currency="usd",
            stripe_plan_id="plan_bench_monthly",
        )

        people = Person.objects.bulk_create(
            (
                Person(
                    email=f"reader{index}@bench.example.com",
                    display_name=f"Reader {index}",
                    password="!bench",
                    created_at=now - dt.timedelta(minutes=index),
                )
                for index in range(subscribers)
            ),
            batch_size=5_000,
        )
        person_ids = [person.id for person in people]
        subscriptions = Subscription.objects.bulk_create(
            (
                Subscription(
                    publication=publication,
                    person_id=person_id,
                    status=SubscriptionStatus.ACTIVE,
                    created_at=now - dt.timedelta(minutes=index),
                    confirmed_at=now - dt.timedelta(minutes=index),
                )
                for index, person_id in enumerate(person_ids)
            ),
            batch_size=5_000,
        )
        paying = subscriptions[: max(1, round(subscribers * PAYING_SHARE))]
        PaidSubscription.objects.bulk_create(
            (
                PaidSubscription(
                    subscription=subscription,
                    plan=plan,
                    stripe_subscription_id=f"sub_bench_{subscription.id}",
                    status="active",
                    current_period_end=now + dt.timedelta(days=20),
                    has_paid_or_trialed=True,
                )
                for subscription in paying
            ),
            batch_size=5_000,
        )
        counts["people"] = len(people) + 1
        counts["paying"] = len(paying)

        # Likes and comments per post, decided first so the posts go in with their counters.
        like_counts = long_tail(likes, posts_count, subscribers, rng)
        comment_counts = long_tail(comments, posts_count, 10_000, rng)
        measured = posts_count - 1  # the newest post, free: the page everyone reads
        comment_counts[measured] = MEASURED_POST_COMMENTS
        published = [
            now - dt.timedelta(hours=8 * (posts_count - index)) for index in range(posts_count)
        ]
        last_comment = [
            published[index] + dt.timedelta(minutes=comment_counts[index])
            for index in range(posts_count)
        ]

        def post(index: int) -> Post:
            body = rng.sample(texts, 5)
            return Post(
                publication=publication,
                title=f"Bench story {index}: {body[0][:50]}",
                subtitle=body[1][:120],
                slug=f"story-{index}",
                body_markdown="\n\n".join(body),
                body_html="".join(f"<p>{text}</p>\n" for text in body),
                preview_html=f"<p>{body[0]}</p>",
                audience=Audience.PAID if index % 10 == 5 else Audience.EVERYONE,
                status=PostStatus.PUBLISHED,
                published_at=published[index],
                created_at=published[index],
                updated_at=published[index],
                like_count=like_counts[index],
                comment_count=comment_counts[index],
                last_comment_at=last_comment[index] if comment_counts[index] else None,
            )

        posts = Post.objects.bulk_create((post(index) for index in range(posts_count)), 2_000)
        post_ids = [post.id for post in posts]
        PostAuthor.objects.bulk_create(
            (PostAuthor(post_id=post_id, person=owner) for post_id in post_ids), batch_size=5_000
        )
        counts["posts"] = len(posts)

        moments = [
            stamp(now - dt.timedelta(seconds=rng.randrange(4000 * 86_400))) for _ in range(5_000)
        ]

        def like_rows():
            for post_id, count in zip(post_ids, like_counts, strict=True):
                start = rng.randrange(subscribers)
                for offset in range(count):  # distinct people: a window of the subscriber list
                    person_id = person_ids[(start + offset) % subscribers]
                    yield (post_id, person_id, moments[offset % len(moments)])

        counts["likes"] = insert_rows(
            Like._meta.db_table, ["post_id", "person_id", "created_at"], like_rows()
        )

        comment_columns = [
            "post_id", "person_id", "parent_id", "body_markdown", "body_html",
            "is_hidden", "is_deleted", "created_at",
        ]  # fmt: skip
        sentences = [text[: rng.randint(40, 300)] for text in texts]

        def comment_rows(post_index: int, count: int):
            post_id = post_ids[post_index]
            for offset in range(count):
                text = sentences[(post_index + offset) % len(sentences)]
                moment = stamp(published[post_index] + dt.timedelta(minutes=offset + 1))
                person_id = person_ids[rng.randrange(subscribers)]
                yield (post_id, person_id, None, text, f"<p>{text}</p>", False, False, moment)

        counts["comments"] = insert_rows(
            Comment._meta.db_table,
            comment_columns,
            (
                row
                for index, count in enumerate(comment_counts)
                if index != measured
                for row in comment_rows(index, count)
            ),
        )
        # The measured post: three quarters top-level comments, a quarter replies to them.
        top_level = MEASURED_POST_COMMENTS * 3 // 4
        counts["comments"] += insert_rows(
            Comment._meta.db_table, comment_columns, comment_rows(measured, top_level)
        )
        parents = list(
            Comment.objects.filter(post_id=post_ids[measured]).values_list("id", flat=True)
        )
        replies = [
            (*row[:2], rng.choice(parents), *row[3:])
            for row in comment_rows(measured, MEASURED_POST_COMMENTS - top_level)
        ]
        counts["comments"] += insert_rows(Comment._meta.db_table, comment_columns, replies)

        note_texts = [text[:240] for text in texts]
        Note.objects.bulk_create(
            (
                Note(
                    author=owner,
                    publication=publication,
                    body_markdown=note_texts[index % len(note_texts)],
                    body_html=f"<p>{note_texts[index % len(note_texts)]}</p>",
                    created_at=now - dt.timedelta(hours=index),
                )
                for index in range(scaled(NOTES))
            ),
            batch_size=2_000,
        )
        counts["notes"] = scaled(NOTES)

        reader = people[0]  # pays (the first subscriptions are the paying ones)
        build_small_publications(small_count, person_ids, reader, texts, now, rng)
        counts["small_publications"] = small_count

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    session = SessionStore()
    session[SESSION_KEY] = str(reader.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    session.save()

    return {
        "publication": PUBLICATION_SLUG,
        "post": posts[measured].slug,
        "post_comments": MEASURED_POST_COMMENTS,
        "post_likes": like_counts[measured],
        "paid_post": next(post.slug for post in reversed(posts) if post.audience == Audience.PAID),
        "reader_session": session.session_key,
        "reader_email": reader.email,
        "counts": counts,
    }


def build_small_publications(count, person_ids, reader, texts, now, rng) -> None:
    """Each with an owner, a few posts, a few subscribers and notes; the reader follows them."""
    from masthead.accounts.models import Person
    from masthead.notes.models import Note
    from masthead.posts.models import Post, PostAuthor, PostStatus
    from masthead.publications.models import Membership, Publication, Role
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    publications = Publication.objects.bulk_create(
        Publication(name=f"Small {index}", slug=f"small-{index}", created_at=now)
        for index in range(count)
    )
    owners = Person.objects.bulk_create(
        Person(email=f"small{index}@bench.example.com", display_name=f"Small {index}", password="!")
        for index in range(count)
    )
    Membership.objects.bulk_create(
        Membership(publication=publication, person=owner, role=Role.OWNER)
        for publication, owner in zip(publications, owners, strict=True)
    )
    posts = Post.objects.bulk_create(
        Post(
            publication=publication,
            title=f"Small {index} story {number}",
            slug=f"small-story-{number}",
            body_markdown=texts[number],
            body_html=f"<p>{texts[number]}</p>",
            preview_html=f"<p>{texts[number]}</p>",
            status=PostStatus.PUBLISHED,
            published_at=now - dt.timedelta(days=number),
        )
        for index, publication in enumerate(publications)
        for number in range(SMALL_POSTS)
    )
    PostAuthor.objects.bulk_create(
        PostAuthor(post=post, person=owners[index // SMALL_POSTS])
        for index, post in enumerate(posts)
    )
    subscriptions = []
    for index, publication in enumerate(publications):
        readers = set(rng.sample(person_ids, min(SMALL_SUBSCRIBERS, len(person_ids))))
        if index < 20:
            readers.add(reader.id)  # the signed-in reader's feed has 20 publications in it
        subscriptions += [
            Subscription(
                publication=publication, person_id=person_id, status=SubscriptionStatus.ACTIVE
            )
            for person_id in readers
        ]
    Subscription.objects.bulk_create(subscriptions, batch_size=5_000)
    Note.objects.bulk_create(
        Note(
            author=owner,
            publication=publication,
            body_markdown=texts[number][:200],
            body_html=f"<p>{texts[number][:200]}</p>",
            created_at=now - dt.timedelta(hours=number * 7 + index),
        )
        for index, (publication, owner) in enumerate(zip(publications, owners, strict=True))
        for number in range(SMALL_NOTES)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the full data set")
    options = parser.parse_args()
    if not 0 < options.scale <= 1:
        parser.error("--scale must be above 0 and at most 1")
    started = time.perf_counter()
    setup()
    migrated = time.perf_counter()
    built = build(options.scale)
    built["migrate_seconds"] = round(migrated - started, 1)
    built["build_seconds"] = round(time.perf_counter() - migrated, 1)
    print("BUILT " + json.dumps(built), flush=True)


if __name__ == "__main__":
    main()
