"""Fixtures for notes: a publication writer, signed-in clients, notes made through the service."""

import pytest
from django.test import Client

from masthead.notes import services
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories


@pytest.fixture
def writer(publication):
    person = factories.make_person(name="Wendy Writer", email="wendy@example.com")
    Membership.objects.create(publication=publication, person=person, role=Role.AUTHOR)
    return person


@pytest.fixture
def reader_client(reader):
    return signed_in(reader)


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def subscribe(person, publication, status=SubscriptionStatus.ACTIVE):
    return Subscription.objects.create(publication=publication, person=person, status=status)


def make_writer(publication, name: str = ""):
    person = factories.make_person(name=name)
    Membership.objects.create(publication=publication, person=person, role=Role.AUTHOR)
    return person


def note_by(person, body: str = "A note.", **fields):
    return services.post_note(person, body, **fields)


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded images go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_note_rate(monkeypatch):
    """Tests that make many notes through the service are not one person typing fast."""
    monkeypatch.setattr(services, "NOTE_RATE", (10**6, 600))
