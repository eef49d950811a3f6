"""The generator of `make bench-stats` (bench/stats_data.py), run small: what it promises."""

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.db.models import Q

from masthead.billing.models import AccessGrant, PaidSubscription
from masthead.delivery.models import Delivery, DeliveryEvent, Send
from masthead.publications.models import Membership, Publication, Role
from masthead.stats.models import DailyPostStats, DailyPublicationStats, PageHit
from masthead.subscriptions.models import Subscription

BENCH = Path(__file__).resolve().parents[2] / "bench" / "stats_data.py"
SUBSCRIBERS, POSTS, DAYS, RAW_DAYS = 400, 12, 30, 3


def load_generator():
    spec = importlib.util.spec_from_file_location("stats_data", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def generated(db):
    generator = load_generator()
    shape = generator.Shape(SUBSCRIBERS, POSTS, DAYS, RAW_DAYS, views_per_day=200)
    built = generator.generate(shape)
    publication = Publication.objects.get(slug=built["publication"])
    first_raw = dt.date.fromisoformat(built["raw_days"][0])
    now = dt.datetime.fromisoformat(built["now"])
    calendar = generator.Calendar(generator.zoneinfo.ZoneInfo(publication.time_zone), now, DAYS)
    return built, publication, first_raw, calendar


def subscribed_at(publication, moment) -> int:
    return Subscription.objects.filter(
        Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gt=moment),
        publication=publication,
        confirmed_at__lte=moment,
    ).count()


def test_the_year_has_the_promised_readers_posts_and_an_owner(generated):
    built, publication, _, _ = generated
    subscriptions = Subscription.objects.filter(publication=publication)
    assert subscriptions.count() == SUBSCRIBERS == built["counts"]["subscriptions"]
    assert set(subscriptions.values_list("source", flat=True)) == {
        "website", "referral", "recommendation", "import",
    }  # fmt: skip
    assert subscriptions.exclude(utm_campaign="").exists()
    assert subscriptions.filter(attributed_post__isnull=False).exists()
    assert subscriptions.filter(status="unsubscribed", unsubscribed_at__isnull=False).exists()
    paid = PaidSubscription.objects.filter(subscription__publication=publication).count()
    assert 0.02 * SUBSCRIBERS <= paid <= 0.08 * SUBSCRIBERS
    assert AccessGrant.objects.filter(publication=publication).count() == built["counts"]["comps"]
    assert (
        Membership.objects.get(publication=publication, role=Role.OWNER).person.email
        == (built["owner_email"])
    )
    assert publication.posts.filter(status="published").count() == POSTS


def test_every_post_has_a_finished_send_with_three_tracked_links(generated):
    _, publication, _, _ = generated
    sends = Send.objects.filter(publication=publication)
    assert sends.count() == POSTS
    assert set(sends.values_list("state", flat=True)) == {"done"}
    assert all(len(send.tracked_links) == 3 and send.recipient_count > 0 for send in sends)


def test_deliveries_are_written_for_the_raw_days_sends_only_one_per_recipient(generated):
    _, publication, first_raw, calendar = generated
    raw_start = calendar.start_of((first_raw - calendar.first_day).days)
    raw_sends = Send.objects.filter(publication=publication, started_at__gte=raw_start)
    assert raw_sends.exists()
    for send in raw_sends:
        assert (
            send.deliveries.count()
            == send.recipient_count
            == (subscribed_at(publication, send.started_at))
        )
    assert not Delivery.objects.filter(send__started_at__lt=raw_start).exists()
    deliveries = Delivery.objects.filter(send__publication=publication)
    opened = deliveries.filter(opened_at__isnull=False).count() / deliveries.count()
    assert 0.3 < opened < 0.6
    clicks = DeliveryEvent.objects.filter(kind="click", delivery__send__publication=publication)
    assert clicks.exists()
    assert set(clicks.values_list("link_index", flat=True)) <= {0, 1, 2}


def test_page_hits_fall_on_raw_days_and_rollup_rows_on_the_days_before(generated):
    _, publication, first_raw, calendar = generated
    raw_start = calendar.start_of((first_raw - calendar.first_day).days)
    hits = PageHit.objects.filter(publication=publication)
    assert hits.count() > 200
    assert not hits.filter(viewed_at__lt=raw_start).exists()
    days = DailyPublicationStats.objects.filter(publication=publication)
    assert days.count() == DAYS - RAW_DAYS
    assert not days.filter(day__gte=first_raw).exists()
    assert not DailyPostStats.objects.filter(publication=publication, day__gte=first_raw).exists()


def test_the_old_days_subscriber_numbers_are_counted_from_the_subscriptions(generated):
    _, publication, first_raw, calendar = generated
    for day in (calendar.first_day, first_raw - dt.timedelta(days=1)):
        row = DailyPublicationStats.objects.get(publication=publication, day=day)
        end = calendar.start_of((day - calendar.first_day).days + 1)
        assert row.total == subscribed_at(publication, end)
        assert row.free + row.paid == row.total


def test_the_rollup_rebuilds_the_last_old_day_as_the_generator_wrote_it(generated):
    from masthead.stats.rollups import rebuild_day

    _, publication, first_raw, _ = generated
    day = first_raw - dt.timedelta(days=1)
    fields = ["total", "free", "paid", "gained", "lost", "paid_gained", "paid_lost"]
    written = DailyPublicationStats.objects.filter(publication=publication, day=day).values(*fields)
    expected = dict(written.get())
    rebuild_day(publication, day)
    assert dict(written.get()) == expected
