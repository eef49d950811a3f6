"""Limits through the pages, in the embedded mode: each request as if served by another process
(`masthead serve` runs two; without Redis each has its own memory) still counts against one limit."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from masthead.accounts.models import SignInLink
from masthead.engagement.models import Comment
from masthead.engagement.services import COMMENT_RATE
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def embedded_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def from_another_process(client, path, data):
    cache.clear()  # the memory of a process that has not seen the earlier requests
    return client.post(path, data)


def test_sign_in_mails_per_address_stop_at_the_limit_across_processes(
    client, publication, settings
):
    limit, _ = settings.SIGN_IN_RATE_PER_ADDRESS
    sign_in = reverse("accounts:sign_in")
    for _ in range(limit):
        assert (
            from_another_process(client, sign_in, {"email": "busy@example.com"}).status_code == 200
        )

    response = from_another_process(client, sign_in, {"email": "busy@example.com"})

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert SignInLink.objects.count() == limit


def test_comments_per_person_stop_at_the_limit_across_processes(client, publication, reader):
    post = make_post(publication, "Talk to me")
    client.force_login(reader)
    path = reverse("engagement:comment_create", args=[post.slug])
    limit, _ = COMMENT_RATE
    for number in range(limit):
        assert from_another_process(client, path, {"body": f"Comment {number}"}).status_code == 302

    response = from_another_process(client, path, {"body": "One too many"})

    assert response.status_code == 429
    assert Comment.objects.count() == limit
