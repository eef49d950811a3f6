"""The subscribe form tells nobody who subscribes: one answer for every address; an address that
is subscribed already hears so by email, at most once an hour."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def subscribe(client, email):
    return client.post(reverse("subscriptions:subscribe"), {"email": email})


def subscription(publication, email, status, sent_minutes_ago=None):
    sent_at = None
    if sent_minutes_ago is not None:
        sent_at = timezone.now() - dt.timedelta(minutes=sent_minutes_ago)
    return Subscription.objects.create(
        publication=publication,
        person=make_person(email=email),
        status=status,
        confirmation_requested_at=sent_at,
        confirmation_sent_at=sent_at,
        confirmed_at=timezone.now() if status == SubscriptionStatus.ACTIVE else None,
    )


def notices_to(sink, email):
    return [m for m in sink.to(email) if m.subject.startswith("You're already subscribed")]


def test_the_page_answers_alike_for_new_waiting_just_sent_and_subscribed_addresses(
    client, publication, smtp_sink, django_capture_on_commit_callbacks
):
    subscription(publication, "waiting@example.com", SubscriptionStatus.PENDING, 60)
    subscription(publication, "just-sent@example.com", SubscriptionStatus.PENDING, 1)
    subscription(publication, "subscribed@example.com", SubscriptionStatus.ACTIVE)
    emails = ["new@example.com", "waiting@example.com", "just-sent@example.com",
              "subscribed@example.com"]  # fmt: skip

    answers = []
    for email in emails:
        with django_capture_on_commit_callbacks(execute=True):
            response = subscribe(client, email)
        answers.append((response.status_code, response.text.replace(email, "X")))

    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers)


def test_a_subscribed_address_is_told_by_email_once_an_hour_and_the_page_stays_the_same(
    client, publication, smtp_sink, run_worker, django_capture_on_commit_callbacks
):
    subscription(publication, "loyal@example.com", SubscriptionStatus.ACTIVE)
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    texts = []

    for minutes in (0, 1, 2):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                response = subscribe(client, "loyal@example.com")
            run_worker()
        texts.append((response.status_code, response.text))
    assert len(notices_to(smtp_sink, "loyal@example.com")) == 1
    assert texts[1] == texts[0] and texts[2] == texts[0]

    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            subscribe(client, "loyal@example.com")
        run_worker()
    assert len(notices_to(smtp_sink, "loyal@example.com")) == 2
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_the_notice_links_to_the_account_and_to_unsubscribe_on_the_publications_address(
    client, publication, settings, smtp_sink, run_worker, django_capture_on_commit_callbacks
):
    settings.BASE_URL = "https://install.example.org"
    subscription(publication, "loyal@example.com", SubscriptionStatus.ACTIVE)

    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "loyal@example.com")
    run_worker()

    notice = notices_to(smtp_sink, "loyal@example.com")[0]
    assert "The Daily Build" in notice.header("From")
    links = notice.links()
    assert "https://install.example.org/account/" in links
    unsubscribe = notice.header("List-Unsubscribe").strip("<>")
    assert unsubscribe in links and unsubscribe.startswith("https://install.example.org/")
    path = re.sub(r"^https?://[^/]+", "", unsubscribe)
    assert client.get(path).status_code == 200
    assert 'href="https://install.example.org/account/"' in notice.html
