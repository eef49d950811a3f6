"""Subscribers added and changed by a publication's staff (the API; the desk may share it).

The rule mirrors the desk's CSV import and comps: the writer vouches for the address, so an
added subscriber is active at once and gets no confirmation email. Who unsubscribed stays
unsubscribed: staff cannot mail someone again against their word.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.accounts.services import get_or_create_person
from masthead.subscriptions import services
from masthead.subscriptions.importing.files import check_email
from masthead.subscriptions.importing.values import (
    CONTROL_CHARACTERS,
    MAX_LABEL_LENGTH,
    MAX_LABELS,
)
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus


class SubscriberError(Exception):
    """A change staff asked for cannot be made; `status` is the HTTP answer that fits."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


def clean_labels(labels) -> list[str]:
    """Trimmed labels without repeats (case-insensitively), at most 20 of 40 characters."""
    cleaned: dict[str, str] = {}
    for label in labels:
        text = " ".join(CONTROL_CHARACTERS.sub(" ", str(label)).split())[:MAX_LABEL_LENGTH]
        if text.strip():
            cleaned.setdefault(text.casefold(), text.strip())
    return list(cleaned.values())[:MAX_LABELS]


def add_subscriber_by_staff(publication, email: str, labels=()) -> tuple[Subscription, bool]:
    """Subscribe the address as staff; returns (subscription, whether it was created)."""
    email, reason = check_email(email)
    if not email:
        raise SubscriberError(f"This address cannot be added: {reason}.", field="email")
    try:
        return _add(publication, email, clean_labels(labels))
    except IntegrityError:
        # A sign-up for the same address raced this one; theirs created the row.
        return _add(publication, email, clean_labels(labels))


@transaction.atomic
def _add(publication, email: str, labels: list[str]) -> tuple[Subscription, bool]:
    now = timezone.now()
    person = get_or_create_person(email)
    subscription, created = Subscription.objects.select_for_update().get_or_create(
        publication=publication,
        person=person,
        defaults={
            "status": SubscriptionStatus.ACTIVE,
            "source": SubscriptionSource.STAFF,
            "confirmed_at": now,
            "labels": labels,
        },
    )
    if created:
        return subscription, True
    if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
        raise SubscriberError(
            "This address unsubscribed; only its owner can subscribe again.", status=409
        )
    if subscription.status == SubscriptionStatus.PENDING:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.confirmed_at = now
    if labels:
        subscription.labels = clean_labels([*subscription.labels, *labels])
    subscription.save(update_fields=["status", "confirmed_at", "labels"])
    return subscription, False


def update_subscriber_by_staff(
    subscription: Subscription, *, labels=None, status: str | None = None
) -> Subscription:
    """Replace the labels, unsubscribe, or activate a pending address."""
    if labels is not None:
        Subscription.objects.filter(id=subscription.id).update(labels=clean_labels(labels))
    if status == SubscriptionStatus.UNSUBSCRIBED:
        subscription = services.unsubscribe(subscription)
    elif status == SubscriptionStatus.ACTIVE and not subscription.is_active:
        if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
            raise SubscriberError(
                "This address unsubscribed; only its owner can subscribe again.", status=409
            )
        # Pending: staff vouch for the address, as the import and comps do.
        Subscription.objects.filter(id=subscription.id, status=SubscriptionStatus.PENDING).update(
            status=SubscriptionStatus.ACTIVE, confirmed_at=timezone.now()
        )
    subscription.refresh_from_db()
    return subscription


def remove_subscriber_by_staff(subscription: Subscription) -> Subscription:
    """Unsubscribe: the row stays, so the address is not mailed again and history is kept."""
    return services.unsubscribe(subscription)
