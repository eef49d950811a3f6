"""The year of activity behind `make bench-stats`: one publication's readers, posts and numbers.

    .venv/bin/python bench/stats_data.py [--subscribers 100000] [--posts 500] [--days 365]
                                          [--raw-days 7] [--views-per-day N]
    (run in-process by bench/stats.py; alone, it migrates and fills MASTHEAD_DATA_DIR)

One publication ("stats-daily", time zone America/New_York, so days are not UTC days) with an
owner, a monthly plan, and `--subscribers` people subscribed over `--days` days: 15% imported
on the first day, the rest growing towards the end, from the website, referrals,
recommendations and imports, a fifth of the website ones with UTM parameters, a third
attributed to a recent post; 1% still pending, 10% unsubscribed later, 5% paying (a quarter of
them cancelled since) and 0.3% comped (AccessGrant). `--posts` posts published evenly over the
days, each with a finished newsletter Send (3 tracked links).

Per-recipient rows for a year (50 million deliveries at full scale) would make a benchmark of
the generator, so the raw rows the rollup reads are written only for the last `--raw-days`
days (today included): a Delivery for every recipient of the sends of those days (45% opened,
about 5% clicking, DeliveryEvent rows for the clicks), likes, comments and restacks of those
posts, and PageHit rows (`--views-per-day`, default 20,000 at full scale and proportional
below it) with referrers, countries, devices and UTM parameters. The days before them get
their rollup rows written directly (DailyPublicationStats, DailySourceStats, DailyTraffic,
DailyPostStats), the subscriber numbers counted from the subscription rows generated here, so
the old days and the rebuilt raw days join up. The rollup rows of the raw days, PostTotals,
PostLinkClicks and SubscriberActivity are left to masthead.stats.rollups (bench/stats.py).

Prints phase timings to stderr and, alone, one line `BUILT {json}`.
"""

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import operator
import os
import random
import sys
import time
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PUBLICATION_SLUG = "stats-daily"
TIME_ZONE = "America/New_York"
SUBSCRIBERS = 100_000
POSTS = 500
DAYS = 365
RAW_DAYS = 7
VIEWS_PER_DAY = 20_000  # at 100,000 subscribers; proportional below
BATCH = 20_000
IMPORTED_SHARE = 0.15
PENDING_SHARE = 0.01
UNSUBSCRIBED_SHARE = 0.10
PAYING_SHARE = 0.05
CANCELLED_SHARE = 0.25
COMPED_SHARE = 0.003
OPEN_RATE = 0.45
CLICKER_SHARE_OF_OPENERS = 0.11  # about 5% of recipients
FAILED_SHARE = 0.003
LIKE_SHARE_OF_OPENERS = 0.03
COMMENT_SHARE_OF_OPENERS = 0.003
POST_VIEW_SHARE = 0.7  # the rest: home, archive, about
# How a send's opens (and clicks, likes, ...) spread over the days after it went out.
DAY_SPREAD = (0.6, 0.2, 0.08, 0.05, 0.03, 0.02, 0.02)

SOURCES = {"website": 0.6, "referral": 0.15, "recommendation": 0.2, "import": 0.05}
UTM = [  # (utm_source, utm_medium, utm_campaign)
    ("twitter", "social", "thread"),
    ("newsletter", "email", "partner-swap"),
    ("podcast", "audio", "podcast-ad"),
    ("google", "cpc", "spring-launch"),
]
REFERRERS = {
    "": 0.35, "google.com": 0.2, "substack.com": 0.08, "news.ycombinator.com": 0.07,
    "t.co": 0.07, "facebook.com": 0.05, "reddit.com": 0.05, "bing.com": 0.04,
    "duckduckgo.com": 0.04, "linkedin.com": 0.03, "bsky.app": 0.02,
}  # fmt: skip
COUNTRIES = {
    "US": 0.42, "GB": 0.12, "CA": 0.07, "DE": 0.07, "FR": 0.05, "AU": 0.04, "IN": 0.05,
    "NL": 0.03, "BR": 0.03, "ES": 0.03, "": 0.09,
}  # fmt: skip
DEVICES = {"mobile": 0.55, "desktop": 0.38, "tablet": 0.05, "other": 0.02}
OTHER_PAGES = {"/": 0.6, "/archive/": 0.3, "/about/": 0.1}
TOPICS = ["river", "budget", "market", "school", "harbour"]
LINKS = ["https://example.org/report", "https://example.org/data.csv", "https://example.org/more"]


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


