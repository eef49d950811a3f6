"""Once services.deliver_batch uses masthead.delivery.transport: DKIM on the wire, and an ESP."""

import dkim
import pytest

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState, Suppression
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from tests import factories
from tests.delivery.test_transport import dkim_key, postmark  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(publication):
    return factories.make_post(publication, "Big news", status=PostStatus.DRAFT, body="Hello.")


def test_worker_sends_dkim_signed_newsletters(
    publication,
    subscribers,
    draft,
    smtp_sink,
    run_worker,
    dkim_key,  # noqa: F811
):
    publish_post(draft, send_email=True)

    run_worker()

    assert Send.objects.get().state == SendState.DONE
    assert len(smtp_sink.messages) == 3
    for message in smtp_sink.messages:
        assert dkim.verify(message.raw, dnsfunc=lambda name, timeout=5: dkim_key)


def test_worker_sends_through_postmark_and_bounces_inactive_recipients(
    publication,
    subscribers,
    draft,
    run_worker,
    postmark,  # noqa: F811 - the fixture imported above
    settings,
):
    postmark.reply = (
        422,
        {
            "ErrorCode": 406,
            "Message": "You tried to send to recipient(s) that have been marked as inactive.\n"
            "Found inactive addresses: reader0@example.com, reader1@example.com, "
            "reader2@example.com.\nInactive recipients are ones that have generated a hard "
            "bounce, a spam complaint, or a manual suppression.",
        },
    )
    publish_post(draft, send_email=True)

    run_worker()

    assert len(postmark.calls) == 3
    # Postmark keeps those addresses inactive after a hard bounce or complaint: so do we.
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.BOUNCED}
    assert Suppression.objects.filter(email="reader0@example.com").exists()
