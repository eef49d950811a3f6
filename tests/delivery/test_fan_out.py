import pytest

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.fan_out import create_send, suppress
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_if_still_scheduled, publish_post
from tests import factories

pytestmark = pytest.mark.django_db


def test_fan_out_makes_one_delivery_per_active_subscriber(publication, subscribers):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)

    send = create_send(post)

    send.refresh_from_db()
    emails = set(Delivery.objects.filter(send=send).values_list("email", flat=True))
    assert emails == {s.person.email for s in subscribers["active"]}
    assert send.recipient_count == 3
    assert send.state == SendState.SENDING
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.QUEUED}


def test_fan_out_skips_suppressed_addresses(publication, subscribers):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    suppress("Reader0@example.com")
    suppress("reader1@example.com", publication=publication)
    suppress("reader2@example.com", publication=factories.make_publication())

    send = create_send(post)

    assert list(Delivery.objects.filter(send=send).values_list("email", flat=True)) == [
        "reader2@example.com"
    ]


def test_publishing_with_email_requested_creates_one_send(publication, subscribers):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)

    publish_post(post, send_email=True)
    publish_post(post, send_email=True)

    assert Send.objects.filter(post=post).count() == 1
    assert Delivery.objects.count() == 3


def test_republishing_after_unpublishing_sends_no_second_newsletter(publication, subscribers):
    from masthead.posts.services import unpublish_post

    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    publish_post(post, send_email=True)
    unpublish_post(post)

    publish_post(post, send_email=True)

    assert Send.objects.filter(post=post).count() == 1


def test_publishing_without_email_creates_no_send(publication, subscribers):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)

    publish_post(post, send_email=False)

    assert not Send.objects.exists()


def test_scheduled_post_with_email_creates_its_send_when_published(publication, subscribers):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    import datetime as dt

    from django.utils import timezone

    moment = (timezone.now() + dt.timedelta(hours=1)).replace(microsecond=0)
    post.status = PostStatus.SCHEDULED
    post.published_at = moment
    post.email_requested = True
    post.save()

    assert publish_if_still_scheduled(post.id, moment)
    assert not publish_if_still_scheduled(post.id, moment)

    assert Send.objects.filter(post=post).count() == 1


def test_paid_post_goes_out_as_its_preview(publication, subscribers):
    body = "First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n\nThe paid part."
    post = factories.make_post(
        publication, "Paid", status=PostStatus.DRAFT, body=body, audience="paid"
    )

    send = create_send(post)

    assert "Second paragraph" in send.html_template
    assert "The paid part" not in send.html_template
    assert "The paid part" not in send.text_template
    assert "The paid part" in send.full_html_template
