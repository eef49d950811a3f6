"""Deliveries whose reader left before they went out: a reader who unsubscribes gets nothing
more, whatever was written for them before (a newsletter's held rest during a subject test, an
automation email, a digest)."""

from masthead.delivery.models import Delivery, DeliveryState, SendKind, SendState
from masthead.subscriptions.models import SubscriptionStatus

UNSUBSCRIBED_NOTE = "Not sent: the reader unsubscribed before it went out."
# Test sends go to the writer, not to a subscription.
READER_KINDS = [SendKind.NEWSLETTER, SendKind.AUTOMATION, SendKind.DIGEST]


def skip_departed_readers(send_id: int | None = None) -> int:
    """Mark suppressed the queued deliveries of sends still going out whose subscription is no
    longer active, so no send task claims them; returns how many. The worker runs this every
    recovery round; a newsletter's deliveries usually go within minutes, so this matters most
    for what waits (held deliveries, scheduled automation emails). `send_id`: that send's only."""
    deliveries = (
        Delivery.objects.all() if send_id is None else Delivery.objects.filter(send_id=send_id)
    )
    return (
        deliveries.filter(
            state=DeliveryState.QUEUED,
            send__state__in=[SendState.SENDING, SendState.PAUSED],
            send__kind__in=READER_KINDS,
            subscription__isnull=False,
        )
        .exclude(subscription__status=SubscriptionStatus.ACTIVE)
        .update(state=DeliveryState.SUPPRESSED, last_error=UNSUBSCRIBED_NOTE)
    )
