import socket

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.send_task import work_on_send
from masthead.delivery.tasks import run_send
from masthead.posts.models import PostStatus
from tests import factories
from tests.delivery.sinks import RefusingSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_sink(settings):
    sink = RefusingSink(refused={"reader1@example.com"})
    sink.controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }
    yield sink
    sink.controller.stop()


def test_refused_recipient_fails_after_retries_and_the_others_are_sent(
    publication, subscribers, refusing_sink, run_worker, settings
):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    create_send(post)

    run_worker()

    refused = Delivery.objects.get(email="reader1@example.com")
    assert refused.state == DeliveryState.FAILED
    assert refused.attempts == 3
    assert refused.last_error.startswith("550")
    assert refusing_sink.refusal_count == 3
    assert sorted(m.envelope_to[0] for m in refusing_sink.messages) == [
        "reader0@example.com",
        "reader2@example.com",
    ]
    send = Send.objects.get()
    assert send.state == SendState.DONE
    assert (send.sent_count, send.failed_count) == (2, 1)


def test_refused_recipient_waits_for_its_backoff(publication, subscribers, refusing_sink, settings):
    settings.DELIVERY_RETRY_SECONDS = 60
    post = factories.make_post(publication, "Hello", status=PostStatus.DRAFT)
    send = create_send(post)

    outcome = work_on_send(send.id, lambda: run_send.enqueue(send.id))

    refused = Delivery.objects.get(email="reader1@example.com")
    assert outcome == "waiting"
    assert refused.state == DeliveryState.QUEUED
    assert refused.attempts == 1
    assert refused.next_attempt_at is not None
    assert len(refusing_sink.messages) == 2
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
