"""The rollup: a publication's day rebuilt from hand-built data, in a zone west of UTC."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription, Plan, PlanInterval
from masthead.delivery import tracking
from masthead.delivery.models import (
    Delivery,
    DeliveryState,
    Send,
    SendKind,
    SendState,
)
from masthead.engagement.models import Comment, Like
from masthead.notes.models import Note
from masthead.stats.models import (
    DailyPostStats,
    DailyPublicationStats,
    DailySourceStats,
    DailyTraffic,
    PageHit,
    PostLinkClicks,
    PostTotals,
    RollupRun,
    SubscriberActivity,
)
from masthead.stats.rollups import rebuild_day, rebuild_recent
from masthead.stats.rollups.activity import stars_for
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 15)  # in New York: 05:00 UTC on the 15th to 05:00 UTC on the 16th


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=dt.UTC)


NOW = utc(16, 7)  # 02:00 on the 16th in New York: DAY is yesterday there


def subscribe(publication, *, confirmed_at=None, **fields) -> Subscription:
    fields.setdefault("status", SubscriptionStatus.ACTIVE)
    return Subscription.objects.create(
        publication=publication,
        person=make_person(),
        confirmed_at=confirmed_at,
        created_at=confirmed_at or utc(1, 12),
        **fields,
    )


def make_send(post, links: list[str], recipient_count: int) -> Send:
    return Send.objects.create(
        publication=post.publication,
        post=post,
        kind=SendKind.NEWSLETTER,
        state=SendState.DONE,
        sender="Writer <w@example.com>",
        subject=post.title,
        html_template="<p>hi</p>",
        text_template="hi",
        is_tracked=True,
        tracked_links=links,
        recipient_count=recipient_count,
    )


def deliver(send, subscription, *, sent_at, opened_at=None, clicks=()) -> Delivery:
    """A delivery sent at `sent_at`, opened and clicked through the tracking code at those
    moments, so the send's counters move as they do in the field."""
    delivery = Delivery.objects.create(
        send=send,
        subscription=subscription,
        email=subscription.person.email,
        state=DeliveryState.SENT,
        sent_at=sent_at,
    )
    Send.objects.filter(id=send.id).update(sent_count=F("sent_count") + 1)  # as the sender does
    if opened_at is not None:
        with time_machine.travel(opened_at, tick=False):
            tracking.record_open(delivery)
    for link_index, moment in clicks:
        with time_machine.travel(moment, tick=False):
            tracking.record_click(delivery, link_index)
    return delivery


def hit(publication, visitor: str, at, *, post=None, path="/", **fields) -> None:
    PageHit.objects.create(
        publication=publication, post=post, path=path, viewed_at=at, visitor=visitor, **fields
    )


