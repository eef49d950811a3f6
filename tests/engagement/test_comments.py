"""Commenting: who may, threads, editing, deleting, sorting, safe rendering and limits."""

import re

import pytest
from django.urls import reverse

from masthead.engagement import services
from masthead.engagement.models import Comment
from masthead.engagement.rules import EngagementRefused
from masthead.posts.models import PostStatus
from masthead.publications.models import CommentPolicy
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.engagement.conftest import comment_on, post_url, signed_in
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def comment_ids_in_order(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<li class="comment" id="comment-(\d+)"', html)]


def test_a_signed_in_reader_comments_and_lands_on_the_comment(reader_client, reader, post):
    response = comment_on(reader_client, post, "Nice **post**.")

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == post_url(post) + f"#comment-{comment.id}"
    assert comment.person == reader and comment.body_html == "<p>Nice <strong>post</strong>.</p>\n"
    post.refresh_from_db()
    assert post.comment_count == 1
    page = reader_client.get(post_url(post)).text
    assert f'id="comment-{comment.id}"' in page and "Nice <strong>post</strong>." in page


def test_signed_out_people_are_sent_to_sign_in_and_see_the_invitation(client, post):
    response = comment_on(client, post)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")
    assert not Comment.objects.exists()
    page = client.get(post_url(post)).text
    assert "Sign in to comment" in page
    assert f"next=%2Fp%2F{post.slug}%2F%23comments" in page


def test_comments_on_an_unpublished_post_are_not_found(reader_client, publication):
    scheduled = make_post(publication, "Later", status=PostStatus.SCHEDULED)

    response = comment_on(reader_client, scheduled)

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_a_reply_is_shown_nested_under_its_comment_two_levels_deep(reader_client, post):
    other = signed_in(make_person(name="Otto"))
    comment_on(other, post, "First.")
    first = Comment.objects.get()
    comment_on(reader_client, post, "A reply.", parent=first)
    reply = Comment.objects.get(parent=first)
    comment_on(other, post, "A reply to the reply.", parent=reply)
    deeper = Comment.objects.get(parent=reply)

    page = reader_client.get(post_url(post)).text

    thread = re.search(rf'id="comment-{first.id}".*', page, re.S)[0]
    assert re.search(
        rf'id="comment-{first.id}".*comment-list--replies.*id="comment-{reply.id}"'
        rf'.*comment-list--replies.*id="comment-{deeper.id}"',
        thread,
        re.S,
    )


def test_a_reply_to_a_comment_on_another_post_is_refused(reader_client, post, publication):
    other_post = make_post(publication, "Elsewhere")
    comment_on(signed_in(make_person()), other_post)
    foreign = Comment.objects.get()

    response = comment_on(reader_client, post, "Hi", parent=foreign)

    assert response.status_code == 404
    assert Comment.objects.count() == 1


def test_scripts_and_javascript_links_in_comments_are_inert(reader_client, post):
    comment_on(
        reader_client,
        post,
        "<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )

    page = reader_client.get(post_url(post)).text

    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(3)&gt;", "")


def test_a_huge_comment_is_refused_with_a_clear_message(reader_client, post):
    response = comment_on(reader_client, post, "x" * 10_001)

    assert response.status_code == 400
    assert "at most 10,000 characters" in response.text
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused(reader_client, post):
    response = comment_on(reader_client, post, "   ")

    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_people_edit_their_own_comment(reader_client, post):
    comment_on(reader_client, post, "Tpyo.")
    comment = Comment.objects.get()
    url = reverse("engagement:comment_edit", args=[post.slug, comment.id])

    assert reader_client.get(url).status_code == 200
    response = reader_client.post(url, {"body": "Typo *fixed*."})

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body_html == "<p>Typo <em>fixed</em>.</p>\n" and comment.edited_at is not None


def test_nobody_edits_or_deletes_someone_elses_comment(reader_client, post):
    comment_on(signed_in(make_person()), post, "Mine.")
    comment = Comment.objects.get()

    edit = reader_client.post(
        reverse("engagement:comment_edit", args=[post.slug, comment.id]), {"body": "Yours now."}
    )
    delete = reader_client.post(reverse("engagement:comment_delete", args=[post.slug, comment.id]))

    assert edit.status_code == 404 and delete.status_code == 404
    comment.refresh_from_db()
    assert comment.body_markdown == "Mine." and not comment.is_deleted


def test_signed_out_people_cannot_edit_or_delete(client, post):
    comment_on(signed_in(make_person()), post, "Mine.")
    comment = Comment.objects.get()

    edit = client.post(
        reverse("engagement:comment_edit", args=[post.slug, comment.id]), {"body": "x"}
    )
    delete = client.post(reverse("engagement:comment_delete", args=[post.slug, comment.id]))

    assert edit.status_code == 302 and delete.status_code == 302
    assert Comment.objects.get().body_markdown == "Mine."


def test_deleting_a_comment_without_replies_removes_it(reader_client, post):
    comment_on(reader_client, post)
    comment = Comment.objects.get()

    response = reader_client.post(
        reverse("engagement:comment_delete", args=[post.slug, comment.id])
    )

    assert response.status_code == 302
    assert not Comment.objects.exists()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_a_deleted_comment_with_replies_keeps_its_place(reader_client, post):
    comment_on(reader_client, post, "Original words.")
    comment = Comment.objects.get()
    comment_on(signed_in(make_person()), post, "A reply.", parent=comment)

    reader_client.post(reverse("engagement:comment_delete", args=[post.slug, comment.id]))

    comment.refresh_from_db()
    assert comment.is_deleted and comment.body_markdown == ""
    post.refresh_from_db()
    assert post.comment_count == 1
    page = reader_client.get(post_url(post)).text
    assert "This comment was deleted." in page and "Original words." not in page
    assert "A reply." in page


def test_the_deleted_parent_goes_when_its_last_reply_goes(reader_client, post):
    comment_on(reader_client, post, "Original.")
    comment = Comment.objects.get()
    replier = make_person()
    comment_on(signed_in(replier), post, "A reply.", parent=comment)
    reply = Comment.objects.get(parent=comment)
    services.delete_comment(comment, comment.person)

    services.delete_comment(reply, replier)

    assert not Comment.objects.exists()


def test_top_sorts_by_comment_likes_and_newest_by_time(reader_client, post):
    for body in ("Oldest", "Middle", "Newest"):
        comment_on(signed_in(make_person()), post, body)
    oldest, middle, newest = Comment.objects.order_by("id")
    for _ in range(2):
        services.like_comment(middle, make_person())
    services.like_comment(oldest, make_person())

    top = reader_client.get(post_url(post), {"comments": "top"}).text
    new = reader_client.get(post_url(post), {"comments": "new"}).text

    assert comment_ids_in_order(top) == [middle.id, oldest.id, newest.id]
    assert comment_ids_in_order(new) == [newest.id, middle.id, oldest.id]


def test_a_comment_permalink_redirects_to_its_anchor(client, post):
    comment_on(signed_in(make_person()), post)
    comment = Comment.objects.get()

    response = client.get(reverse("engagement:comment", args=[post.slug, comment.id]))

    assert response.status_code == 302
    assert response["Location"] == post_url(post) + f"#comment-{comment.id}"
    assert client.get(reverse("engagement:comment", args=[post.slug, 999])).status_code == 404


def test_subscribers_only_policy_refuses_non_subscribers(reader_client, reader, post):
    post.publication.comment_policy = CommentPolicy.SUBSCRIBERS
    post.publication.save(update_fields=["comment_policy"])

    response = comment_on(reader_client, post)

    assert response.status_code == 403
    assert "Only subscribers" in response.text
    assert not Comment.objects.exists()
    assert "Only subscribers can comment" in reader_client.get(post_url(post)).text


def test_subscribers_only_policy_lets_active_subscribers_comment(reader_client, reader, post):
    post.publication.comment_policy = CommentPolicy.SUBSCRIBERS
    post.publication.save(update_fields=["comment_policy"])
    Subscription.objects.create(
        publication=post.publication, person=reader, status=SubscriptionStatus.ACTIVE
    )

    assert comment_on(reader_client, post).status_code == 302
    assert Comment.objects.count() == 1


def test_paid_policy_lets_only_staff_comment_until_paid_subscriptions_exist(
    reader_client, reader, post, author
):
    post.publication.comment_policy = CommentPolicy.PAID
    post.publication.save(update_fields=["comment_policy"])
    Subscription.objects.create(
        publication=post.publication, person=reader, status=SubscriptionStatus.ACTIVE
    )

    assert comment_on(reader_client, post).status_code == 403
    assert comment_on(signed_in(author), post).status_code == 302
    assert Comment.objects.get().person == author


def test_the_service_refuses_what_the_view_refuses(reader, post):
    post.publication.comment_policy = CommentPolicy.SUBSCRIBERS

    with pytest.raises(EngagementRefused):
        services.add_comment(post, reader, "Sneaking past the view.")


def test_a_burst_of_comments_is_rate_limited_with_a_clear_message(reader_client, post):
    for number in range(10):
        assert comment_on(reader_client, post, f"Comment {number}").status_code == 302

    response = comment_on(reader_client, post, "One too many")

    assert response.status_code == 429
    assert "wait a little" in response.text
    assert Comment.objects.count() == 10
