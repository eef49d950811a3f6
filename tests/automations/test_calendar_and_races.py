"""What the desk calendar gets from automations, and two workers queueing the same email."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Exists, OuterRef

from masthead.automations import queries, services
from masthead.automations.models import AutomationDelivery
from masthead.automations.queries import scheduled_between
from masthead.delivery.models import Delivery, Send, SendKind
from masthead.subscriptions.models import Subscription
from tests.automations.conftest import confirmed_subscriber, make_email

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_calendar_shows_upcoming_emails_per_day_and_the_next_digests(publication):
    publication.time_zone = "UTC"
    publication.save(update_fields=["time_zone"])
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        email = make_email(publication, delay_days=3, subject="Our best posts")
    with time_machine.travel(START, tick=False):
        for n in range(3):
            confirmed_subscriber(publication, f"r{n}@example.com")
    window = (START, START + dt.timedelta(days=14))
    with time_machine.travel(START, tick=False):
        entries = scheduled_between(publication, *window)
    emails = [entry for entry in entries if entry.kind_label == "Welcome sequence"]
    assert [(e.when.date(), e.count) for e in emails] == [(dt.date(2026, 3, 5), 3)]
    assert "Our best posts" in emails[0].title
    assert emails[0].url.endswith(f"/automations/{email.id}/")
    digests = [entry.when for entry in entries if entry.kind_label == "Weekly digest"]
    assert [moment.isoformat() for moment in digests] == [
        "2026-03-09T08:00:00+00:00",
        "2026-03-16T08:00:00+00:00",
    ]
    assert [entry.when for entry in entries] == sorted(entry.when for entry in entries)


def test_past_digests_show_only_when_one_went_out(publication):
    """A past digest moment shows on the calendar only if a digest was sent then; the coming
    ones show from now on."""
    publication.time_zone = "UTC"
    publication.save(update_fields=["time_zone"])
    window = (START - dt.timedelta(days=14), START + dt.timedelta(days=8))
    with time_machine.travel(START, tick=False):
        entries = scheduled_between(publication, *window)
    digests = [entry.when.isoformat() for entry in entries if "digest" in entry.title.lower()]
    assert digests == ["2026-03-09T08:00:00+00:00"]


def test_the_calendar_costs_a_few_queries_whatever_the_subscribers(
    publication, django_assert_max_num_queries
):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        make_email(publication, delay_days=3)
        make_email(publication, kind="win_back", delay_days=1)
    with time_machine.travel(START, tick=False):
        for n in range(12):
            confirmed_subscriber(publication, f"r{n}@example.com")
    with django_assert_max_num_queries(6):
        scheduled_between(publication, START, START + dt.timedelta(days=30))


def test_a_second_worker_that_did_not_see_the_first_ones_rows_queues_nothing(
    publication, monkeypatch
):
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        email = make_email(publication)
    with time_machine.travel(START, tick=False):
        confirmed_subscriber(publication, "new@example.com")
        assert services.run_due_automations() == 1

        # As a worker whose snapshot predates the first one's commit: every reader looks due.
        def blind(email, now):
            already = AutomationDelivery.objects.filter(email=email, subscription=OuterRef("pk"))
            assert Subscription.objects.filter(Exists(already)).exists()
            return queries.reachable_subscriptions(email.publication_id)

        monkeypatch.setattr(services, "due_subscriptions", blind)
        assert services.queue_email(email, START) == 0
    assert Delivery.objects.count() == 1
    assert Send.objects.filter(kind=SendKind.AUTOMATION).count() == 1