@dataclass
class Shape:
    subscribers: int = SUBSCRIBERS
    posts: int = POSTS
    days: int = DAYS
    raw_days: int = RAW_DAYS
    views_per_day: int | None = None  # None: VIEWS_PER_DAY scaled to the subscribers

    def daily_views(self) -> int:
        if self.views_per_day is not None:
            return self.views_per_day
        return max(50, round(VIEWS_PER_DAY * self.subscribers / SUBSCRIBERS))


@dataclass(slots=True)
class Reader:
    """One generated subscription, kept to count the rollup rows of the old days from."""

    email: str
    created_at: dt.datetime
    source: str
    utm: tuple[str, str, str] | None
    post_index: int | None  # attributed_post
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None = None
    paid_from: dt.datetime | None = None
    paid_until: dt.datetime | None = None
    is_comped: bool = False
    person_id: int = 0
    subscription_id: int = 0

    def is_active_at(self, moment: dt.datetime) -> bool:
        return (
            self.confirmed_at is not None
            and self.confirmed_at <= moment
            and (self.unsubscribed_at is None or self.unsubscribed_at > moment)
        )


@dataclass
class Calendar:
    """The publication's days: index 0 is the first, `days - 1` is today (local)."""

    zone: zoneinfo.ZoneInfo
    now: dt.datetime
    days: int
    first_day: dt.date = field(init=False)

    def __post_init__(self):
        self.first_day = self.now.astimezone(self.zone).date() - dt.timedelta(days=self.days - 1)

    def day_of(self, moment: dt.datetime) -> int:
        return (moment.astimezone(self.zone).date() - self.first_day).days

    def date(self, index: int) -> dt.date:
        return self.first_day + dt.timedelta(days=index)

    def start_of(self, index: int) -> dt.datetime:
        local = dt.datetime.combine(self.date(index), dt.time(), tzinfo=self.zone)
        return local.astimezone(dt.UTC)

    def end_of(self, index: int) -> dt.datetime:
        return min(self.start_of(index + 1), self.now)


class Timer:
    """Phase timings on stderr: where the generator's minutes go."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = round(now - self.last, 2)
        print(f"  {phase}: {now - self.last:.1f}s", file=sys.stderr, flush=True)
        self.last = now

    @property
    def total(self) -> float:
        return round(time.perf_counter() - self.started, 1)


def insert_rows(table: str, columns: list[str], rows) -> int:
    """executemany in batches: a million rows in seconds, where bulk_create takes a minute."""
    from django.db import connection

    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    count = 0
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, BATCH):
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def stamper():
    """A datetime as the database takes it. SQLite's adapter, inlined: every moment here is in
    UTC already, and Django's own takes a third of the deliveries' time."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    return lambda moment: moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def pick(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def generate(shape: Shape, seed: int = 17) -> dict:
    """Fills the database (migrated) with the year of activity; returns what the bench needs."""
    from django.db import connection, transaction
    from django.utils import timezone

    timer = Timer()
    rng = random.Random(seed)
    calendar = Calendar(zoneinfo.ZoneInfo(TIME_ZONE), timezone.now(), shape.days)
    raw_from = max(0, shape.days - shape.raw_days)  # the first day with raw rows
    with transaction.atomic():
        publication, owner, plan = create_publication(calendar)
        post_times = plan_posts(shape, calendar, rng)
        readers = plan_readers(shape, calendar, post_times, rng)
        posts = write_posts(publication, owner, post_times, rng)
        timer.done(f"planned readers, wrote {len(posts):,} posts")
        write_readers(publication, plan, posts, readers, calendar)
        timer.done(f"wrote {len(readers):,} people and subscriptions")
        sends = write_sends(publication, posts, readers, calendar, raw_from, rng)
        timer.done(f"wrote {len(sends):,} sends and {sends.delivery_count:,} deliveries")
        write_engagement(posts, sends, calendar, rng)
        timer.done("wrote likes, comments and restacks")
        hit_count = write_page_hits(publication, shape, posts, readers, calendar, raw_from, rng)
        timer.done(f"wrote {hit_count:,} page hits")
        rollup_counts = write_old_rollups(
            publication, shape, posts, sends, readers, calendar, raw_from, rng
        )
        timer.done("wrote the rollup rows of the old days")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timer.done("analyzed")
    active = [r for r in readers if r.is_active_at(calendar.now)]
    return {
        "publication": publication.slug,
        "owner_email": owner.email,
        "now": calendar.now.isoformat(),
        "days": [calendar.date(0).isoformat(), calendar.date(shape.days - 1).isoformat()],
        "raw_days": [
            calendar.date(raw_from).isoformat(),
            calendar.date(shape.days - 1).isoformat(),
        ],
        "newest_post_id": posts[-1].id,
        "subscription_ids": {
            "paid": next(
                (r.subscription_id for r in active if r.paid_from and not r.paid_until), None
            ),
            "free": next((r.subscription_id for r in active if not r.paid_from), None),
            "unsubscribed": next((r.subscription_id for r in readers if r.unsubscribed_at), None),
        },
        "counts": {
            "subscriptions": len(readers),
            "active": len(active),
            "paid_subscriptions": sum(1 for r in readers if r.paid_from and not r.is_comped),
            "comps": sum(1 for r in readers if r.is_comped),
            "posts": len(posts),
            "sends": len(sends),
            "raw_sends": sends.raw_count,
            "deliveries": sends.delivery_count,
            "clicks": sends.click_event_count,
            "page_hits": hit_count,
            **rollup_counts,
        },
        "phases": timer.phases,
        "generate_seconds": timer.total,
    }


