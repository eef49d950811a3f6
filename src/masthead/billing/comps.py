"""Complimentary paid access: a writer gives a person paid reading for some months or for good,
by email address. One service for the desk, the API and the CLI: the person is created when the
address is new and subscribed to the publication, and the grant is an AccessGrant of kind comp,
which billing.access already counts."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from masthead.accounts.services import get_or_create_person
from masthead.billing.models import AccessGrant, GrantKind
from masthead.core.addresses import InvalidAddress, normalize_address, readable_address
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

MAX_MONTHS = 24
# The past comps a list shows; current ones are all shown.
PAST_SHOWN = 50


class CompRefused(Exception):
    """The comp cannot be given; the message says why, for the writer."""


def comp_end(starts_at: dt.datetime, months: int | None) -> dt.datetime | None:
    """When a comp of `months` starting then ends: the same day that many months later (the
    month's last day when it is shorter), or never when `months` is None."""
    if months is None:
        return None
    if not 1 <= months <= MAX_MONTHS:
        raise CompRefused(f"Give between 1 and {MAX_MONTHS} months, or choose forever.")
    return starts_at + relativedelta(months=months)


def grant_comp(
    publication, email: str, *, months: int | None, note: str = "", granted_by=None, now=None
) -> AccessGrant:
    """Give the person at `email` paid access for `months` (None: until ended). The person is
    created when unknown and subscribed; a comp they already hold ends now, replaced by this one
    (so a writer extends a comp by giving it again)."""
    try:
        address = normalize_address(email or "")
    except InvalidAddress as error:
        raise CompRefused(str(error)) from None
    now = now or timezone.now()
    ends_at = comp_end(now, months)
    note = " ".join((note or "").split())[:200]
    with transaction.atomic():
        person = get_or_create_person(address)
        _subscribe(publication, person, now)
        current_comps(publication, now).filter(person=person).update(ends_at=now)
        return AccessGrant.objects.create(
            publication=publication,
            person=person,
            kind=GrantKind.COMP,
            starts_at=now,
            ends_at=ends_at,
            note=note,
            granted_by=granted_by,
        )


def _subscribe(publication, person, now) -> None:
    """Subscribe the person (the writer vouches for the address, as for staff additions). Who
    unsubscribed stays unsubscribed: a comp lets them read on the site, it does not mail them
    again against their word."""
    subscription, created = Subscription.objects.get_or_create(
        publication=publication,
        person=person,
        defaults={
            "status": SubscriptionStatus.ACTIVE,
            "source": SubscriptionSource.STAFF,
            "confirmed_at": now,
        },
    )
    if not created and subscription.status == SubscriptionStatus.PENDING:
        Subscription.objects.filter(pk=subscription.pk, status=SubscriptionStatus.PENDING).update(
            status=SubscriptionStatus.ACTIVE, confirmed_at=now
        )


def current_comps(publication, now):
    """The publication's comps that cover this moment or begin later."""
    return AccessGrant.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        publication=publication,
        kind=GrantKind.COMP,
    )


def end_grant(grant: AccessGrant, *, now=None) -> bool:
    """End a comp now; False when it had already ended (two clicks: the second changes nothing)."""
    now = now or timezone.now()
    with transaction.atomic():
        ended = current_comps(grant.publication_id, now).filter(pk=grant.pk).update(ends_at=now)
    grant.refresh_from_db(fields=["ends_at"])
    return bool(ended)


def list_comps(publication, *, now=None) -> tuple[list[AccessGrant], list[AccessGrant]]:
    """The current comps (all, longest-standing first) and the latest past ones, in two queries."""
    now = now or timezone.now()
    base = AccessGrant.objects.filter(publication=publication, kind=GrantKind.COMP).select_related(
        "person", "granted_by"
    )
    current = list(
        base.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now)).order_by("starts_at", "pk")
    )
    past = list(base.filter(ends_at__lte=now).order_by("-ends_at", "-pk")[:PAST_SHOWN])
    for grant in (*current, *past):
        # The domain as the writer typed it (bücher.example), not as it is stored (xn--…).
        grant.shown_email = readable_address(grant.person.email)
    return current, past
