"""The one rule of paid access: who reads a paid post whole, enters a paid-only chat, comments
where only paid subscribers may, and gets the full paid newsletter.

A person has paid access to a publication when they are its staff, or pay for it (a Stripe
subscription that is active, in its trial, or in Stripe's payment retries), or hold a grant
that covers now (a comp, a referral reward, a gift, a group seat). Every surface asks here:
one person at a time (has_paid_access) or a whole subscriber list at once (paid_readers).
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from masthead.billing.models import AccessGrant
from masthead.publications.models import Membership
from masthead.subscriptions.models import Subscription

# Stripe's statuses that keep access: past_due is the retry period of its dunning (the reader
# keeps reading while Stripe tries the card again); unpaid and canceled end it.
PAYING_STATUSES = ("active", "trialing", "past_due")


def paying_condition(prefix: str, now) -> Q:
    """A paid subscription that grants access now; `prefix` leads from the queried model to it.
    One that was set to cancel at its period's end stops at that end even if Stripe's event
    telling so is late."""
    return Q(**{f"{prefix}status__in": PAYING_STATUSES}) & ~Q(
        **{f"{prefix}cancel_at_period_end": True, f"{prefix}current_period_end__lte": now}
    )


def current_grants(now) -> QuerySet[AccessGrant]:
    """Grants that cover this moment: begun, and open-ended or not yet over."""
    return AccessGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now
    )


def has_paid_access(person, publication_id: int, *, now=None) -> bool:
    """Whether this person has paid access to the publication now, in one query."""
    if person is None or not person.is_authenticated:
        return False
    now = now or timezone.now()
    return (
        get_user_model()
        .objects.filter(pk=person.pk)
        .filter(_has_access(publication_id, OuterRef("pk"), now))
        .exists()
    )


def _has_access(publication_id: int, person, now) -> Q:
    """Staff, paying, or granted: as one condition on a person (an OuterRef to them)."""
    staff = Membership.objects.filter(publication_id=publication_id, person=person)
    paying = Subscription.objects.filter(
        paying_condition("paid__", now), publication_id=publication_id, person=person
    )
    granted = current_grants(now).filter(publication_id=publication_id, person=person)
    return Q(Exists(staff)) | Q(Exists(paying)) | Q(Exists(granted))


def with_paid_access(subscriptions: QuerySet[Subscription], publication_id: int, *, now=None):
    """The subscriptions (of one publication) whose person has paid access now, in one query."""
    now = now or timezone.now()
    return subscriptions.filter(_has_access(publication_id, OuterRef("person"), now))


def paid_reader_ids(publication_id: int, person_ids, *, now=None) -> set[int]:
    """Which of these people have paid access now, in a fixed number of queries."""
    person_ids = list(person_ids)
    if not person_ids:
        return set()
    now = now or timezone.now()
    staff = set(
        Membership.objects.filter(
            publication_id=publication_id, person_id__in=person_ids
        ).values_list("person_id", flat=True)
    )
    paying = set(
        Subscription.objects.filter(
            paying_condition("paid__", now), publication_id=publication_id, person_id__in=person_ids
        ).values_list("person_id", flat=True)
    )
    granted = set(
        current_grants(now)
        .filter(publication_id=publication_id, person_id__in=person_ids)
        .values_list("person_id", flat=True)
    )
    return staff | paying | granted


def founding_member_ids(publication_id: int, person_ids, *, now=None) -> set[int]:
    """Which of these people pay on the publication's founding-member plan now (the badge
    Substack shows beside their name), in one query."""
    from masthead.billing.models import PlanInterval

    person_ids = list(person_ids)
    if not person_ids:
        return set()
    now = now or timezone.now()
    return set(
        Subscription.objects.filter(
            paying_condition("paid__", now),
            publication_id=publication_id,
            person_id__in=person_ids,
            paid__plan__interval=PlanInterval.FOUNDING,
        ).values_list("person_id", flat=True)
    )
