import socket

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import (
    Delivery,
    DeliveryState,
    Send,
    SendState,
    Suppression,
    SuppressionReason,
)
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.send_task import work_on_send
from masthead.delivery.tasks import run_send
from masthead.posts.models import PostStatus
from tests import factories
from tests.delivery.sinks import RefusingSink
from tests.mail import running_sink

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_sink(settings):
    with running_sink(settings, RefusingSink(refused={"reader1@example.com"})) as sink:
        yield sink


def test_a_550_is_a_hard_bounce_at_once_and_suppresses_the_address(
    publication, subscribers, refusing_sink, run_worker
):
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    create_send(post)

    run_worker()

    refused = Delivery.objects.get(email="reader1@example.com")
    assert refused.state == DeliveryState.BOUNCED
    assert refused.attempts == 1
    assert refused.last_error.startswith("550")
    assert refusing_sink.refusal_count == 1
    assert Suppression.objects.filter(
        email="reader1@example.com", reason=SuppressionReason.HARD_BOUNCE
    ).exists()
    assert sorted(m.envelope_to[0] for m in refusing_sink.messages) == [
        "reader0@example.com",
        "reader2@example.com",
    ]
    send = Send.objects.get()
    assert send.state == SendState.DONE
    assert send.sent_count == 2


def test_a_bounced_address_gets_no_later_send(publication, subscribers, refusing_sink, run_worker):
    create_send(factories.make_post(publication, "First", status=PostStatus.DRAFT))
    run_worker()

    later = create_send(factories.make_post(publication, "Second", status=PostStatus.DRAFT))

    assert not later.deliveries.filter(email="reader1@example.com").exists()
    assert later.recipient_count == 2


def test_a_451_is_tried_again_on_the_schedule_then_fails(
    publication, subscribers, settings, run_worker
):
    settings.DELIVERY_RETRY_SCHEDULE_SECONDS = (0, 0)
    sink = RefusingSink(refused={"reader1@example.com"}, reply="451 4.7.1 Try again later")
    with running_sink(settings, sink):
        create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))
        run_worker()

    refused = Delivery.objects.get(email="reader1@example.com")
    assert refused.state == DeliveryState.FAILED
    assert refused.attempts == 3  # the first try and one per entry of the schedule
    assert refused.last_error.startswith("451")
    assert sink.refusal_count == 3
    assert not Suppression.objects.filter(email="reader1@example.com").exists()


def test_a_temporarily_refused_recipient_waits_for_its_backoff(publication, subscribers, settings):
    settings.DELIVERY_RETRY_SCHEDULE_SECONDS = (60, 300)
    sink = RefusingSink(refused={"reader1@example.com"}, reply="451 4.7.1 Greylisted")
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    send = create_send(post)
    with running_sink(settings, sink):
        outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

    refused = Delivery.objects.get(email="reader1@example.com")
    assert outcome == "waiting"
    assert refused.state == DeliveryState.QUEUED
    assert refused.attempts == 1
    assert 55 <= (refused.next_attempt_at - timezone.now()).total_seconds() <= 60
    assert len(sink.messages) == 2
    successor = DBTaskResult.objects.filter(status=TaskResultStatus.READY).latest("enqueued_at")
    assert successor.run_after >= refused.next_attempt_at


def test_smtp_server_down_keeps_every_delivery_queued_without_using_attempts(
    publication, subscribers, settings
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port, "timeout": 2},
        }
    }
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    send = create_send(post)

    outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

    assert outcome == "smtp unavailable"
    assert list(Delivery.objects.values_list("state", "attempts").distinct()) == [
        (DeliveryState.QUEUED, 0)
    ]
    assert Send.objects.get().state == SendState.SENDING
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert waiting.count() == 3  # the send's two first tasks, and the successor, postponed
    assert waiting.order_by("-run_after").first().task_path.endswith("run_send")


def test_send_resumes_when_the_smtp_server_is_back(publication, subscribers, settings, smtp_sink):
    options = settings.MAILERS["default"]["OPTIONS"]
    settings.MAILERS = {"default": {"BACKEND": "x", "OPTIONS": {**options, "port": 1}}}
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    send = create_send(post)
    assert work_on_send(send.id, lambda: run_send.enqueue(send.id)) == "smtp unavailable"

    settings.MAILERS = {"default": {"BACKEND": "x", "OPTIONS": options}}
    outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

    assert outcome == "done"
    assert len(smtp_sink.messages) == 3
