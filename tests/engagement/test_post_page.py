"""The post page's likes and comments: what it costs, and what the archive learns from them."""

import re

import pytest
from django.urls import reverse

from masthead.engagement import services
from masthead.engagement.models import Comment
from tests.engagement.conftest import comment_on, post_url, signed_in
from tests.factories import add_comments, make_person, make_post

pytestmark = pytest.mark.django_db


def listed_slugs(client, sort) -> list[str]:
    response = client.get(reverse("posts:archive"), {"sort": sort})
    return re.findall(r'class="post-item" data-slug="([^"]+)"', response.text)


@pytest.mark.parametrize("viewer", ["anonymous", "reader", "owner"])
def test_the_post_page_with_50_comments_costs_a_fixed_number_of_queries(
    viewer, client, reader, owner, post, django_assert_max_num_queries
):
    add_comments(post, 40)
    parents = list(Comment.objects.order_by("id")[:10])
    for parent in parents:
        services.add_comment(post, make_person(), "A reply.", parent=parent)
        services.like_comment(parent, reader)
    if viewer != "anonymous":
        client.force_login(reader if viewer == "reader" else owner)

    # 13, and one for which commenters are founding members (their badge), however many comment.
    with django_assert_max_num_queries(14):
        response = client.get(post_url(post))

    assert response.status_code == 200
    assert response.text.count('<li class="comment" id="comment-') == 50


def test_the_like_button_shows_whether_the_viewer_liked(reader_client, reader, post):
    services.like_post(post, reader)

    page = reader_client.get(post_url(post)).text

    assert 'aria-pressed="true"' in page
    assert '<span class="like-button__count" data-like-count>1</span>' in page


def test_likes_and_comments_through_the_views_reorder_top_and_discussions(client, publication):
    older = make_post(publication, "Older")
    newer = make_post(publication, "Newer")
    newer.published_at = older.published_at.replace(year=older.published_at.year + 1)
    newer.save(update_fields=["published_at"])
    assert listed_slugs(client, "top") == [newer.slug, older.slug]
    assert listed_slugs(client, "discussions") == []

    for _ in range(2):
        person = signed_in(make_person())
        person.post(reverse("engagement:like", args=[older.slug]), {"action": "like"})
        comment_on(person, older, "Worth discussing.")
    comment_on(signed_in(make_person()), newer, "One thought.")

    assert listed_slugs(client, "top") == [older.slug, newer.slug]
    assert listed_slugs(client, "discussions") == [older.slug, newer.slug]


def test_a_hidden_or_deleted_comment_leaves_the_count_and_the_discussions_tab(
    client, author, reader, reader_client, post
):
    comment_on(reader_client, post, "Only comment.")
    comment = Comment.objects.get()

    services.set_comment_hidden(comment, author, True)

    post.refresh_from_db()
    assert post.comment_count == 0
    assert listed_slugs(client, "discussions") == []


def test_signed_out_visitors_see_the_like_button_and_are_invited_to_sign_in(client, post):
    services.like_post(post, make_person())

    page = client.get(post_url(post)).text

    assert '<span class="like-button__count" data-like-count>1</span>' in page
    assert f'action="{reverse("engagement:like", args=[post.slug])}"' in page
    assert "Sign in to comment" in page
    assert "engagement.js" in page and "engagement.css" in page


def test_every_engagement_address_of_an_unpublished_post_is_not_found(owner, publication):
    draft = make_post(publication, "Draft", status="draft", author=owner)
    staff = signed_in(owner)
    addresses = [
        ("get", reverse("engagement:like", args=[draft.slug])),
        ("post", reverse("engagement:like", args=[draft.slug])),
        ("post", reverse("engagement:comment_create", args=[draft.slug])),
        ("post", reverse("engagement:comments_toggle", args=[draft.slug])),
    ]
    for name in ("comment", "comment_edit"):
        addresses.append(("get", reverse(f"engagement:{name}", args=[draft.slug, 1])))
    for name in ("comment_delete", "comment_like", "comment_hide", "comment_ban"):
        addresses.append(("post", reverse(f"engagement:{name}", args=[draft.slug, 1])))

    for method, url in addresses:
        assert (
            getattr(staff, method)(url, {"body": "x"} if method == "post" else None).status_code
            == 404
        ), url