def create_publication(calendar: Calendar):
    from masthead.accounts.models import Person
    from masthead.billing.models import BillingSettings, Plan, PlanInterval
    from masthead.publications.models import Membership, Publication, Role

    created = calendar.start_of(0) - dt.timedelta(days=30)
    publication = Publication.objects.create(
        name="The Stats Daily",
        slug=PUBLICATION_SLUG,
        tagline="A year of readers, counted",
        time_zone=TIME_ZONE,
        created_at=created,
    )
    owner = Person.objects.create_user("owner@stats.example.com", display_name="Ed Itor")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    BillingSettings.objects.create(
        publication=publication, stripe_product_id="prod_stats", is_paid_on=True
    )
    plan = Plan.objects.create(
        publication=publication,
        interval=PlanInterval.MONTH,
        name="Monthly",
        amount=800,
        currency="usd",
        stripe_plan_id="plan_stats_monthly",
        created_at=created,
    )
    return publication, owner, plan


def plan_posts(shape: Shape, calendar: Calendar, rng: random.Random) -> list[dt.datetime]:
    """Publication moments spread evenly over the days, mornings local time, none in the future."""
    moments = []
    for index in range(shape.posts):
        day = min(shape.days - 1, int((index + 0.5) * shape.days / shape.posts))
        moment = calendar.start_of(day) + dt.timedelta(hours=8, minutes=rng.randrange(180))
        moments.append(min(moment, calendar.now - dt.timedelta(minutes=30 + shape.posts - index)))
    return sorted(moments)


def random_moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(seconds=rng.random() * max(0.0, (end - start).total_seconds()))


def plan_readers(shape, calendar, post_times, rng) -> list[Reader]:
    """Who subscribed when and from where, who left, who pays: in memory, then written."""
    imported = round(shape.subscribers * IMPORTED_SHARE)
    growth = [1 + 2 * day / shape.days for day in range(shape.days)]
    days = rng.choices(range(shape.days), weights=growth, k=shape.subscribers - imported)
    first_import = calendar.start_of(0) + dt.timedelta(hours=10)
    readers = []
    for index in range(shape.subscribers):
        if index < imported:
            created, source = first_import + dt.timedelta(seconds=index % 3600), "import"
        else:
            day = days[index - imported]
            created = random_moment(rng, calendar.start_of(day), calendar.end_of(day))
            source = pick(rng, SOURCES, 1)[0]
        utm = rng.choice(UTM) if source == "website" and rng.random() < 0.2 else None
        post_index = None
        if source != "import" and rng.random() < 0.35:
            newest = bisect.bisect_right(post_times, created) - 1
            if newest >= 0:
                post_index = max(0, newest - rng.randrange(5))
        readers.append(Reader("", created, source, utm, post_index, created))
    readers.sort(key=lambda reader: reader.created_at)
    for index, reader in enumerate(readers):
        reader.email = f"reader{index}@stats.example.com"
        if rng.random() < PENDING_SHARE:
            reader.confirmed_at = None
        elif rng.random() < UNSUBSCRIBED_SHARE:
            reader.unsubscribed_at = random_moment(rng, reader.confirmed_at, calendar.now)
        elif rng.random() < PAYING_SHARE / (1 - UNSUBSCRIBED_SHARE):
            latest = min(calendar.now, reader.confirmed_at + dt.timedelta(days=90))
            reader.paid_from = random_moment(rng, reader.confirmed_at, latest)
            if rng.random() < CANCELLED_SHARE:
                until = reader.paid_from + dt.timedelta(days=rng.uniform(20, 200))
                reader.paid_until = until if until < calendar.now else None
        elif rng.random() < COMPED_SHARE / (1 - UNSUBSCRIBED_SHARE - PAYING_SHARE):
            reader.is_comped = True
            reader.paid_from = random_moment(rng, reader.confirmed_at, calendar.now)
    return readers


