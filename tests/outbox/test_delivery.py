"""Webhooks reach a real local endpoint signed, in order, retried with backoff, and at least once
when a worker dies mid-delivery."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from masthead.outbox import delivery as http_delivery
from masthead.outbox.events import record_event
from masthead.outbox.models import DeliveryState, Event, WebhookAttempt, WebhookDelivery
from masthead.outbox.services import (
    WebhookError,
    backoff,
    claim_delivery,
    create_endpoint,
    dispatch_event,
    dispatch_pending,
    dispatch_undispatched,
)


def make_due_again() -> None:
    """Time passes: every waiting delivery's retry is due."""
    WebhookDelivery.objects.filter(state=DeliveryState.PENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def test_delivery_is_signed_with_the_endpoint_secret(publication, endpoint, receiver):
    event = record_event(publication, "post.published", {"post_id": 7})
    dispatch_pending()
    [request] = receiver.requests
    assert request.body == event.body
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("Masthead")
    header = request.headers["Masthead-Signature"]
    assert http_delivery.is_valid_signature("whsec_test_secret", request.body, header)
    assert not http_delivery.is_valid_signature("whsec_other", request.body, header)
    assert not http_delivery.is_valid_signature("whsec_test_secret", request.body + " ", header)
    body = json.loads(request.body)
    assert set(body) == {"id", "type", "created_at", "publication", "data"}
    assert body["data"] == {"post_id": 7}
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.attempts.get().status_code == 200


def test_only_subscribed_types_are_sent(publication, endpoint, receiver):
    endpoint.event_types = ["comment.added"]
    endpoint.save()
    record_event(publication, "post.published", {"post_id": 1})
    record_event(publication, "comment.added", {"comment_id": 2})
    dispatch_pending()
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["comment.added"]


def test_a_failing_event_blocks_the_next_one_until_it_succeeds(publication, endpoint, receiver):
    receiver.script = [500]
    first = record_event(publication, "post.published", {"post_id": 1})
    second = record_event(publication, "post.published", {"post_id": 2})
    dispatch_pending()
    # The first answered 500; the second waits behind it.
    assert [json.loads(r.body)["id"] for r in receiver.requests] == [first.public_id]
    waiting = WebhookDelivery.objects.get(event=first)
    assert waiting.state == DeliveryState.PENDING and waiting.attempt_count == 1
    assert waiting.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert WebhookDelivery.objects.get(event=second).attempt_count == 0
    dispatch_pending()  # not due yet: nothing more goes out
    assert len(receiver.requests) == 1
    make_due_again()
    dispatch_pending()
    assert [json.loads(r.body)["id"] for r in receiver.requests] == [
        first.public_id,
        first.public_id,
        second.public_id,
    ]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


@pytest.mark.parametrize(
    ("reply", "error_part"),
    [
        (500, "Answered 500"),
        ("hang", "No answer within"),
        (("redirect", "https://x.test/"), "Redirected"),
    ],
)
def test_bad_answers_are_retried_with_backoff(
    publication, endpoint, receiver, settings, reply, error_part
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.hang_seconds = 0.6
    receiver.script = [reply, reply]
    event = record_event(publication, "post.published", {"post_id": 1})
    dispatch_pending()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.PENDING
    first_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=30)
    assert error_part in delivery.attempts.get().error
    make_due_again()
    dispatch_pending()
    delivery.refresh_from_db()
    second_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=55) < second_wait <= dt.timedelta(seconds=60)  # doubled
    make_due_again()
    dispatch_pending()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    assert delivery.attempt_count == 3
    assert {json.loads(r.body)["id"] for r in receiver.requests} == {event.public_id}


def test_backoff_grows_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [30, 60, 120, 3600, 3600]


def test_a_delivery_failing_for_a_day_is_given_up_and_the_next_goes(
    publication, endpoint, receiver
):
    receiver.script = [500, 500]
    first = record_event(publication, "post.published", {"post_id": 1})
    second = record_event(publication, "post.published", {"post_id": 2})
    dispatch_pending()
    WebhookDelivery.objects.filter(event=first).update(
        first_attempt_at=timezone.now() - dt.timedelta(hours=24)
    )
    make_due_again()
    dispatch_pending()
    assert WebhookDelivery.objects.get(event=first).state == DeliveryState.FAILED
    assert WebhookDelivery.objects.get(event=second).state == DeliveryState.SUCCEEDED
    assert json.loads(receiver.requests[-1].body)["id"] == second.public_id


