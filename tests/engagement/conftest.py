"""Fixtures for likes and comments: a post with an author, signed-in clients, staff."""

import pytest
from django.test import Client
from django.urls import reverse

from masthead.publications.models import Membership, Role
from tests import factories


@pytest.fixture
def author(db):
    return factories.make_person(name="Ada Author", email="ada@example.com")


@pytest.fixture
def post(publication, author):
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    return factories.make_post(publication, "Talk to me", author=author)


@pytest.fixture
def reader_client(reader):
    client = Client()
    client.force_login(reader)
    return client


@pytest.fixture
def owner(publication):
    person = factories.make_person(name="Olga Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def post_url(post) -> str:
    return reverse("posts:detail", args=[post.slug])


def comment_on(client, post, body="A comment.", parent=None):
    data = {"body": body}
    if parent is not None:
        data["parent"] = parent.id
    return client.post(reverse("engagement:comment_create", args=[post.slug]), data)
