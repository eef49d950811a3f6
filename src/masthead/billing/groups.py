"""Group subscriptions: a signed-in reader pays one Stripe subscription for N seats of the
yearly plan (quantity N) and hands the seats out by email. A claimed seat is an
AccessGrant(kind=group) with no end while the group pays; mirroring the group's Stripe
subscription dates the grants (to the period's end when it is set to cancel, to the end when it
ends), so billing.access's one rule needs nothing of its own for groups."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from masthead.accounts.services import normalize_email
from masthead.accounts.tokens import BadToken, make_token, read_token
from masthead.billing import gateway
from masthead.billing.access import PAYING_STATUSES
from masthead.billing.checkout import (
    CheckoutRefused,
    call_stripe,
    confirmed_card,
    customer_id_for,
)
from masthead.billing.gift_models import Group, GroupSeat
from masthead.billing.gifts import gift_plan
from masthead.billing.models import AccessGrant, GrantKind
from masthead.billing.sync import moment_of, period_end_of
from masthead.referrals.services import subscribe_signed_in_reader

SEAT_SALT = "masthead.group-seat"
MIN_SEATS = 2
MAX_SEATS = 100
# The metadata key on a Stripe subscription that names the group it pays for.
GROUP_KEY = "masthead_group_payer"


def seat_token(seat: GroupSeat) -> str:
    return make_token(SEAT_SALT, {"seat": seat.id, "to": seat.email})


def get_group_for_payer(person, publication, group_id: int) -> Group:
    """The group, for the person who pays for it; anyone else gets a 404."""
    group = (
        Group.objects.select_related("plan")
        .filter(id=group_id, publication=publication, payer=person)
        .first()
    )
    if group is None:
        raise Http404("No such group.")
    return group


def open_seat_count(group: Group) -> int:
    return group.seats.filter(removed_at__isnull=True).count()


def is_paying(group: Group) -> bool:
    return group.status in PAYING_STATUSES


def buy_group(payer, publication, seat_count: int, setup_intent_id: str) -> Group:
    """Start a yearly Stripe subscription for `seat_count` seats; the payer holds the first."""
    if not MIN_SEATS <= seat_count <= MAX_SEATS:
        raise CheckoutRefused(f"A group has {MIN_SEATS} to {MAX_SEATS} seats.")
    plan = gift_plan(publication)
    if plan is None:
        raise CheckoutRefused("Group subscriptions are not offered right now.")
    card = confirmed_card(payer, setup_intent_id)
    customer = customer_id_for(payer)
    client = gateway.client()
    call_stripe(
        lambda: client.v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": card}}
        )
    )
    created = call_stripe(
        lambda: client.v1.subscriptions.create(
            params={
                "customer": customer,
                "items": [{"plan": plan.stripe_plan_id, "quantity": seat_count}],
                "metadata": {GROUP_KEY: str(payer.pk), "masthead_plan": str(plan.pk)},
            },
            options={"idempotency_key": f"masthead-group-{payer.pk}-{setup_intent_id}"},
        )
    )
    data = created.to_dict()
    if data.get("status") not in PAYING_STATUSES:
        call_stripe(lambda: client.v1.subscriptions.cancel(created.id))
        raise CheckoutRefused("Your card was declined. Nothing was charged; try another card.")
    with transaction.atomic():
        group, is_new = Group.objects.get_or_create(
            stripe_subscription_id=created.id,
            defaults={
                "publication": publication,
                "payer": payer,
                "plan": plan,
                "seat_count": seat_count,
                "status": data["status"],
                "current_period_end": period_end_of(data),
            },
        )
        if is_new:
            seat = GroupSeat.objects.create(group=group, email=payer.email)
            _claim(seat, payer, timezone.now())
    return group


def add_member(group: Group, email: str) -> GroupSeat:
    """Give a free seat to an address and email it a claim link."""
    from masthead.billing.gift_tasks import send_group_seat_email

    email = normalize_email(email)
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(id=group.id)
        if not is_paying(locked):
            raise CheckoutRefused("This group subscription has ended.")
        if open_seat_count(locked) >= locked.seat_count:
            raise CheckoutRefused(
                f"All {locked.seat_count} seats are taken. Remove someone to free a seat."
            )
        try:
            with transaction.atomic():
                seat = GroupSeat.objects.create(group=locked, email=email)
        except IntegrityError:
            raise CheckoutRefused(f"{email} already has a seat.") from None
        send_group_seat_email.enqueue(seat.id)
    return seat


@transaction.atomic
def remove_member(group: Group, seat_id: int) -> GroupSeat:
    """Free the seat and end its holder's access now."""
    seat = GroupSeat.objects.select_for_update().filter(id=seat_id, group=group).first()
    if seat is None:
        raise Http404("No such seat.")
    if seat.removed_at is not None:
        return seat
    now = timezone.now()
    seat.removed_at = now
    seat.save(update_fields=["removed_at"])
    if seat.grant_id is not None:
        # A grant that ended already (with its group) keeps its end.
        AccessGrant.objects.filter(id=seat.grant_id).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        ).update(ends_at=now)
    return seat


