"""Emails of gifts and group seats, sent by the worker: a gift on its delivery day, a seat's
claim link as soon as the payer adds someone."""

from django.tasks import task
from django.utils import timezone

from masthead.billing.gift_models import Gift, GroupSeat
from masthead.billing.gifts import gift_token
from masthead.billing.groups import seat_token
from masthead.core.mail import build_email, publication_sender
from masthead.core.system_mail import send_system_mail
from masthead.publications.links import publication_link


@task()
def send_gift_email(gift_id: int, attempt: int = 0) -> None:
    """Tell the recipient about their gift; sent once, however often the task runs."""
    gift = (
        Gift.objects.select_related("publication", "buyer")
        .filter(id=gift_id, sent_at__isnull=True, redeemed_at__isnull=True)
        .first()
    )
    if gift is None:
        return
    publication = gift.publication
    message = build_email(
        "gift_received",
        gift.recipient_email,
        {
            "publication": publication,
            "gift": gift,
            "giver": gift.buyer.name,
            "url": publication_link(publication, "billing:gift_redeem", gift_token(gift)),
        },
        from_email=publication_sender(publication),
    )
    claimed_at = timezone.now()
    claimed = Gift.objects.filter(id=gift_id, sent_at__isnull=True).update(sent_at=claimed_at)
    if not claimed:
        return
    send_system_mail(
        message,
        task=send_gift_email,
        args=[gift_id],
        attempt=attempt,
        on_unsent=lambda: Gift.objects.filter(id=gift_id, sent_at=claimed_at).update(sent_at=None),
    )


@task()
def send_group_seat_email(seat_id: int, attempt: int = 0) -> None:
    """Send a seat's claim link, while the seat is still open and unclaimed."""
    seat = (
        GroupSeat.objects.select_related("group__publication", "group__payer")
        .filter(id=seat_id, claimed_at__isnull=True, removed_at__isnull=True)
        .first()
    )
    if seat is None:
        return
    publication = seat.group.publication
    payer = seat.group.payer
    message = build_email(
        "group_seat",
        seat.email,
        {
            "publication": publication,
            "payer": payer.name,
            "url": publication_link(publication, "billing:group_claim", seat_token(seat)),
        },
        from_email=publication_sender(publication),
    )
    send_system_mail(message, task=send_group_seat_email, args=[seat_id], attempt=attempt)
