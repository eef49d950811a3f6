"""Liking posts and comments: once per person, without JavaScript, and after signing in."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse

from masthead.accounts.models import SignInLink
from masthead.accounts.services import request_sign_in, sign_in_token
from masthead.engagement import services
from masthead.engagement.models import Ban, CommentLike, Like
from tests.engagement.conftest import comment_on, post_url, signed_in
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def like_url(post) -> str:
    return reverse("engagement:like", args=[post.slug])


def test_liking_a_post_makes_one_like_and_counts_it(reader_client, reader, post):
    response = reader_client.post(like_url(post), {"action": "like"})

    assert response.status_code == 302
    assert response["Location"] == post_url(post) + "#engagement"
    post.refresh_from_db()
    assert post.like_count == 1
    assert Like.objects.filter(post=post, person=reader).count() == 1


def test_liking_twice_from_two_tabs_still_makes_one_like(reader_client, reader, post):
    reader_client.post(like_url(post), {"action": "like"})
    reader_client.post(like_url(post), {"action": "like"})

    assert Like.objects.filter(post=post, person=reader).count() == 1
    post.refresh_from_db()
    assert post.like_count == 1


def test_a_like_raced_past_the_lookup_is_absorbed_by_the_unique_constraint(
    reader, post, monkeypatch
):
    # The other tab inserted its row between this request's SELECT and INSERT.
    Like.objects.create(post=post, person=reader)
    real_get_or_create = Like.objects.get_or_create

    def create_blindly(**fields):
        return Like.objects.create(**fields), True

    monkeypatch.setattr(Like.objects, "get_or_create", create_blindly)
    assert services.like_post(post, reader) is False
    monkeypatch.setattr(Like.objects, "get_or_create", real_get_or_create)

    assert Like.objects.filter(post=post, person=reader).count() == 1


def test_unliking_removes_the_like(reader_client, reader, post):
    services.like_post(post, reader)

    response = reader_client.post(like_url(post), {"action": "unlike"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.like_count == 0 and not Like.objects.exists()


def test_fetch_gets_json_with_the_new_count(reader_client, post):
    response = reader_client.post(
        like_url(post), {"action": "like"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    assert response.json() == {"is_liked": True, "like_count": 1}


def test_signed_out_like_goes_to_sign_in_and_back(client, post):
    response = client.post(like_url(post), {"action": "like"})

    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == reverse("accounts:sign_in")
    assert parse_qs(location.query)["next"] == [like_url(post)]
    assert not Like.objects.exists()


def test_the_like_is_made_after_signing_in_through_the_emailed_link(client, reader, post):
    request_sign_in(reader.email, "127.0.0.1", like_url(post))
    link = SignInLink.objects.get(email=reader.email)

    url = reverse("accounts:sign_in_link", args=[sign_in_token(link)])
    assert client.get(url).status_code == 200
    landing = client.post(url)
    assert landing.status_code == 302 and landing["Location"] == like_url(post)
    confirm = client.get(landing["Location"])
    assert confirm.status_code == 200 and "Like this post" in confirm.text
    response = client.post(like_url(post), {"action": "like"})

    assert response.status_code == 302
    assert Like.objects.filter(post=post, person=reader).exists()


def test_banned_people_cannot_like(reader_client, reader, post, owner):
    Ban.objects.create(publication=post.publication, person=reader, created_by=owner)

    response = reader_client.post(like_url(post), {"action": "like"})

    assert response.status_code == 403
    assert not Like.objects.exists()
    with pytest.raises(services.rules.EngagementRefused):
        services.like_post(post, reader)


def test_unpublished_posts_cannot_be_liked(reader_client, publication):
    draft = make_post(publication, "Draft", status="draft")

    assert reader_client.post(like_url(draft), {"action": "like"}).status_code == 404
    assert not Like.objects.exists()


def test_liking_a_comment_once_and_unliking_it(reader_client, reader, post):
    comment_on(signed_in(make_person()), post)
    comment = post.comments.get()
    url = reverse("engagement:comment_like", args=[post.slug, comment.id])

    reader_client.post(url, {"action": "like"})
    reader_client.post(url, {"action": "like"})
    assert CommentLike.objects.filter(comment=comment, person=reader).count() == 1

    response = reader_client.post(url, {"action": "unlike"}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.json()["like_count"] == 0
    assert not CommentLike.objects.exists()


def test_signed_out_comment_like_goes_to_sign_in(client, post):
    comment_on(signed_in(make_person()), post)
    comment = post.comments.get()

    response = client.post(reverse("engagement:comment_like", args=[post.slug, comment.id]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert not CommentLike.objects.exists()


def test_a_page_takes_no_likes_or_comments(reader_client, reader, publication):
    page = make_post(publication, "About the editors", kind="page")

    reader_client.post(like_url(page), {"action": "like"})
    reader_client.post(
        reverse("engagement:comment_create", args=[page.slug]), {"body": "Nice page"}
    )

    page.refresh_from_db()
    assert page.like_count == 0 and page.comment_count == 0
    assert not Like.objects.filter(post=page).exists()
