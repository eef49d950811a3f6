"""Moderation by the publication's staff: hiding, banning, closing comments, and who may not."""

import pytest
from django.urls import reverse

from masthead.engagement import services
from masthead.engagement.models import Ban, Comment, CommentLike, Like
from masthead.engagement.rules import EngagementRefused
from masthead.publications.models import Membership, Role
from tests.engagement.conftest import comment_on, post_url, signed_in
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(post, reader_client):
    comment_on(reader_client, post, "Something rude.")
    return Comment.objects.get()


def hide_url(comment):
    return reverse("engagement:comment_hide", args=[comment.post.slug, comment.id])


def test_the_author_hides_a_comment_on_their_post(author, post, comment, client):
    response = signed_in(author).post(hide_url(comment), {"action": "hide"})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden
    post.refresh_from_db()
    assert post.comment_count == 0
    page = client.get(post_url(post)).text
    assert "hidden by the publication" in page and "Something rude." not in page


def test_staff_still_see_a_hidden_comment_and_can_show_it_again(author, post, comment):
    services.set_comment_hidden(comment, author, True)
    staff = signed_in(author)

    assert "Something rude." in staff.get(post_url(post)).text
    staff.post(hide_url(comment), {"action": "unhide"})

    comment.refresh_from_db()
    assert not comment.is_hidden


@pytest.mark.parametrize("who", ["reader", "stranger", "other_author"])
def test_people_who_are_not_its_staff_cannot_hide(who, reader, post, comment, publication):
    person = reader if who == "reader" else make_person()
    if who == "other_author":
        # An author of the publication, but not of this post.
        Membership.objects.create(publication=publication, person=person, role=Role.AUTHOR)

    response = signed_in(person).post(hide_url(comment), {"action": "hide"})

    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_signed_out_people_cannot_moderate(client, post, comment):
    assert client.post(hide_url(comment)).status_code == 302
    assert client.post(reverse("engagement:comments_toggle", args=[post.slug])).status_code == 302
    comment.refresh_from_db()
    post.refresh_from_db()
    assert not comment.is_hidden and post.comments_enabled


def test_an_owner_bans_a_commenter_who_then_cannot_like_comment_or_reply(
    owner, reader, reader_client, post, comment
):
    url = reverse("engagement:comment_ban", args=[post.slug, comment.id])

    response = signed_in(owner).post(url, {"action": "ban"})

    assert response.status_code == 302
    assert Ban.objects.filter(publication=post.publication, person=reader).exists()
    assert comment_on(reader_client, post, "Again.").status_code == 403
    assert comment_on(reader_client, post, "Reply.", parent=comment).status_code == 403
    like = reader_client.post(reverse("engagement:like", args=[post.slug]), {"action": "like"})
    assert like.status_code == 403
    comment_like = reader_client.post(
        reverse("engagement:comment_like", args=[post.slug, comment.id]), {"action": "like"}
    )
    assert comment_like.status_code == 403
    edit = reader_client.post(
        reverse("engagement:comment_edit", args=[post.slug, comment.id]), {"body": "Edited."}
    )
    assert edit.status_code == 403
    assert Comment.objects.count() == 1 and not Like.objects.exists()
    assert not CommentLike.objects.exists()
    assert "stopped you from liking and commenting" in reader_client.get(post_url(post)).text


def test_the_ban_holds_in_the_services_too(owner, reader, post, comment):
    services.ban_person(post.publication_id, reader, owner)

    for attempt in (
        lambda: services.add_comment(post, reader, "Via the API."),
        lambda: services.add_comment(post, reader, "Reply.", parent=comment),
        lambda: services.like_post(post, reader),
        lambda: services.like_comment(comment, reader),
    ):
        with pytest.raises(EngagementRefused):
            attempt()


def test_authors_cannot_ban_and_staff_cannot_be_banned(author, owner, post, comment):
    url = reverse("engagement:comment_ban", args=[post.slug, comment.id])

    assert signed_in(author).post(url, {"action": "ban"}).status_code == 403
    assert not Ban.objects.exists()
    with pytest.raises(EngagementRefused):
        services.ban_person(post.publication_id, author, owner)


def test_a_ban_can_be_lifted(owner, reader, reader_client, post, comment):
    services.ban_person(post.publication_id, reader, owner)
    url = reverse("engagement:comment_ban", args=[post.slug, comment.id])

    signed_in(owner).post(url, {"action": "unban"})

    assert not Ban.objects.exists()
    assert comment_on(reader_client, post, "Back.").status_code == 302


def test_staff_turn_comments_off_and_nobody_can_comment(author, reader_client, post, comment):
    url = reverse("engagement:comments_toggle", args=[post.slug])

    response = signed_in(author).post(url, {"action": "close"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert not post.comments_enabled
    refused = comment_on(reader_client, post, "Still here?")
    assert refused.status_code == 403 and "turned off" in refused.text
    assert comment_on(reader_client, post, "Reply?", parent=comment).status_code == 403
    assert Comment.objects.count() == 1
    page = reader_client.get(post_url(post)).text
    assert "Comments are turned off for this post." in page and "Something rude." in page


def test_readers_cannot_turn_comments_off(reader_client, post):
    response = reader_client.post(
        reverse("engagement:comments_toggle", args=[post.slug]), {"action": "close"}
    )

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.comments_enabled


def test_an_author_of_another_post_cannot_close_this_one(publication, post):
    other_author = make_person()
    make_post(publication, "Theirs", author=other_author)
    Membership.objects.create(publication=publication, person=other_author, role=Role.AUTHOR)

    response = signed_in(other_author).post(
        reverse("engagement:comments_toggle", args=[post.slug]), {"action": "close"}
    )

    assert response.status_code == 403