def next_id(model) -> int:
    """The first free id of a table: the generator sets ids itself, to link rows without
    reading them back."""
    from django.db.models import Max

    return (model.objects.aggregate(highest=Max("pk"))["highest"] or 0) + 1


def write_readers(publication, plan, posts, readers: list[Reader], calendar: Calendar) -> None:

    from masthead.accounts.models import Person
    from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    stamp = stamper()
    first_person, first_subscription = next_id(Person), next_id(Subscription)
    for index, reader in enumerate(readers):
        reader.person_id = first_person + index
        reader.subscription_id = first_subscription + index
    insert_rows(
        Person._meta.db_table,
        ["id", "password", "is_superuser", "email", "display_name", "avatar", "bio",
         "is_staff", "is_active", "created_at"],
        ((reader.person_id, "!stats", False, reader.email, f"Reader {index}", "", "", False,
          True, stamp(reader.created_at)) for index, reader in enumerate(readers)),
    )  # fmt: skip

    def subscription(reader: Reader) -> tuple:
        status = SubscriptionStatus.ACTIVE
        if reader.confirmed_at is None:
            status = SubscriptionStatus.PENDING
        elif reader.unsubscribed_at:
            status = SubscriptionStatus.UNSUBSCRIBED
        post = posts[reader.post_index].id if reader.post_index is not None else None
        return (
            reader.subscription_id, publication.id, reader.person_id, str(status), reader.source,
            *(reader.utm or ("", "", "")), post, "", stamp(reader.created_at),
            stamp(reader.confirmed_at) if reader.confirmed_at else None,
            stamp(reader.unsubscribed_at) if reader.unsubscribed_at else None, "[]",
        )  # fmt: skip

    insert_rows(
        Subscription._meta.db_table,
        ["id", "publication_id", "person_id", "status", "source", "utm_source", "utm_medium",
         "utm_campaign", "attributed_post_id", "referral_code", "created_at", "confirmed_at",
         "unsubscribed_at", "labels"],
        map(subscription, readers),
    )  # fmt: skip
    PaidSubscription.objects.bulk_create(
        (
            PaidSubscription(
                subscription_id=reader.subscription_id,
                plan=plan,
                stripe_subscription_id=f"sub_stats_{reader.subscription_id}",
                status="canceled" if reader.paid_until else "active",
                current_period_end=reader.paid_until or calendar.now + dt.timedelta(days=20),
                started_at=reader.paid_from,
                ended_at=reader.paid_until,
                synced_at=reader.paid_until or calendar.now,
                has_paid_or_trialed=True,
            )
            for reader in readers
            if reader.paid_from and not reader.is_comped
        ),
        batch_size=5_000,
    )
    AccessGrant.objects.bulk_create(
        AccessGrant(
            publication=publication,
            person_id=reader.person_id,
            kind=GrantKind.COMP,
            starts_at=reader.paid_from,
            note="bench comp",
            created_at=reader.paid_from,
        )
        for reader in readers
        if reader.is_comped
    )


def write_posts(publication, owner, post_times, rng) -> list:
    from masthead.posts.models import Audience, Post, PostAuthor, PostStatus

    posts = Post.objects.bulk_create(
        (
            Post(
                publication=publication,
                title=f"Dispatch {index + 1}: the {rng.choice(TOPICS)} report",
                subtitle="What the numbers said this week",
                slug=f"dispatch-{index + 1}",
                body_markdown="Numbers, and what they mean.",
                body_html="<p>Numbers, and what they mean.</p>",
                preview_html="<p>Numbers, and what they mean.</p>",
                audience=Audience.PAID if index % 5 == 4 else Audience.EVERYONE,
                status=PostStatus.PUBLISHED,
                published_at=moment,
                created_at=moment - dt.timedelta(hours=2),
                updated_at=moment,
                email_requested=True,
                email_requested_at=moment,
            )
            for index, moment in enumerate(post_times)
        ),
        batch_size=2_000,
    )
    PostAuthor.objects.bulk_create(PostAuthor(post=post, person=owner) for post in posts)
    return posts


class Sends(list):
    """The sends written, in post order, with what the raw days' deliveries counted."""

    raw_count = 0
    delivery_count = 0
    click_event_count = 0
    # Per raw send: its openers' (person id, open moment): likes and comments come from them.
    openers: dict[int, list[tuple[int, dt.datetime]]]


