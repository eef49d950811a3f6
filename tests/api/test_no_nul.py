"""Text with a NUL is refused as invalid (422), never stored: PostgreSQL would refuse it with a 500."""

import json

import pytest

from masthead.api.keys import create_key
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_key(publication):
    owner = make_person(email="owner@example.com")
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    return create_key(publication, owner, "Scripts", "write").secret


def post_json(client, publication, path, body, secret):
    return client.post(
        f"/pub/{publication.slug}/api/v1/{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


@pytest.mark.parametrize("field", ["title", "subtitle", "body_markdown"])
def test_a_post_with_a_nul_is_refused(client, publication, write_key, field):
    body = {"title": "Title", "body_markdown": "Words."} | {field: "a\x00b"}

    response = post_json(client, publication, "posts", body, write_key)

    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert not publication.posts.exists()


def test_a_subscriber_label_with_a_nul_is_refused(client, publication, write_key):
    body = {"email": "new@example.com", "labels": ["ok", "bad\x00"]}

    response = post_json(client, publication, "subscribers", body, write_key)

    assert response.status_code == 422
    assert not Subscription.objects.exists()