def test_private_addresses_are_refused_without_the_setting(publication, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    for url in (
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ):
        with pytest.raises(WebhookError) as refused:
            create_endpoint(publication, url, ["post.published"])
        assert "private" in str(refused.value), url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/",
        "javascript:alert(1)",
        "https://",
        "http://u:p@example.com/",
        "http://example.com:99999/",
        "http://example.com/a b",
        "http://example.com/\r\nX-Evil: 1",
        "x" * 3000,
    ],
)
def test_malformed_urls_are_refused_with_a_message(publication, url):
    with pytest.raises(WebhookError):
        create_endpoint(publication, url, ["post.published"])


def test_a_host_that_turned_private_is_refused_at_send_time(
    publication, endpoint, receiver, settings
):
    record_event(publication, "post.published", {"post_id": 1})
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False  # as if its name now resolved to loopback
    dispatch_pending()
    assert receiver.requests == []
    attempt = WebhookAttempt.objects.get()
    assert "private" in attempt.error and attempt.status_code is None


def test_a_worker_killed_mid_delivery_leaves_it_to_be_sent_again_once(
    publication, endpoint, receiver
):
    event = record_event(publication, "post.published", {"post_id": 1})
    dispatch_undispatched()
    delivery = WebhookDelivery.objects.get()
    # A worker claims it, posts it, and dies before recording anything.
    assert claim_delivery(delivery.id) is not None
    http_delivery.post_event(endpoint.url, endpoint.secret, event.body)
    dispatch_pending()  # the claim is still live: nobody else sends it
    assert len(receiver.requests) == 1
    WebhookDelivery.objects.filter(id=delivery.id).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1)
    )
    dispatch_pending()
    dispatch_pending()
    assert len(receiver.requests) == 2
    killed, retried = receiver.requests
    assert retried.body == killed.body == event.body
    assert json.loads(retried.body)["id"] == event.public_id
    assert http_delivery.is_valid_signature(
        endpoint.secret, retried.body, retried.headers["Masthead-Signature"]
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempt_count == 1


def test_two_workers_cannot_claim_the_same_delivery(publication, endpoint):
    record_event(publication, "post.published", {"post_id": 1})
    dispatch_undispatched()
    delivery = WebhookDelivery.objects.get()
    assert claim_delivery(delivery.id) is not None
    assert claim_delivery(delivery.id) is None


def test_an_event_is_fanned_out_once(publication, endpoint):
    event = record_event(publication, "post.published", {"post_id": 1})
    assert dispatch_event(event.id) == 1
    assert dispatch_event(event.id) == 0
    assert WebhookDelivery.objects.count() == 1


def test_a_paused_endpoint_keeps_its_queue_until_enabled(publication, endpoint, receiver):
    record_event(publication, "post.published", {"post_id": 1})
    dispatch_undispatched()  # queued for the endpoint while it was active
    endpoint.is_active = False
    endpoint.save()
    record_event(publication, "post.published", {"post_id": 2})
    dispatch_pending()
    assert receiver.requests == []
    endpoint.is_active = True
    endpoint.save()
    dispatch_pending()
    # The queued event goes; the one from while it was paused was never meant for it.
    assert [json.loads(r.body)["data"]["post_id"] for r in receiver.requests] == [1]


def test_a_url_with_non_ascii_characters_is_sent_percent_encoded(publication, endpoint, receiver):
    endpoint.url = f"{receiver.url}/ünï?name=café"
    endpoint.save()
    record_event(publication, "post.published", {"post_id": 1})
    dispatch_pending()
    assert receiver.requests[0].path == "/hooks/%C3%BCn%C3%AF?name=caf%C3%A9"


def test_events_of_a_publication_without_endpoints_are_closed_by_the_sweep(publication):
    record_event(publication, "post.published", {"post_id": 1})
    dispatch_pending()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_dribbling_its_answer_is_cut_off_before_the_claim_lapses(settings):
    """Each byte within the timeout, the whole answer never: the request ends after twice the
    timeout, well inside the delivery's claim, so no other worker sends the event again."""
    import socket
    import threading
    import time

    from masthead.outbox.delivery import post_event

    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    server = socket.create_server(("127.0.0.1", 0))
    answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    sent = []

    def dribble():
        connection, _ = server.accept()
        connection.recv(65536)
        for byte in answer:
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                break
            sent.append(byte)
            time.sleep(0.1)  # each byte well within the 0.3 s read timeout
        connection.close()

    dribbler = threading.Thread(target=dribble, daemon=True)
    dribbler.start()
    outcome = post_event(f"http://127.0.0.1:{server.getsockname()[1]}/hook", "whsec_x", "{}")
    server.close()

    assert not outcome.is_success
    assert len(sent) < len(answer)  # the request ended before the endpoint finished answering