def write_sends(publication, posts, readers, calendar, raw_from, rng) -> Sends:
    """A finished newsletter Send per post; deliveries and click events for the raw days'."""

    from masthead.delivery.models import Delivery, DeliveryEvent, Send, SendKind, SendState

    stamp = stamper()
    confirmed = sorted(r.confirmed_at for r in readers if r.confirmed_at)
    unsubscribed = sorted(r.unsubscribed_at for r in readers if r.unsubscribed_at)
    plans, deliveries, clicks = [], [], []
    delivery_id = 1
    sends = Sends()
    sends.openers = {}
    for index, post in enumerate(posts):
        started = post.published_at + dt.timedelta(minutes=1)
        is_raw = calendar.day_of(started) >= raw_from
        if not is_raw:
            recipients = bisect.bisect_right(confirmed, started) - bisect.bisect_right(
                unsubscribed, started
            )
            failed = round(recipients * FAILED_SHARE)
            sent = recipients - failed
            opens = round(sent * OPEN_RATE * rng.uniform(0.85, 1.15))
            clickers = round(opens * CLICKER_SHARE_OF_OPENERS)
            click_total = round(clickers * 1.3)
            plans.append((post, started, recipients, sent, failed, opens, click_total, clickers))
            continue
        sends.raw_count += 1
        first_id, opened_count, click_total, failed, clickers = delivery_id, 0, 0, 0, 0
        openers = sends.openers[index] = []
        for reader in readers:
            if not reader.is_active_at(started):
                continue
            sent_at = started + dt.timedelta(seconds=(delivery_id - first_id) / 200)
            state, opened_at, click_count = "sent", None, 0
            if rng.random() < FAILED_SHARE:
                state, sent_at = "failed", None
                failed += 1
            elif rng.random() < OPEN_RATE:
                moment = sent_at + dt.timedelta(hours=rng.expovariate(1 / 4))
                if moment < calendar.now:
                    opened_at = moment
                    opened_count += 1
                    openers.append((reader.person_id, moment))
                    if rng.random() < CLICKER_SHARE_OF_OPENERS:
                        click_count = rng.choice((1, 1, 1, 2, 3))
                        for _ in range(click_count):
                            clicked = min(
                                calendar.now, moment + dt.timedelta(minutes=rng.random() * 10)
                            )
                            link = rng.choices(range(len(LINKS)), weights=(6, 3, 1))[0]
                            clicks.append((delivery_id, "click", link, stamp(clicked)))
                        click_total += click_count
                        clickers += 1
            deliveries.append(  # the send's place in `plans`: its id is known once written
                (delivery_id, len(plans), reader.subscription_id, reader.email, False, state,
                 1, "", "", stamp(sent_at) if sent_at else None, "",
                 stamp(opened_at) if opened_at else None, click_count)
            )  # fmt: skip
            delivery_id += 1
        recipients = delivery_id - first_id
        plans.append(
            (post, started, recipients, recipients - failed, failed, opened_count, click_total,
             clickers)
        )  # fmt: skip
    written = Send.objects.bulk_create(
        (
            Send(
                publication=publication,
                post=post,
                kind=SendKind.NEWSLETTER,
                state=SendState.DONE,
                created_at=started - dt.timedelta(minutes=1),
                started_at=started,
                finished_at=started + dt.timedelta(minutes=8),
                sender="The Stats Daily <hello@stats.example.com>",
                subject=post.title,
                html_template="<p>Numbers, and what they mean.</p>",
                text_template="Numbers, and what they mean.",
                is_tracked=True,
                tracked_links=LINKS,
                recipient_count=recipients,
                sent_count=sent,
                failed_count=failed,
                open_count=opens,
                click_count=click_total,
                clicker_count=clickers,
            )
            for post, started, recipients, sent, failed, opens, click_total, clickers in plans
        ),
        batch_size=1_000,
    )
    sends.extend(written)
    send_ids = [send.id for send in written]
    columns = [
        "id", "send_id", "subscription_id", "email", "gets_full_post", "state", "attempts",
        "last_error", "claimed_by", "sent_at", "message_id", "opened_at", "click_count",
    ]  # fmt: skip
    sends.delivery_count = insert_rows(
        Delivery._meta.db_table,
        columns,
        ((row[0], send_ids[row[1]], *row[2:]) for row in deliveries),
    )
    sends.click_event_count = insert_rows(
        DeliveryEvent._meta.db_table, ["delivery_id", "kind", "link_index", "created_at"], clicks
    )
    return sends


