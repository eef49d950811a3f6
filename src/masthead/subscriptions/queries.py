"""Reads of subscriptions."""

from masthead.subscriptions.models import Subscription, SubscriptionStatus


def subscriptions_of(person) -> list[Subscription]:
    return list(
        Subscription.objects.filter(person=person)
        .exclude(status=SubscriptionStatus.UNSUBSCRIBED, confirmed_at__isnull=True)
        .select_related("publication")
        .order_by("publication__name")
    )


def subscription_of(person, publication) -> Subscription | None:
    if not person.is_authenticated:
        return None
    return Subscription.objects.filter(person=person, publication=publication).first()