@pytest.fixture
def world():
    publication = make_publication()
    publication.time_zone = "America/New_York"
    publication.save(update_fields=["time_zone"])
    post = make_post(publication, "One", published_at=utc(15, 13))
    other = make_post(publication, "Two", published_at=utc(2, 13))
    s = {
        # 23:30 on the 14th in New York: before the day, although the 15th in UTC.
        "before": subscribe(publication, confirmed_at=utc(15, 4, 30)),
        # 23:30 on the 15th in New York: gained on the day, although the 16th in UTC.
        "late": subscribe(
            publication, confirmed_at=utc(16, 4, 30), source=SubscriptionSource.REFERRAL
        ),
        "left": subscribe(
            publication,
            confirmed_at=utc(10, 12),
            status=SubscriptionStatus.UNSUBSCRIBED,
            unsubscribed_at=utc(16, 4, 59),  # 23:59 on the 15th: lost that day
        ),
        "left_next_day": subscribe(
            publication,
            confirmed_at=utc(10, 12),
            status=SubscriptionStatus.UNSUBSCRIBED,
            unsubscribed_at=utc(16, 5, 30),  # 00:30 on the 16th: still there at the day's end
        ),
        "paying": subscribe(publication, confirmed_at=utc(1, 12)),
        "comped": subscribe(publication, confirmed_at=utc(1, 12)),
        "pending": subscribe(publication, status=SubscriptionStatus.PENDING),
        "imported": subscribe(publication, source=SubscriptionSource.IMPORT),
        "campaign": subscribe(
            publication,
            confirmed_at=utc(15, 15),
            utm_source="twitter",
            utm_campaign="launch",
            attributed_post=post,
        ),
    }
    plan = Plan.objects.create(
        publication=publication,
        interval=PlanInterval.MONTH,
        name="Monthly",
        amount=500,
        currency="usd",
        stripe_plan_id=f"plan_{publication.id}",
    )
    PaidSubscription.objects.create(
        subscription=s["paying"],
        plan=plan,
        stripe_subscription_id=f"sub_{publication.id}",
        status="active",
        started_at=utc(15, 12),
    )
    AccessGrant.objects.create(
        publication=publication,
        person=s["comped"].person,
        kind=GrantKind.COMP,
        starts_at=utc(1, 12),
    )
    send = make_send(post, ["https://a.example/", "https://b.example/", "https://c.example/"], 4)
    deliver(
        send,
        s["before"],
        sent_at=utc(15, 14),
        opened_at=utc(15, 15),
        clicks=[(0, utc(15, 15)), (1, utc(15, 15, 5))],
    )
    # Opened and clicked at 01:00 on the 16th in New York: not the day's.
    deliver(send, s["late"], sent_at=utc(15, 14), opened_at=utc(16, 6), clicks=[(0, utc(16, 6))])
    # Imported history: an open and no events.
    deliver(send, s["left_next_day"], sent_at=utc(15, 14), opened_at=utc(15, 16))
    deliver(send, s["paying"], sent_at=utc(15, 14))
    path = f"/p/{post.slug}/"
    hit(
        publication,
        "a",
        utc(15, 10),
        post=post,
        path=path,
        referrer_host="hn.example",
        country="US",
        device="desktop",
    )
    hit(
        publication,
        "a",
        utc(15, 11),
        post=post,
        path=path,
        referrer_host="hn.example",
        country="US",
        device="desktop",
    )
    hit(publication, "b", utc(15, 12), post=post, path=path, device="mobile")
    hit(publication, "a", utc(15, 4, 59), path="/")  # 23:59 on the 14th
    Like.objects.create(post=post, person=make_person(), created_at=utc(15, 18))
    Like.objects.create(post=other, person=make_person(), created_at=utc(3, 18))
    for is_deleted in (False, True):
        Comment.objects.create(
            post=post,
            person=s["late"].person,
            body_markdown="Hi",
            body_html="<p>Hi</p>",
            is_deleted=is_deleted,
            created_at=utc(15, 19),
        )
    Note.objects.create(author=make_person(), restack_of_post=post, created_at=utc(15, 20))
    Note.objects.create(
        author=make_person(), restack_of_post=post, created_at=utc(15, 20), is_deleted=True
    )
    return {"publication": publication, "post": post, "other": other, "subscriptions": s}


def test_day_figures_follow_the_publications_midnight(world):
    rebuild_day(world["publication"], DAY, now=NOW)

    row = DailyPublicationStats.objects.get(publication=world["publication"], day=DAY)
    figures = {field: getattr(row, field) for field in FIGURES}
    assert figures == {
        "total": 7,  # before, late, left_next_day, paying, comped, imported, campaign
        "paid": 2,
        "free": 5,
        "gained": 2,  # late, campaign
        "lost": 1,
        "paid_gained": 1,
        "paid_lost": 0,
        "views": 3,
        "visitors": 2,
        "emails_sent": 4,
        "opens": 2,
        "clicks": 2,
    }


FIGURES = (
    "total",
    "paid",
    "free",
    "gained",
    "lost",
    "paid_gained",
    "paid_lost",
    "views",
    "visitors",
    "emails_sent",
    "opens",
    "clicks",
)


def test_sources_bucket_direct_referral_and_utm(world):
    rebuild_day(world["publication"], DAY, now=NOW)

    rows = DailySourceStats.objects.filter(publication=world["publication"], day=DAY)
    assert sorted(rows.values_list("source", "campaign", "gained", "paid_gained")) == [
        ("referral", "", 1, 0),
        ("utm:twitter", "launch", 1, 0),
    ]


def test_traffic_counts_views_and_distinct_visitors_per_value(world):
    rebuild_day(world["publication"], DAY, now=NOW)

    rows = DailyTraffic.objects.filter(publication=world["publication"], day=DAY)
    assert sorted(rows.values_list("dimension", "value", "views", "visitors")) == [
        ("country", "US", 2, 1),
        ("device", "desktop", 2, 1),
        ("device", "mobile", 1, 1),
        ("page", f"/p/{world['post'].slug}/", 3, 2),
        ("referrer", "hn.example", 2, 1),
    ]


