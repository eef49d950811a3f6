"""Webhooks out: fanning events into deliveries, claiming and sending them in order per endpoint
with backoff, and the writer's changes to endpoints.

Delivery is at least once: a worker that dies after sending but before recording lets its claim
lapse, and the delivery is sent again, with the same body and event id, so receivers dedupe.
"""

import datetime as dt
import logging
import secrets
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from masthead.outbox import delivery as http_delivery
from masthead.outbox.events import EVENT_TYPES, TEST_EVENT_TYPE, record_event
from masthead.outbox.models import (
    DeliveryState,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

logger = logging.getLogger("masthead.outbox")

FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# Longer than a request can take (delivery.post_event cuts one off after twice the timeout),
# so a live claim never lapses; settings.WEBHOOK_CLAIM_SECONDS may change it.
CLAIM_SECONDS = 60


def claim_seconds() -> float:
    return getattr(settings, "WEBHOOK_CLAIM_SECONDS", CLAIM_SECONDS)


MAX_ENDPOINTS_PER_PUBLICATION = 20


class WebhookError(ValueError):
    """A change to an endpoint the writer asked for cannot be made; the message says why and
    `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def retry_window() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "WEBHOOK_RETRY_SECONDS", 24 * 3600))


def backoff(attempt_count: int) -> dt.timedelta:
    """Wait after the `attempt_count`-th failure: 30 s, 1 min, 2 min, … at most an hour."""
    seconds = FIRST_RETRY_SECONDS * 2 ** min(max(attempt_count - 1, 0), 20)
    return dt.timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


# Fanning out


def dispatch_event(event_id: int) -> int:
    """Create one delivery per active endpoint of the publication that listens to the event's
    type; the conditional UPDATE makes two dispatchers fan an event out once. The count made."""
    with transaction.atomic():
        claimed = Event.objects.filter(id=event_id, dispatched_at__isnull=True).update(
            dispatched_at=timezone.now()
        )
        if not claimed:
            return 0
        event = Event.objects.get(id=event_id)
        endpoints = WebhookEndpoint.objects.filter(
            publication_id=event.publication_id,
            is_active=True,
            created_at__lte=event.created_at,  # an endpoint hears what happened after it was added
        ).order_by("id")
        deliveries = [
            WebhookDelivery(endpoint=endpoint, event=event)
            for endpoint in endpoints
            if event.type in endpoint.event_types
        ]
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(deliveries)


def dispatch_undispatched(limit: int = 500) -> int:
    # Most publications have no endpoint: close their events in one statement.
    Event.objects.filter(dispatched_at__isnull=True).exclude(
        Exists(
            WebhookEndpoint.objects.filter(
                publication_id=OuterRef("publication_id"), is_active=True
            )
        )
    ).update(dispatched_at=timezone.now())
    event_ids = list(
        Event.objects.filter(dispatched_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(dispatch_event(event_id) for event_id in event_ids)


# Claiming and sending


def _is_unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def due_delivery_ids(now, limit: int = 20) -> list[int]:
    """Deliveries that may go now: waiting, due, unclaimed (or whose claim lapsed), to an active
    endpoint, and first in their endpoint's line (nothing earlier still waiting)."""
    earlier_waiting = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"), state=DeliveryState.PENDING, id__lt=OuterRef("id")
    )
    return list(
        WebhookDelivery.objects.filter(
            _is_unclaimed(now),
            state=DeliveryState.PENDING,
            endpoint__is_active=True,
            next_attempt_at__lte=now,
        )
        .exclude(Exists(earlier_waiting))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def claim_delivery(delivery_id: int, now=None) -> str | None:
    """Claim one delivery for CLAIM_SECONDS with a conditional UPDATE; the claim's token, or None
    when another worker holds it or it is no longer due."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = WebhookDelivery.objects.filter(
        _is_unclaimed(now),
        id=delivery_id,
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
    ).update(
        claimed_until=now + dt.timedelta(seconds=claim_seconds()),
        claim_token=token,
        first_attempt_at=Coalesce(F("first_attempt_at"), now),
    )
    return token if claimed else None


def record_attempt(delivery_id: int, token: str, outcome: http_delivery.Outcome) -> None:
    """Save what the attempt got and move the delivery on: done, retried later, or given up.
    Only the worker still holding the claim moves it; a late one just adds its attempt."""
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.filter(id=delivery_id).first()
        if delivery is None:  # the endpoint was deleted meanwhile
            return
        WebhookAttempt.objects.create(
            delivery=delivery,
            started_at=now - dt.timedelta(milliseconds=outcome.duration_ms),
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:300],
            response_excerpt=outcome.response_excerpt[:500],
            is_success=outcome.is_success,
        )
        mine = WebhookDelivery.objects.filter(id=delivery_id, claim_token=token)
        released = {
            "claimed_until": None,
            "claim_token": "",
            "attempt_count": F("attempt_count") + 1,
        }
        if outcome.is_success:
            mine.update(state=DeliveryState.SUCCEEDED, finished_at=now, **released)
            return
        attempt_count = delivery.attempt_count + 1
        retry_at = now + backoff(attempt_count)
        first_attempt_at = delivery.first_attempt_at or now
        if retry_at > first_attempt_at + retry_window():
            mine.update(state=DeliveryState.FAILED, finished_at=now, **released)
            return
        if mine.update(next_attempt_at=retry_at, **released):
            transaction.on_commit(lambda: _wake_at(retry_at))


def _wake_at(moment) -> None:
    from masthead.outbox.tasks import deliver_outbox

    try:
        deliver_outbox.using(run_after=moment).enqueue()
    except Exception:  # noqa: BLE001 - the worker's sweep retries it anyway
        logger.exception("Could not queue the webhook retry; the sweep will send it")


def deliver(delivery_id: int) -> bool | None:
    """Claim, send and record one delivery: True sent, False failed, None not ours to send."""
    token = claim_delivery(delivery_id)
    if token is None:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(id=delivery_id)
    outcome = http_delivery.post_event(
        delivery.endpoint.url, delivery.endpoint.secret, delivery.event.body
    )
    record_attempt(delivery_id, token, outcome)
    return outcome.is_success


def send_due(time_budget_seconds: float = 20.0) -> int:
    """Send what is due, endpoint after endpoint, until nothing is or the budget is spent."""
    deadline = time.monotonic() + time_budget_seconds
    attempted = 0
    while time.monotonic() < deadline:
        due = due_delivery_ids(timezone.now())
        if not due:
            break
        for delivery_id in due:
            if deliver(delivery_id) is not None:
                attempted += 1
            if time.monotonic() >= deadline:
                break
    return attempted


def dispatch_pending(time_budget_seconds: float = 20.0) -> int:
    """The sweep: fan out every event not fanned out yet (its request may have been lost), then
    send every delivery that is due. Safe to run from any number of workers at once."""
    dispatch_undispatched()
    return send_due(time_budget_seconds)


# The writer's changes


def _clean_event_types(event_types) -> list[str]:
    chosen = [name for name in EVENT_TYPES if name in set(event_types or [])]
    if not chosen:
        raise WebhookError("Choose at least one event to send.", field="event_types")
    return chosen


def create_endpoint(publication, url: str, event_types) -> WebhookEndpoint:
    """Add an endpoint with a fresh secret (shown to the writer once)."""
    try:
        url = http_delivery.check_url(url)
    except http_delivery.WebhookUrlRefused as error:
        raise WebhookError(str(error), field="url") from error
    chosen = _clean_event_types(event_types)
    if (
        WebhookEndpoint.objects.filter(publication=publication).count()
        >= MAX_ENDPOINTS_PER_PUBLICATION
    ):
        raise WebhookError(
            f"A publication can have at most {MAX_ENDPOINTS_PER_PUBLICATION} webhook endpoints."
        )
    return WebhookEndpoint.objects.create(
        publication=publication,
        url=url,
        event_types=chosen,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
    )


def set_endpoint_active(endpoint: WebhookEndpoint, is_active: bool) -> None:
    """Pausing stops new events from being queued for the endpoint; those already queued wait
    and go out, in order, when it is enabled again."""
    WebhookEndpoint.objects.filter(id=endpoint.id).update(is_active=is_active)
    endpoint.is_active = is_active


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    WebhookEndpoint.objects.filter(id=endpoint.id).delete()


@transaction.atomic
def send_test_event(endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event for this endpoint alone, queued behind its earlier deliveries."""
    event = record_event(
        endpoint.publication_id,
        TEST_EVENT_TYPE,
        {"endpoint_id": endpoint.id, "message": "A test event from Masthead."},
    )
    Event.objects.filter(id=event.id).update(dispatched_at=timezone.now())
    return WebhookDelivery.objects.create(endpoint=endpoint, event=event)
