"""Fixtures of the revision tests: an author, a colleague, a draft and signed-in clients."""

import pytest

from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from tests.factories import make_person, make_post


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def make_staff(publication):
    def make(role: str = Role.AUTHOR, name: str = "", on=None):
        person = make_person(name=name)
        Membership.objects.create(publication=on or publication, person=person, role=role)
        return person

    return make


@pytest.fixture
def author(make_staff):
    return make_staff(Role.AUTHOR, "Ada Author")


@pytest.fixture
def owner(make_staff):
    return make_staff(Role.OWNER, "Olive Owner")


@pytest.fixture
def draft(publication, author):
    return make_post(
        publication, "A draft", status=PostStatus.DRAFT, author=author, body="First line.\n"
    )


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client