def test_post_day_and_totals(world):
    post = world["post"]
    rebuild_day(world["publication"], DAY, now=NOW)

    day_row = DailyPostStats.objects.get(post=post, day=DAY)
    assert (
        day_row.views,
        day_row.visitors,
        day_row.opens,
        day_row.clicks,
        day_row.likes,
        day_row.comments,
        day_row.restacks,
        day_row.free_signups,
        day_row.paid_signups,
    ) == (3, 2, 2, 2, 1, 1, 1, 1, 0)
    assert not DailyPostStats.objects.filter(post=world["other"]).exists()
    totals = PostTotals.objects.get(post=post)
    assert (totals.recipients, totals.delivered, totals.opens, totals.clicks, totals.clickers) == (
        4,
        4,
        3,
        3,
        2,
    )
    assert (totals.views, totals.visitors, totals.likes, totals.comments, totals.restacks) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert PostTotals.objects.get(post=world["other"]).likes == 1  # to date, not the day's
    links = PostLinkClicks.objects.filter(post=post).order_by("link_index")
    assert list(links.values_list("link_index", "url", "clicks", "clickers")) == [
        (0, "https://a.example/", 2, 2),
        (1, "https://b.example/", 1, 1),
        (2, "https://c.example/", 0, 0),
    ]


def test_subscriber_activity_stars_and_engagement(world):
    s = world["subscriptions"]
    rebuild_day(world["publication"], DAY, now=NOW)

    clicker = SubscriberActivity.objects.get(subscription=s["before"])
    assert (clicker.emails_30d, clicker.opens_30d, clicker.clicks_30d, clicker.stars) == (
        1,
        1,
        2,
        5,
    )
    assert clicker.first_engaged_at == utc(15, 15)
    assert clicker.last_engaged_at == utc(15, 15, 5)
    imported = SubscriberActivity.objects.get(subscription=s["left_next_day"])
    assert (imported.opens_30d, imported.stars) == (1, 4)
    assert SubscriberActivity.objects.get(subscription=s["paying"]).stars == 0
    commenter = SubscriberActivity.objects.get(subscription=s["late"])
    assert commenter.first_engaged_at == utc(15, 19)  # the comment; the open came after the end
    assert not SubscriberActivity.objects.filter(subscription=s["pending"]).exists()


def test_old_days_leave_subscriber_activity_alone(world):
    rebuild_day(world["publication"], dt.date(2026, 1, 5), now=NOW)

    assert not SubscriberActivity.objects.exists()
    assert RollupRun.objects.filter(publication=world["publication"]).count() == 1


def rows_of(publication) -> dict[str, list]:
    """Every rollup row of the publication, as plain values (ids and clocks left out)."""
    skip = {"id", "updated_at", "finished_at", "seconds"}
    tables = {
        model: model.objects.filter(publication=publication)
        for model in (
            DailyPublicationStats,
            DailySourceStats,
            DailyTraffic,
            DailyPostStats,
            PostTotals,
            SubscriberActivity,
            RollupRun,
        )
    }
    tables[PostLinkClicks] = PostLinkClicks.objects.filter(post__publication=publication)
    snapshot = {}
    for model, rows in tables.items():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        snapshot[model.__name__] = sorted(rows.values_list(*fields))
    return snapshot


def test_rebuilding_twice_gives_the_same_rows(world):
    publication = world["publication"]
    rebuild_day(publication, DAY, now=NOW)
    first = rows_of(publication)
    rebuild_day(publication, DAY, now=NOW)

    assert rows_of(publication) == first
    assert all(first.values())  # every table has rows: the comparison compares something


def test_rebuilding_today_writes_every_confirmed_subscribers_activity(world):
    publication = world["publication"]
    rebuild_day(publication, DAY, now=utc(15, 14, 30))

    assert SubscriberActivity.objects.filter(publication=publication).count() == 8


