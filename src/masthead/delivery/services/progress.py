"""Where a send stands: its unfinished deliveries, its counters, and marking it done."""

from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.queries import send_outcomes
from masthead.outbox.events import record_send_finished


def unfinished_deliveries(send_id: int):
    return Delivery.objects.filter(
        send_id=send_id, state__in=[DeliveryState.QUEUED, DeliveryState.SENDING]
    )


def finish_send_if_complete(send_id: int) -> bool:
    """Mark a sending send done when no delivery is queued or being sent; recount it."""
    with transaction.atomic():
        done = (
            Send.objects.filter(id=send_id, state=SendState.SENDING)
            .exclude(Exists(unfinished_deliveries(send_id)))
            .update(state=SendState.DONE, finished_at=timezone.now())
        )
        if done:
            recount(send_id)
            record_send_finished(send_id)
    return bool(done)


def recount(send_id: int) -> None:
    outcomes = send_outcomes(send_id)
    Send.objects.filter(id=send_id).update(
        sent_count=outcomes["sent"], failed_count=outcomes["failed"]
    )
