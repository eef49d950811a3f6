"""Comment emails: one digest per burst to the post's authors, replies to the person replied to."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from masthead.engagement.models import Comment, NotificationSettings
from tests.engagement.conftest import comment_on, signed_in
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (task enqueues) as a real request's commit would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def after_the_digest_delay(run_worker):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        run_worker()


def test_a_burst_of_five_comments_sends_the_author_one_digest(
    commit, post, author, smtp_sink, run_worker
):
    for number in range(5):
        commenter = signed_in(make_person(name=f"Commenter {number}"))
        assert (
            commit(lambda c=commenter, n=number: comment_on(c, post, f"Point {n}")).status_code
            == 302
        )

    run_worker()  # nothing is due yet: the digest waits five minutes for more comments
    assert smtp_sink.to(author.email) == []
    after_the_digest_delay(run_worker)

    received = smtp_sink.to(author.email)
    assert len(received) == 1
    assert received[0].subject == f'5 new comments on "{post.title}"'
    for number in range(5):
        assert f"Point {number}" in received[0].text
    first = Comment.objects.order_by("id").first()
    assert f"/p/{post.slug}/#comment-{first.id}" in received[0].text


def test_the_next_burst_sends_only_the_new_comments(commit, post, author, smtp_sink, run_worker):
    commit(lambda: comment_on(signed_in(make_person()), post, "Early words"))
    after_the_digest_delay(run_worker)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10)):
        commit(lambda: comment_on(signed_in(make_person()), post, "Later words"))
        after_the_digest_delay(run_worker)

    received = smtp_sink.to(author.email)
    assert len(received) == 2
    assert "Early words" not in received[1].text and "Later words" in received[1].text


def test_the_author_is_not_told_about_their_own_comments(
    commit, post, author, smtp_sink, run_worker
):
    commit(lambda: comment_on(signed_in(author), post, "Thanks for reading"))

    after_the_digest_delay(run_worker)

    assert smtp_sink.to(author.email) == []


def test_authors_who_switched_digests_off_get_none(commit, post, author, smtp_sink, run_worker):
    NotificationSettings.objects.create(person=author, is_comment_digest_on=False)
    commit(lambda: comment_on(signed_in(make_person()), post))

    after_the_digest_delay(run_worker)

    assert smtp_sink.to(author.email) == []


def test_a_reply_notifies_the_person_replied_to(
    commit, post, reader, reader_client, smtp_sink, run_worker
):
    commit(lambda: comment_on(reader_client, post, "My take."))
    replier = signed_in(make_person(name="Rex Replier"))

    commit(lambda: comment_on(replier, post, "I disagree.", parent=Comment.objects.get()))
    run_worker()

    received = smtp_sink.to(reader.email)
    assert len(received) == 1
    assert received[0].subject == f'Rex Replier replied to your comment on "{post.title}"'
    assert "I disagree." in received[0].text
    reply = Comment.objects.get(parent__isnull=False)
    assert f"/p/{post.slug}/comments/{reply.id}/" in received[0].text


def test_reply_emails_switched_off_are_not_sent(
    commit, post, reader, reader_client, smtp_sink, run_worker
):
    reader_client.post(
        reverse("engagement:notifications"), {"is_comment_digest_on": "on"}
    )  # leaves reply emails unticked
    commit(lambda: comment_on(reader_client, post, "My take."))

    commit(
        lambda: comment_on(signed_in(make_person()), post, "Reply.", parent=Comment.objects.get())
    )
    run_worker()

    assert smtp_sink.to(reader.email) == []
    settings = NotificationSettings.objects.get(person=reader)
    assert settings.is_comment_digest_on and not settings.is_reply_email_on


def test_the_notification_settings_page_needs_a_signed_in_person(client):
    response = client.get(reverse("engagement:notifications"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_notification_settings_page_shows_both_switches_on_by_default(reader_client):
    response = reader_client.get(reverse("engagement:notifications"))

    assert response.status_code == 200
    assert response.text.count(" checked>") == 2
