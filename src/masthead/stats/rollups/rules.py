"""Who counted as a subscriber, and as a paid one, at a past moment: the rules every rollup
table shares, as conditions on Subscription rows."""

from django.db.models import Exists, OuterRef, Q

from masthead.billing.models import AccessGrant, PaidSubscription
from masthead.billing.revenue import has_paid, paying_at
from masthead.subscriptions.models import SubscriptionSource, SubscriptionStatus


def confirmed_between(start, end) -> Q:
    """Confirmed in [start, end); an import that was never confirmed here counts from its
    creation. Pending rows never count."""
    return ~Q(status=SubscriptionStatus.PENDING) & (
        Q(confirmed_at__gte=start, confirmed_at__lt=end)
        | Q(
            confirmed_at__isnull=True,
            source=SubscriptionSource.IMPORT,
            created_at__gte=start,
            created_at__lt=end,
        )
    )


def subscribed_at(moment) -> Q:
    """Subscribed at that moment: confirmed before it and not unsubscribed by then."""
    confirmed = Q(confirmed_at__lt=moment) | Q(
        confirmed_at__isnull=True, source=SubscriptionSource.IMPORT, created_at__lt=moment
    )
    stayed = Q(unsubscribed_at__gte=moment) | Q(
        unsubscribed_at__isnull=True, status=SubscriptionStatus.ACTIVE
    )
    return ~Q(status=SubscriptionStatus.PENDING) & confirmed & stayed


def unsubscribed_between(start, end) -> Q:
    return Q(unsubscribed_at__gte=start, unsubscribed_at__lt=end) & (
        Q(confirmed_at__isnull=False) | Q(source=SubscriptionSource.IMPORT)
    )


def grants_at(publication_id: int, moment):
    return AccessGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=moment),
        publication_id=publication_id,
        starts_at__lte=moment,
    )


def paid_at(publication_id: int, moment) -> Q:
    """The subscription's person had paid access at that moment (billing's rule for the past,
    as in billing.revenue): a paid subscription that had paid and covered it, or a grant."""
    paying = PaidSubscription.objects.filter(paying_at(moment), subscription=OuterRef("pk"))
    granted = grants_at(publication_id, moment).filter(person=OuterRef("person"))
    return Q(Exists(paying)) | Q(Exists(granted))


def ever_paid() -> Q:
    """On PaidSubscription: it paid at some point (a failed first payment never counts)."""
    return has_paid()
