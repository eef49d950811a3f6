"""The weekly digest: the week's posts in one email, once a week, to the readers who chose it."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from masthead.automations.digest import save_digest_settings
from masthead.automations.models import DigestRun
from masthead.automations.services import run_due_automations
from masthead.delivery.models import Delivery, Send, SendKind
from masthead.posts.models import Audience
from masthead.subscriptions.models import Subscription
from tests import factories
from tests.automations.conftest import automation_mail, confirmed_subscriber

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:00 in Paris (07:00 UTC).
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONDAY_8 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=PARIS)


@pytest.fixture
def digest_reader(publication):
    publication.time_zone = "Europe/Paris"
    publication.save(update_fields=["time_zone"])
    with time_machine.travel(MONDAY_8 - dt.timedelta(days=20), tick=False):
        subscription = confirmed_subscriber(publication, "weekly@example.com")
        confirmed_subscriber(publication, "each-post@example.com")
    Subscription.objects.filter(id=subscription.id).update(gets_weekly_digest=True)
    return subscription


@pytest.fixture
def week_posts(publication):
    day = dt.timedelta(days=1)
    return {
        "free": factories.make_post(
            publication,
            "Free this week",
            subtitle="A subtitle",
            published_at=MONDAY_8 - 2 * day,
            body="Everyone may read this opening.",
        ),
        "paid": factories.make_post(
            publication,
            "Paid this week",
            audience=Audience.PAID,
            published_at=MONDAY_8 - 3 * day,
            body="The free opening.\n\n<!-- paywall -->\n\nSECRET PAID WORDS stay behind.",
        ),
        "old": factories.make_post(publication, "Last month", published_at=MONDAY_8 - 20 * day),
        "page": factories.make_post(
            publication, "About page", kind="page", published_at=MONDAY_8 - day
        ),
    }


def test_the_digest_lists_the_weeks_posts_without_paid_bodies(
    publication, digest_reader, week_posts, smtp_sink, run_worker
):
    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=True):
        assert run_due_automations() == 1
        run_worker()
    (message,) = automation_mail(smtp_sink, f"This week in {publication.name}")
    assert message.envelope_to == ["weekly@example.com"]
    assert "Free this week" in message.text and "A subtitle" in message.text
    assert "Everyone may read this opening." in message.text
    assert "Paid this week" in message.text and "The free opening." in message.text
    assert "SECRET PAID WORDS" not in message.text + message.html
    assert "Last month" not in message.text and "About page" not in message.text
    assert "/unsubscribe/" in message.text


def test_the_digest_goes_once_a_week(publication, digest_reader, week_posts):
    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=False):
        assert run_due_automations() == 1
        assert run_due_automations() == 0
    with time_machine.travel(MONDAY_8 + dt.timedelta(days=3), tick=False):
        assert run_due_automations() == 0
    assert Send.objects.filter(kind=SendKind.DIGEST).count() == 1
    assert DigestRun.objects.get().week_of == dt.date(2026, 3, 2)


def test_not_before_its_hour_in_the_publications_time_zone(publication, digest_reader, week_posts):
    with time_machine.travel(MONDAY_8 - dt.timedelta(minutes=5), tick=False):
        run_due_automations()
    assert not Send.objects.filter(
        kind=SendKind.DIGEST, created_at__gte=MONDAY_8 - dt.timedelta(hours=1)
    ).exists()
    assert not DigestRun.objects.filter(week_of=dt.date(2026, 3, 2)).exists()


def test_no_digest_when_there_were_no_posts(publication, digest_reader):
    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=False):
        assert run_due_automations() == 0
    assert not Send.objects.filter(kind=SendKind.DIGEST).exists()
    assert DigestRun.objects.get().post_count == 0


def test_the_chosen_weekday_and_hour_are_kept(publication, digest_reader, week_posts):
    save_digest_settings(publication, is_on=True, weekday=4, hour=17)  # Friday 17:00
    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=False):
        assert run_due_automations() == 0
    friday_5pm = dt.datetime(2026, 3, 6, 17, 1, tzinfo=PARIS)
    factories.make_post(publication, "Thursday's", published_at=friday_5pm - dt.timedelta(days=1))
    with time_machine.travel(friday_5pm, tick=False):
        assert run_due_automations() == 1
    assert Delivery.objects.get(send__kind=SendKind.DIGEST).email == "weekly@example.com"


def test_a_digest_switched_off_is_not_sent(publication, digest_reader, week_posts):
    save_digest_settings(publication, is_on=False, weekday=0, hour=8)
    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=False):
        assert run_due_automations() == 0


def test_the_calendar_shows_a_digest_that_went_out_and_the_coming_ones(
    publication, digest_reader, week_posts
):
    from masthead.automations.queries import scheduled_between

    with time_machine.travel(MONDAY_8 + dt.timedelta(minutes=5), tick=False):
        run_due_automations()
    window = (MONDAY_8 - dt.timedelta(days=14), MONDAY_8 + dt.timedelta(days=8))
    with time_machine.travel(MONDAY_8 + dt.timedelta(days=1), tick=False):
        entries = scheduled_between(publication, *window)

    digests = [
        (entry.when.date(), entry.kind_label)
        for entry in entries
        if "digest" in entry.title.lower()
    ]
    # The two Mondays before had no digest (nothing went out); this one did; next week's comes.
    assert digests == [
        (dt.date(2026, 3, 2), "Weekly digest (sent)"),
        (dt.date(2026, 3, 9), "Weekly digest"),
    ]
