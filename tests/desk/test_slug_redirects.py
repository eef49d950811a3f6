"""Old addresses of published posts: they redirect for good, and only to what readers may see."""

import pytest
from django.urls import reverse

from masthead.posts.models import PostSlugRedirect, PostStatus
from tests.desk.editing import edit_url, editor_data
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(publication, author):
    return make_post(publication, "Live", author=author, slug="old-address")


def rename(client, post, slug):
    return client.post(edit_url(post), editor_data(title=post.title, slug=slug))


def detail_url(slug) -> str:
    return reverse("posts:detail", args=[slug])


def test_the_old_address_of_a_published_post_redirects_permanently(author_client, live):
    rename(author_client, live, "new-address")

    response = author_client.get(detail_url("old-address"))

    assert response.status_code == 301
    assert response["Location"] == detail_url("new-address")
    assert author_client.get(detail_url("new-address")).status_code == 200


def test_every_old_address_leads_to_the_current_one(author_client, live):
    rename(author_client, live, "second")
    rename(author_client, live, "third")

    assert author_client.get(detail_url("old-address"))["Location"] == detail_url("third")
    assert author_client.get(detail_url("second"))["Location"] == detail_url("third")


def test_the_redirect_keeps_the_publications_mount_point(client, author_client, live):
    rename(author_client, live, "new-address")

    response = client.get(f"/pub/{live.publication.slug}/p/old-address/")

    assert response.status_code == 301
    assert response["Location"] == f"/pub/{live.publication.slug}/p/new-address/"


def test_renaming_a_draft_leaves_no_redirect(author_client, draft):
    rename(author_client, draft, "renamed")

    assert not PostSlugRedirect.objects.exists()


def test_an_old_address_of_an_unpublished_post_is_not_found(author_client, publication, live):
    rename(author_client, live, "new-address")
    author_client.post(reverse("desk:post_unpublish", args=[publication.slug, live.id]))

    assert author_client.get(detail_url("old-address")).status_code == 404


def test_another_post_cannot_take_an_address_that_still_redirects(author_client, live, draft):
    rename(author_client, live, "new-address")

    response = rename(author_client, draft, "old-address")

    assert response.status_code == 400
    assert "still redirects from it" in response.text
    draft.refresh_from_db()
    assert draft.slug == "a-draft"


def test_a_post_may_take_back_its_own_old_address(author_client, live):
    rename(author_client, live, "new-address")

    rename(author_client, live, "old-address")

    live.refresh_from_db()
    assert live.slug == "old-address"
    assert author_client.get(detail_url("old-address")).status_code == 200
    assert author_client.get(detail_url("new-address"))["Location"] == detail_url("old-address")


def test_a_new_title_does_not_move_a_published_post_whose_slug_is_left_empty(author_client, live):
    author_client.post(edit_url(live), editor_data(title="Another title", slug=""))

    live.refresh_from_db()
    assert live.slug == "old-address"
    assert live.status == PostStatus.PUBLISHED