def write_engagement(posts, sends: Sends, calendar, rng) -> None:
    """Likes, comments and restacks of the raw days' posts, by readers who opened them."""

    from masthead.engagement.models import Comment, Like
    from masthead.notes.models import Note
    from masthead.posts.models import Post

    stamp = stamper()
    likes, comments, restacks = [], [], []
    for index, openers in sends.openers.items():
        post = posts[index]
        for person_id, opened_at in openers:
            moment = min(calendar.now, opened_at + dt.timedelta(minutes=rng.random() * 30))
            if rng.random() < LIKE_SHARE_OF_OPENERS:
                likes.append((post.id, person_id, stamp(moment)))
            if rng.random() < COMMENT_SHARE_OF_OPENERS:
                text = "Thank you for the numbers."
                comments.append(
                    (post.id, person_id, text, f"<p>{text}</p>", False, False, stamp(moment))
                )
            if rng.random() < 0.001:
                restacks.append((person_id, post.id, moment))
    insert_rows(Like._meta.db_table, ["post_id", "person_id", "created_at"], likes)
    insert_rows(
        Comment._meta.db_table,
        [
            "post_id",
            "person_id",
            "body_markdown",
            "body_html",
            "is_hidden",
            "is_deleted",
            "created_at",
        ],
        comments,
    )
    Note.objects.bulk_create(  # few: bulk_create fills the defaults
        Note(author_id=person_id, restack_of_post_id=post_id, created_at=moment)
        for person_id, post_id, moment in restacks
    )
    like_counts = Counter(row[0] for row in likes)
    comment_counts = Counter(row[0] for row in comments)
    for post_id in like_counts.keys() | comment_counts.keys():
        Post.objects.filter(id=post_id).update(
            like_count=like_counts[post_id], comment_count=comment_counts[post_id]
        )


def daily_views(shape: Shape, calendar: Calendar, readers: list[Reader], rng) -> list[int]:
    """Views per day: growing with the subscribers, lower at weekends, noisy."""
    confirmed = sorted(r.confirmed_at for r in readers if r.confirmed_at)
    views = []
    for day in range(shape.days):
        reach = bisect.bisect_right(confirmed, calendar.start_of(day)) / max(1, len(confirmed))
        weekend = 0.75 if calendar.date(day).weekday() >= 5 else 1.0
        views.append(
            round(shape.daily_views() * (0.4 + 0.6 * reach) * weekend * rng.uniform(0.85, 1.15))
        )
    return views


def post_weights(posts, moment: dt.datetime, popularity: list[float]) -> list[float]:
    """Readers read the newest posts most; a popular old one keeps a long tail."""
    weights = []
    for post, popular in zip(posts, popularity, strict=True):
        if post.published_at > moment:
            weights.append(0.0)
        else:
            age = (moment - post.published_at).total_seconds() / 86_400
            weights.append(popular / (1 + age) ** 1.3)
    return weights


def write_page_hits(publication, shape, posts, readers, calendar, raw_from, rng) -> int:

    from masthead.stats.models import PageHit

    stamp = stamper()
    views = daily_views(shape, calendar, readers, rng)
    popularity = popularity_of(posts)
    columns = [
        "publication_id", "post_id", "path", "viewed_at", "visitor", "referrer_host", "country",
        "device", "utm_source", "utm_medium", "utm_campaign",
    ]  # fmt: skip

    def rows():
        for day in range(raw_from, shape.days):
            start, end = calendar.start_of(day), calendar.end_of(day)
            share = (end - start).total_seconds() / 86_400
            count = round(views[day] * min(1.0, share))
            pool = max(1, round(count * 0.6))
            visitors = [hashlib.md5(f"{day}:{n}".encode()).hexdigest() for n in range(pool)]
            countries = pick(rng, COUNTRIES, pool)
            devices = pick(rng, DEVICES, pool)
            weights = post_weights(posts, end, popularity)
            chosen = (
                rng.choices(range(len(posts)), weights=weights, k=count) if any(weights) else []
            )
            for number in range(count):
                visitor = rng.randrange(pool)
                post, path = None, None
                if chosen and rng.random() < POST_VIEW_SHARE:
                    post = posts[chosen[number]]
                    path = f"/p/{post.slug}/"
                    moment = random_moment(rng, max(start, post.published_at), end)
                else:
                    path = pick(rng, OTHER_PAGES, 1)[0]
                    moment = random_moment(rng, start, end)
                utm = rng.choice(UTM) if rng.random() < 0.1 else ("", "", "")
                yield (
                    publication.id, post.id if post else None, path, stamp(moment),
                    visitors[visitor], pick(rng, REFERRERS, 1)[0], countries[visitor],
                    devices[visitor], *utm,
                )  # fmt: skip

    return insert_rows(PageHit._meta.db_table, columns, rows())


