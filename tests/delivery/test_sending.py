import datetime as dt
import re

import pytest
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState, WorkerHeartbeat
from masthead.delivery.services.claiming import claim_batch
from masthead.delivery.services.control import cancel_send, pause_send, resume_send
from masthead.delivery.services.fan_out import create_send, create_test_send
from masthead.delivery.services.sending import SendRenderer, deliver_batch
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories
from tests.delivery.conftest import add_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(publication):
    return factories.make_post(
        publication, "Big news", status=PostStatus.DRAFT, body="Hello **readers**."
    )


def test_worker_delivers_each_subscriber_once_with_list_headers(
    client, publication, subscribers, draft, smtp_sink, run_worker
):
    publish_post(draft, send_email=True)

    run_worker()

    send = Send.objects.get()
    assert send.state == SendState.DONE
    assert send.sent_count == 3
    assert sorted(m.envelope_to[0] for m in smtp_sink.messages) == [
        "reader0@example.com",
        "reader1@example.com",
        "reader2@example.com",
    ]
    message = smtp_sink.last_to("reader1@example.com")
    delivery = Delivery.objects.get(email="reader1@example.com")
    assert message.subject == "Big news"
    assert message.header("To") == "reader1@example.com"
    assert "The Daily Build" in message.header("From")
    assert message.header("Message-ID") == f"<send-{send.id}.delivery-{delivery.id}@localhost>"
    assert delivery.message_id == message.header("Message-ID")
    assert delivery.state == DeliveryState.SENT
    assert message.header("List-Id") == "<daily-build.localhost>"
    assert message.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert "<strong>readers</strong>" in message.html
    assert "View in browser" in message.html
    assert "/p/big-news/" in message.text
    unsubscribe = re.fullmatch(r"<(.+)>", message.header("List-Unsubscribe")).group(1)
    assert unsubscribe in message.text
    assert unsubscribe in message.html
    others = {m.header("List-Unsubscribe") for m in smtp_sink.messages}
    assert len(others) == 3  # each recipient has their own link

    response = client.post(unsubscribe.replace("http://127.0.0.1:8000", ""))

    assert response.status_code == 200
    subscription = Subscription.objects.get(person__email="reader1@example.com")
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).count() == 2


def test_running_the_worker_again_sends_nothing_twice(
    publication, subscribers, draft, smtp_sink, run_worker
):
    publish_post(draft, send_email=True)
    run_worker()
    send = Send.objects.get()
    from masthead.delivery.tasks import run_send

    run_send.enqueue(send.id)
    run_worker()

    assert len(smtp_sink.messages) == 3


def test_a_batch_takes_one_write_per_message_and_a_fixed_number_besides(
    publication, draft, smtp_sink, django_assert_max_num_queries
):
    """Each message is recorded as it is accepted (so a crash repeats at most two), with one
    UPDATE; the claim and the heartbeat are a fixed few."""
    for n in range(50):
        add_subscriber(publication, f"many{n}@example.com")
    send = create_send(draft)
    renderer = SendRenderer(send)  # made once per slice of work, not per batch

    # Heartbeat 1, claim (2 reads, 1 update) with BEGIN/COMMIT or savepoints, counters 1.
    with django_assert_max_num_queries(50 + 9):
        result = deliver_batch(send, "test-worker", 50, renderer=renderer)

    assert result.sent == 50
    assert len(smtp_sink.messages) == 50
    assert Delivery.objects.filter(state=DeliveryState.SENT).count() == 50


def test_the_claim_of_a_worker_whose_heartbeat_stopped_is_taken_back(
    publication, subscribers, draft, smtp_sink, settings
):
    send = create_send(draft)
    stuck = claim_batch(send, "dead-worker", 1)
    stale = dt.timedelta(seconds=settings.DELIVERY_WORKER_STALE_SECONDS + 1)
    WorkerHeartbeat.objects.filter(worker_id="dead-worker").update(beat_at=timezone.now() - stale)

    result = deliver_batch(send, "live-worker", 10)

    assert result.sent == 3
    assert Delivery.objects.get(id=stuck[0].id).state == DeliveryState.SENT


def test_an_old_claim_of_a_worker_that_still_beats_is_left_alone(
    publication, subscribers, draft, smtp_sink
):
    """A slow relay makes batches long: the claim's age says nothing, the heartbeat does."""
    send = create_send(draft)
    claimed = claim_batch(send, "busy-worker", 1)
    Delivery.objects.filter(id=claimed[0].id).update(
        claimed_at=timezone.now() - dt.timedelta(hours=1)
    )

    result = deliver_batch(send, "other-worker", 10)

    assert result.sent == 2
    assert Delivery.objects.get(id=claimed[0].id).state == DeliveryState.SENDING


def test_paused_send_sends_nothing_until_resumed(
    publication, subscribers, draft, smtp_sink, run_worker
):
    send = create_send(draft)
    assert pause_send(send.id)

    run_worker()

    assert smtp_sink.messages == []
    assert Send.objects.get().state == SendState.PAUSED

    assert resume_send(send.id)
    run_worker()

    assert len(smtp_sink.messages) == 3
    assert Send.objects.get().state == SendState.DONE


def test_cancelled_send_sends_nothing(publication, subscribers, draft, smtp_sink, run_worker):
    send = create_send(draft)
    assert cancel_send(send.id)

    run_worker()

    assert smtp_sink.messages == []
    assert Send.objects.get().state == SendState.CANCELLED
    assert not resume_send(send.id)


def test_a_test_send_goes_to_one_address_only(
    publication, subscribers, draft, smtp_sink, run_worker
):
    create_test_send(draft, "Writer@Example.com")

    run_worker()

    assert [m.envelope_to for m in smtp_sink.messages] == [["writer@example.com"]]
    assert smtp_sink.messages[0].subject == "[Test] Big news"
    assert Send.objects.get().state == SendState.DONE


def test_a_test_send_does_not_stop_the_newsletter(publication, subscribers, draft):
    create_test_send(draft, "writer@example.com")

    publish_post(draft, send_email=True)

    assert Send.objects.count() == 2
    assert Delivery.objects.count() == 4


def test_resume_requeues_a_send_that_is_still_sending(publication, subscribers, draft):
    from django_tasks_db.models import DBTaskResult

    send = create_send(draft)

    assert resume_send(send.id)

    assert DBTaskResult.objects.filter(task_path__endswith="run_send").count() == 3


def test_a_sent_delivery_is_stored_so_that_lookups_by_its_sent_at_find_it(
    publication, subscribers, draft, smtp_sink
):
    """The hot-path record is plain SQL: its timestamp must be stored as the ORM stores one."""
    send = create_send(draft)
    deliver_batch(send, "test-worker", 10)

    delivery = Delivery.objects.filter(send=send, state=DeliveryState.SENT).first()

    assert Delivery.objects.filter(id=delivery.id, sent_at=delivery.sent_at).exists()
    assert delivery.sent_at.tzinfo is not None