def test_rebuild_day_runs_a_fixed_number_of_queries(django_assert_num_queries):
    def publication_with(post_count: int):
        publication = make_publication()
        for number in range(post_count):
            post = make_post(publication, published_at=utc(2, 12))
            subscription = subscribe(publication, confirmed_at=utc(15, 12), attributed_post=post)
            send = make_send(post, ["https://a.example/"], 1)
            deliver(
                send,
                subscription,
                sent_at=utc(15, 13),
                opened_at=utc(15, 14),
                clicks=[(0, utc(15, 14))],
            )
            hit(publication, f"v{number}", utc(15, 15), post=post, path=f"/p/{number}/")
            Like.objects.create(post=post, person=subscription.person, created_at=utc(15, 16))
        return publication

    small, large = publication_with(3), publication_with(30)
    # A first rebuild writes every subscriber's activity row; later ones only those that changed.
    rebuild_day(small, DAY, now=NOW)
    rebuild_day(large, DAY, now=NOW)
    with CaptureQueriesContext(connection) as small_queries:
        rebuild_day(small, DAY, now=NOW)

    with django_assert_num_queries(len(small_queries)):
        rebuild_day(large, DAY, now=NOW)
    assert DailyPostStats.objects.filter(publication=large, day=DAY).count() == 30


def test_rebuild_recent_rebuilds_today_and_yesterday_and_prunes_old_hits(world, settings):
    settings.STATS_RAW_DAYS = 10
    publication = world["publication"]
    rebuilt = rebuild_recent(NOW)

    assert rebuilt == 2
    assert set(RollupRun.objects.filter(publication=publication).values_list("day", flat=True)) == {
        DAY,
        DAY + dt.timedelta(days=1),
    }
    assert SubscriberActivity.objects.filter(publication=publication).exists()
    rebuild_recent(NOW + dt.timedelta(days=20))
    assert not PageHit.objects.exists()


@pytest.mark.parametrize(
    ("emails", "opens", "clicks", "stars"),
    [
        (0, 0, 0, 0),
        (4, 0, 0, 0),
        (10, 1, 0, 1),
        (4, 1, 0, 2),
        (4, 2, 0, 3),
        (4, 3, 0, 4),
        (4, 4, 1, 5),
        (4, 1, 3, 3),
    ],
)
def test_stars_grow_with_the_share_opened_and_clicking(emails, opens, clicks, stars):
    assert stars_for(emails, opens, clicks) == stars


def test_a_rebuild_rewrites_the_activity_that_changed(world):
    s = world["subscriptions"]
    rebuild_day(world["publication"], DAY, now=NOW)
    untouched = SubscriberActivity.objects.get(subscription=s["before"]).updated_at
    Delivery.objects.filter(subscription=s["paying"]).update(opened_at=utc(15, 20))

    rebuild_day(world["publication"], DAY, now=NOW + dt.timedelta(minutes=5))

    changed = SubscriberActivity.objects.get(subscription=s["paying"])
    assert (changed.opens_30d, changed.stars, changed.last_engaged_at) == (1, 4, utc(15, 20))
    assert changed.updated_at == NOW + dt.timedelta(minutes=5)
    assert SubscriberActivity.objects.get(subscription=s["before"]).updated_at == untouched


def test_rebuild_recent_skips_publications_rolled_up_moments_ago(world):
    assert rebuild_recent(NOW) == 2

    assert rebuild_recent(NOW, skip_fresher_than=60) == 0
    RollupRun.objects.update(finished_at=NOW - dt.timedelta(days=1))
    assert rebuild_recent(NOW, skip_fresher_than=60) == 2


def test_activity_keeps_an_old_first_engagement_and_moves_the_last_one():
    publication = make_publication()
    reader = subscribe(publication, confirmed_at=utc(1, 12) - dt.timedelta(days=200))
    old_send = make_send(make_post(publication, "Old"), [], 1)
    long_ago = utc(1, 12) - dt.timedelta(days=100)
    deliver(old_send, reader, sent_at=long_ago, opened_at=long_ago + dt.timedelta(hours=1))
    rebuild_day(publication, DAY, now=NOW, with_activity=True)
    first = SubscriberActivity.objects.get(subscription=reader)
    assert first.first_engaged_at == first.last_engaged_at == long_ago + dt.timedelta(hours=1)
    assert (first.emails_30d, first.stars) == (0, 0)  # nothing sent in the last 30 days

    new_send = make_send(make_post(publication, "New"), [], 1)
    deliver(new_send, reader, sent_at=utc(15, 14), opened_at=utc(15, 15))
    rebuild_day(publication, DAY, now=NOW, with_activity=True)

    again = SubscriberActivity.objects.get(subscription=reader)
    assert (again.first_engaged_at, again.last_engaged_at) == (
        long_ago + dt.timedelta(hours=1),  # kept, though older than the window read now
        utc(15, 15),
    )
    assert (again.emails_30d, again.opens_30d, again.stars) == (1, 1, 4)
