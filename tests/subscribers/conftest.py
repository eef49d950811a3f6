"""Fixtures of the desk's subscriber pages: staff of each role, subscriptions, CSV uploads."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded subscriber lists go to a private folder of the test's own."""
    settings.PRIVATE_FILES_DIR = tmp_path / "private"
    return settings.PRIVATE_FILES_DIR


def add_staff(publication, role: str, name: str = ""):
    person = make_person(name=name or f"{role.title()} {next(_numbers)}")
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner(publication):
    return add_staff(publication, Role.OWNER, "Olga Owner")


@pytest.fixture
def admin(publication):
    return add_staff(publication, Role.ADMIN, "Adam Admin")


@pytest.fixture
def author(publication):
    return add_staff(publication, Role.AUTHOR, "Ann Author")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def subscribe():
    """Make a subscription directly, with whatever status, source and date a test needs."""

    def make(
        publication,
        email: str = "",
        *,
        name: str = "",
        status: str = SubscriptionStatus.ACTIVE,
        source: str = SubscriptionSource.WEBSITE,
        created_at=None,
    ) -> Subscription:
        person = make_person(name=name, email=email)
        return Subscription.objects.create(
            publication=publication,
            person=person,
            status=status,
            source=source,
            created_at=created_at or timezone.now(),
            confirmed_at=timezone.now() if status == SubscriptionStatus.ACTIVE else None,
        )

    return make


def csv_file(content: str | bytes, name: str = "subscribers.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def upload(owner_client, publication):
    """Post a CSV file to the import page as the publication's owner."""

    def post(content: str | bytes, name: str = "subscribers.csv"):
        return owner_client.post(
            reverse("desk:subscriber_import", args=[publication.slug]),
            {"file": csv_file(content, name)},
        )

    return post
