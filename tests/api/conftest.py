"""Fixtures for the API tests: keys of each scope, a staff member who made them, URL helpers."""

import pytest

from masthead.api.keys import create_key
from masthead.publications.models import Membership, Role
from tests.factories import make_person


@pytest.fixture
def owner(publication):
    person = make_person("Olive Owner")
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


@pytest.fixture
def read_key(publication, owner) -> str:
    return create_key(publication, owner, "Reader", "read").secret


@pytest.fixture
def write_key(publication, owner) -> str:
    return create_key(publication, owner, "Writer", "write").secret


@pytest.fixture
def base(publication) -> str:
    return f"/pub/{publication.slug}/api/v1"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body