def popularity_of(posts) -> list[float]:
    picker = random.Random(len(posts))  # the same for the raw and the old days
    return [picker.lognormvariate(0, 0.6) for _ in posts]


def bucket_of(reader: Reader) -> str:
    """The rollup's source bucket: the UTM source when there is one, else where they came from."""
    if reader.utm:
        return f"utm:{reader.utm[0]}"[:16]
    return "direct" if reader.source == "website" else reader.source


def write_old_rollups(publication, shape, posts, sends, readers, calendar, raw_from, rng) -> dict:
    """The rollup rows of the days before the raw ones, as the rollup would have written them."""
    from masthead.stats.models import (
        DailyPostStats,
        DailyPublicationStats,
        DailySourceStats,
        DailyTraffic,
    )

    days = raw_from
    if days == 0:
        return {"old_days": 0}
    gained, lost, paid_gained, paid_lost = ([0] * shape.days for _ in range(4))
    sources: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    signups: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])  # (post, day)
    for reader in readers:
        if reader.confirmed_at is None:
            continue
        day = calendar.day_of(reader.confirmed_at)
        # As the rollup counts them: a signup is paid when paid at the end of its day.
        is_paid = bool(reader.paid_from) and calendar.day_of(reader.paid_from) == day
        if reader.paid_until and calendar.day_of(reader.paid_until) == day:
            is_paid = False
        gained[day] += 1
        source = sources[day, bucket_of(reader), reader.utm[2] if reader.utm else ""]
        source[0] += 1
        source[1] += is_paid
        if reader.post_index is not None:
            signups[reader.post_index, day][1 if is_paid else 0] += 1
        if reader.unsubscribed_at:
            lost[calendar.day_of(reader.unsubscribed_at)] += 1
        if reader.paid_from:
            paid_gained[calendar.day_of(reader.paid_from)] += 1
        if reader.paid_until:
            paid_lost[calendar.day_of(reader.paid_until)] += 1
    total = list(itertools.accumulate(map(operator.sub, gained, lost)))
    paid = list(itertools.accumulate(map(operator.sub, paid_gained, paid_lost)))

    # Per post and day: views, opens, clicks, likes, comments, restacks.
    views = daily_views(shape, calendar, readers, random.Random(rng.random()))
    popularity = popularity_of(posts)
    post_days: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * 9)
    page_views: dict[int, Counter] = defaultdict(Counter)
    for day in range(days):
        weights = post_weights(posts, calendar.end_of(day), popularity)
        weight_sum = sum(weights)
        if not weight_sum:
            continue
        budget = views[day] * POST_VIEW_SHARE
        for index, weight in enumerate(weights):
            count = round(budget * weight / weight_sum)
            if count >= 2:
                post_days[index, day][0] = count
                post_days[index, day][1] = round(count * 0.8)
                page_views[day][f"/p/{posts[index].slug}/"] = count
    for index, send in enumerate(sends):
        send_day = calendar.day_of(send.started_at)
        if send_day >= days:
            continue
        likes = round(send.open_count * LIKE_SHARE_OF_OPENERS)
        comments = round(send.open_count * COMMENT_SHARE_OF_OPENERS)
        for offset, share in enumerate(DAY_SPREAD):
            if send_day + offset >= days:
                break
            row = post_days[index, send_day + offset]
            row[2] += round(send.open_count * share)
            row[3] += round(send.click_count * share)
            row[4] += round(likes * share)
            row[5] += round(comments * share)
            row[6] += rng.randrange(3) if offset < 2 else 0
    for (index, day), (free, paid_count) in signups.items():
        if day < days:
            post_days[index, day][7] += free
            post_days[index, day][8] += paid_count

    post_rows = [
        (publication.id, posts[index].id, calendar.date(day), *row)
        for (index, day), row in sorted(post_days.items())
        if any(row)
    ]
    insert_rows(
        DailyPostStats._meta.db_table,
        ["publication_id", "post_id", "day", "views", "visitors", "opens", "clicks", "likes",
         "comments", "restacks", "free_signups", "paid_signups"],
        post_rows,
    )  # fmt: skip
    from masthead.posts.models import Post

    likes, comments = Counter(), Counter()  # the old posts' counters: what their days add up to
    for (index, _), row in post_days.items():
        likes[index] += row[4]
        comments[index] += row[5]
    for index in likes.keys() | comments.keys():
        if index not in sends.openers:  # a raw post's counters are its rows'
            Post.objects.filter(id=posts[index].id).update(
                like_count=likes[index], comment_count=comments[index]
            )

    day_rows, traffic_rows = [], []
    opens_by_day, clicks_by_day, sent_by_day = Counter(), Counter(), Counter()
    for (_, day), row in post_days.items():
        opens_by_day[day] += row[2]
        clicks_by_day[day] += row[3]
    for send in sends:
        sent_by_day[calendar.day_of(send.started_at)] += send.sent_count
    for day in range(days):
        post_views = sum(page_views[day].values())
        other = max(0, views[day] - post_views)
        for path, share in OTHER_PAGES.items():
            page_views[day][path] = round(other * share)
        day_views = sum(page_views[day].values())
        day_rows.append(
            DailyPublicationStats(
                publication=publication,
                day=calendar.date(day),
                total=total[day],
                free=total[day] - paid[day],
                paid=paid[day],
                gained=gained[day],
                lost=lost[day],
                paid_gained=paid_gained[day],
                paid_lost=paid_lost[day],
                views=day_views,
                visitors=round(day_views * 0.55),
                emails_sent=sent_by_day[day],
                opens=opens_by_day[day],
                clicks=clicks_by_day[day],
            )  # fmt: skip
        )
        utm_views = round(day_views * 0.1)
        dimensions = {
            "referrer": {value: day_views * share for value, share in REFERRERS.items()},
            "country": {value: day_views * share for value, share in COUNTRIES.items()},
            "device": {value: day_views * share for value, share in DEVICES.items()},
            "utm_source": {utm[0]: utm_views / len(UTM) for utm in UTM},
            "utm_medium": {utm[1]: utm_views / len(UTM) for utm in UTM},
            "utm_campaign": {utm[2]: utm_views / len(UTM) for utm in UTM},
            "page": dict(page_views[day].most_common(20)),
        }
        for dimension, values in dimensions.items():
            for value, expected in values.items():
                count = round(expected * (rng.uniform(0.85, 1.15) if dimension != "page" else 1))
                if count and (value or dimension == "device"):  # the rollup skips blanks
                    traffic_rows.append(
                        (publication.id, calendar.date(day), dimension, value, count,
                         round(count * 0.6))
                    )  # fmt: skip
    DailyPublicationStats.objects.bulk_create(day_rows, batch_size=5_000)
    insert_rows(
        DailyTraffic._meta.db_table,
        ["publication_id", "day", "dimension", "value", "views", "visitors"],
        traffic_rows,
    )
    source_rows = [
        DailySourceStats(
            publication=publication,
            day=calendar.date(day),
            source=source,
            campaign=campaign,
            gained=counts[0],
            paid_gained=counts[1],
        )  # fmt: skip
        for (day, source, campaign), counts in sorted(sources.items())
        if day < days
    ]
    DailySourceStats.objects.bulk_create(source_rows, batch_size=5_000)
    return {
        "old_days": days,
        "daily_publication_rows": len(day_rows),
        "daily_source_rows": len(source_rows),
        "daily_traffic_rows": len(traffic_rows),
        "daily_post_rows": len(post_rows),
    }


def shape_from(arguments: list[str] | None = None) -> Shape:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_shape_arguments(parser)
    return shape_of(parser, parser.parse_args(arguments))


def add_shape_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--subscribers", type=int, default=SUBSCRIBERS)
    parser.add_argument("--posts", type=int, default=POSTS)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--raw-days", type=int, default=RAW_DAYS, help="days with raw rows")
    parser.add_argument("--views-per-day", type=int, default=None)


def shape_of(parser: argparse.ArgumentParser, options) -> Shape:
    if options.subscribers < 10 or options.posts < 1 or options.days < 2:
        parser.error("--subscribers must be at least 10, --posts 1 and --days 2")
    if not 1 <= options.raw_days <= options.days:
        parser.error("--raw-days must be between 1 and --days")
    if options.views_per_day is not None and options.views_per_day < 0:
        parser.error("--views-per-day cannot be negative")
    return Shape(
        options.subscribers, options.posts, options.days, options.raw_days, options.views_per_day
    )


def main() -> None:
    shape = shape_from()
    setup()
    built = generate(shape)
    print("BUILT " + json.dumps(built), flush=True)


if __name__ == "__main__":
    main()
