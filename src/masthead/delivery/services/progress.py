"""Where a send stands: deliveries by state, the send's counters, and marking it done."""

from django.db import transaction
from django.db.models import Count, Exists
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState


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
    return bool(done)


def recount(send_id: int) -> None:
    counts = send_progress(send_id)
    Send.objects.filter(id=send_id).update(
        sent_count=counts[DeliveryState.SENT], failed_count=counts[DeliveryState.FAILED]
    )


def send_progress(send_id: int) -> dict[str, int]:
    """Deliveries of a send by state, in one query."""
    counts = dict(
        Delivery.objects.filter(send_id=send_id)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in DeliveryState.values}