def open_seat(token: str) -> GroupSeat:
    """The seat a claim link names while it can be claimed; reading it changes nothing."""
    payload = read_token(SEAT_SALT, token)
    seat = (
        GroupSeat.objects.select_related("group__publication", "group__payer")
        .filter(id=payload.get("seat"), email=payload.get("to"))
        .first()
    )
    if seat is None:
        raise BadToken("This link is not valid.")
    if seat.removed_at is not None:
        raise BadToken("This seat was given back. Ask whoever invited you.")
    if seat.claimed_at is not None:
        raise BadToken("This seat was already claimed.")
    if not is_paying(seat.group):
        raise BadToken("This group subscription has ended.")
    return seat


@transaction.atomic
def claim_seat(token: str, person) -> GroupSeat:
    seat = open_seat(token)
    _claim(seat, person, timezone.now())
    seat.refresh_from_db()
    return seat


def _claim(seat: GroupSeat, person, now: dt.datetime) -> None:
    # Conditional update: of two clicks racing, exactly one claims.
    spent = GroupSeat.objects.filter(
        id=seat.id, claimed_at__isnull=True, removed_at__isnull=True
    ).update(claimed_at=now, claimed_by=person)
    if not spent:
        raise BadToken("This seat was already claimed.")
    group = seat.group
    grant = AccessGrant.objects.create(
        publication_id=group.publication_id,
        person=person,
        kind=GrantKind.GROUP,
        starts_at=now,
        ends_at=_grant_end(group),
        note=f"Seat {seat.id} of group {group.id}",
    )
    GroupSeat.objects.filter(id=seat.id).update(grant=grant)
    subscribe_signed_in_reader(group.publication, person)


def _grant_end(group: Group) -> dt.datetime | None:
    """None while the group pays on; the period's end once it is set to cancel; its end once
    ended."""
    if not is_paying(group):
        return group.ended_at or timezone.now()
    if group.cancel_at_period_end:
        return group.current_period_end
    return None


def refresh_group(stripe_subscription_id: str) -> Group | None:
    """Read the group's subscription from Stripe and mirror it; None when it is no group's."""
    if not Group.objects.filter(stripe_subscription_id=stripe_subscription_id).exists():
        return None
    data = gateway.client().v1.subscriptions.retrieve(stripe_subscription_id).to_dict()
    return mirror_group(data)


@transaction.atomic
def mirror_group(data: dict) -> Group | None:
    """Write what Stripe says of a group's subscription, and date its members' grants to it."""
    group = Group.objects.select_for_update().filter(stripe_subscription_id=data["id"]).first()
    if group is None:
        return None
    group.status = data.get("status") or group.status
    group.current_period_end = period_end_of(data) or group.current_period_end
    group.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    group.ended_at = moment_of(data.get("ended_at")) or (
        group.ended_at or timezone.now() if not is_paying(group) else None
    )
    group.save()
    AccessGrant.objects.filter(
        id__in=group.seats.filter(removed_at__isnull=True, grant__isnull=False).values("grant_id")
    ).update(ends_at=_grant_end(group))
    return group
