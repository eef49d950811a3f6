"""Fixtures for sending posts by email: subscribers in each state, and fast retries."""

import pytest
from django.utils import timezone

from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories


def add_subscriber(publication, email: str, status: str = SubscriptionStatus.ACTIVE):
    person = factories.make_person(email=email)
    return Subscription.objects.create(
        publication=publication,
        person=person,
        status=status,
        confirmed_at=timezone.now() if status == SubscriptionStatus.ACTIVE else None,
    )


@pytest.fixture
def subscribers(publication):
    """Three active subscribers, one pending and one unsubscribed."""
    return {
        "active": [add_subscriber(publication, f"reader{n}@example.com") for n in range(3)],
        "pending": add_subscriber(publication, "pending@example.com", SubscriptionStatus.PENDING),
        "unsubscribed": add_subscriber(
            publication, "gone@example.com", SubscriptionStatus.UNSUBSCRIBED
        ),
    }


@pytest.fixture(autouse=True)
def fast_delivery(settings):
    settings.DELIVERY_RETRY_SCHEDULE_SECONDS = (0, 0)
    settings.DELIVERY_SMTP_RETRY_SECONDS = 60
