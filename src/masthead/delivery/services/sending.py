"""Sending a claimed batch: per-recipient bytes from the send's pre-rendered template, one
transport connection per batch, each delivery marked sent, retried or failed."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from masthead.delivery.messages import MessageTemplate, mail_domain, unsubscribe_url_prefix
from masthead.delivery.models import Delivery, DeliveryState, Send
from masthead.delivery.services.claiming import Claimed, claim_batch
from masthead.delivery.services.limits import max_attempts, retry_delay
from masthead.delivery.tracking import tracking_token
from masthead.delivery.transport import RecipientRefused, TransportUnavailable, open_transport
from masthead.subscriptions.models import Subscription
from masthead.subscriptions.services import unsubscribe_token


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0


class SendRenderer:
    """Per-recipient bytes for one send: the pre-built template plus substitutions."""

    def __init__(self, send: Send):
        self.template = MessageTemplate(send, send.html_template, send.text_template)
        self.unsubscribe_before, self.unsubscribe_after = unsubscribe_url_prefix(send.publication)
        self.fallback_url = self.unsubscribe_before.rsplit("/unsubscribe/", 1)[0] + "/"
        self.is_tracked = send.is_tracked

    def unsubscribe_url(self, subscription_id: int | None) -> str:
        if subscription_id is None:  # a test send to someone who is not a subscriber
            return self.fallback_url
        token = unsubscribe_token(Subscription(id=subscription_id))
        return f"{self.unsubscribe_before}{token}{self.unsubscribe_after}"

    def render(self, delivery: Claimed) -> bytes:
        return self.template.render(
            delivery.id,
            delivery.email,
            self.unsubscribe_url(delivery.subscription_id),
            tracking_token(delivery.id) if self.is_tracked else "",
        )


def deliver_batch(
    send: Send,
    worker_id: str,
    size: int,
    smtp=None,
    renderer: SendRenderer | None = None,
) -> BatchResult:
    """Claim a batch and send it over one transport connection; mark each delivery sent or failed.

    Raises TransportUnavailable when the server or API cannot take mail; the
    deliveries not sent go back to the queue without using up an attempt.
    """
    claimed = claim_batch(send, worker_id, size)
    result = BatchResult(claimed=len(claimed))
    if not claimed:
        return result
    renderer = renderer or SendRenderer(send)
    own_connection = smtp is None
    sent_ids: list[int] = []
    refused: list[tuple[Claimed, str]] = []
    try:
        if smtp is None:
            smtp = open_transport()
        for delivery in claimed:
            try:
                smtp.send(
                    renderer.template.envelope_from,
                    delivery.email,
                    renderer.render(delivery),
                )
            except RecipientRefused as error:
                refused.append((delivery, error.reason))
            else:
                sent_ids.append(delivery.id)
    except TransportUnavailable:
        _finish_batch(send, worker_id, sent_ids, refused, result)
        sent = set(sent_ids)
        _release(worker_id, [d.id for d in claimed if d.id not in sent])
        raise
    finally:
        if own_connection and smtp is not None:
            smtp.close()
    _finish_batch(send, worker_id, sent_ids, refused, result)
    return result


def _release(worker_id: str, ids: list[int]) -> None:
    if ids:
        Delivery.objects.filter(
            id__in=ids, state=DeliveryState.SENDING, claimed_by=worker_id
        ).update(state=DeliveryState.QUEUED, claimed_by="", claimed_at=None)


def _finish_batch(send, worker_id, sent_ids, refused, result: BatchResult) -> None:
    now = timezone.now()
    domain = mail_domain()
    with transaction.atomic():
        if sent_ids:
            result.sent = Delivery.objects.filter(
                id__in=sent_ids, state=DeliveryState.SENDING, claimed_by=worker_id
            ).update(
                state=DeliveryState.SENT,
                sent_at=now,
                claimed_by="",
                message_id=Concat(
                    Value(f"<send-{send.id}.delivery-"),
                    Cast("id", CharField()),
                    Value(f"@{domain}>"),
                    output_field=CharField(),
                ),
            )
        for delivery, error in refused:
            attempts = delivery.attempts + 1
            if attempts >= max_attempts():
                changes = {"state": DeliveryState.FAILED, "next_attempt_at": None}
                result.failed += 1
            else:
                changes = {
                    "state": DeliveryState.QUEUED,
                    "next_attempt_at": now + retry_delay(attempts),
                }
                result.retrying += 1
            Delivery.objects.filter(
                id=delivery.id, state=DeliveryState.SENDING, claimed_by=worker_id
            ).update(
                attempts=attempts,
                last_error=error[:1000],
                claimed_by="",
                claimed_at=None,
                **changes,
            )
        if result.sent or result.failed:
            Send.objects.filter(id=send.id).update(
                sent_count=F("sent_count") + result.sent,
                failed_count=F("failed_count") + result.failed,
            )
