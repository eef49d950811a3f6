"""Chat fixtures: a publication with a writer, a subscriber and an outsider."""

import itertools

import pytest

from masthead.chat import services
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories

_client_ids = itertools.count(1)


def client_id() -> str:
    """A client-generated id, as chat.js makes them."""
    return f"test-client-{next(_client_ids):06d}"


def start_thread(person, publication, body="Welcome to the chat", **fields):
    message, _ = services.post_thread(
        person, publication, client_id=client_id(), body=body, **fields
    )
    return message


@pytest.fixture
def writer(publication):
    person = factories.make_person(name="Wendy Writer")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def subscriber(publication):
    person = factories.make_person(name="Sam Subscriber")
    Subscription.objects.create(
        publication=publication, person=person, status=SubscriptionStatus.ACTIVE
    )
    return person


@pytest.fixture
def outsider(db):
    return factories.make_person(name="Olive Outsider")
