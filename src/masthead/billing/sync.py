"""Mirror Stripe's subscriptions onto their rows. What Stripe says now is the truth: every event
about a subscription leads to reading it again from Stripe, so events that come late, twice or
out of order all end in the same row."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from masthead.billing import gateway
from masthead.billing.access import PAYING_STATUSES
from masthead.billing.models import PaidSubscription, Plan
from masthead.outbox.events import record_event, subscription_data
from masthead.subscriptions.models import Subscription, SubscriptionStatus

# The metadata key on a Stripe subscription that names the Masthead subscription row it pays for.
ROW_KEY = "masthead_subscription"
ENDED_STATUSES = ("canceled", "incomplete_expired")


def moment_of(seconds) -> dt.datetime | None:
    if seconds in (None, ""):
        return None
    return dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)


def period_end_of(data: dict) -> dt.datetime | None:
    """current_period_end: on the subscription in older API versions, on its item in newer."""
    if data.get("current_period_end"):
        return moment_of(data["current_period_end"])
    items = (data.get("items") or {}).get("data") or []
    if items and items[0].get("current_period_end"):
        return moment_of(items[0]["current_period_end"])
    # A trial's period is the trial: it ends when the first charge is due.
    return moment_of(data.get("trial_end")) if data.get("status") == "trialing" else None


def _plan_id(data: dict) -> str:
    items = (data.get("items") or {}).get("data") or []
    if not items:
        return ""
    item = items[0]
    return (item.get("plan") or {}).get("id") or (item.get("price") or {}).get("id") or ""


def refresh(stripe_subscription_id: str) -> PaidSubscription | None:
    """Read the subscription from Stripe and write it onto its row; None when it is not one of
    this install's (no row names it and its metadata names none)."""
    data = gateway.client().v1.subscriptions.retrieve(stripe_subscription_id).to_dict()
    return mirror(data)


@transaction.atomic
def mirror(data: dict) -> PaidSubscription | None:
    paid = (
        PaidSubscription.objects.select_for_update()
        .filter(stripe_subscription_id=data["id"])
        .first()
    )
    plan = Plan.objects.filter(stripe_plan_id=_plan_id(data)).first()
    if paid is None:
        paid = _new_row(data, plan)
        if paid is None:
            return None
    elif plan is not None:
        paid.plan = plan
    was_paying = paid.status in PAYING_STATUSES  # a new row has no status yet
    paid.status = data.get("status") or paid.status
    paid.current_period_end = period_end_of(data) or paid.current_period_end
    paid.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    paid.ended_at = moment_of(data.get("ended_at"))
    paid.has_paid_or_trialed = paid.has_paid_or_trialed or paid.status in PAYING_STATUSES
    paid.synced_at = timezone.now()
    paid.save()
    if paid.status in PAYING_STATUSES and not was_paying:
        subscription = paid.subscription
        record_event(
            subscription.publication_id,
            "subscriber.upgraded",
            {
                **subscription_data(subscription),
                "plan_id": paid.plan_id,
                "paid_status": paid.status,
            },
        )
    return paid


def _new_row(data: dict, plan: Plan | None) -> PaidSubscription | None:
    row_id = str((data.get("metadata") or {}).get(ROW_KEY) or "")
    if not row_id.isdigit() or plan is None:
        return None
    subscription = Subscription.objects.select_for_update().filter(id=int(row_id)).first()
    if subscription is None or subscription.publication_id != plan.publication_id:
        return None
    paid = PaidSubscription.objects.filter(subscription=subscription).first()
    if (
        paid is not None
        and paid.status not in ENDED_STATUSES
        and data.get("status") in ENDED_STATUSES
    ):
        return None  # an old, ended Stripe subscription never replaces the one paying now
    if paid is None:
        paid = PaidSubscription(subscription=subscription, started_at=timezone.now())
    paid.stripe_subscription_id = data["id"]
    paid.plan = plan
    if subscription.status != SubscriptionStatus.ACTIVE:
        # Paying is subscribing: the reader gets the newsletter too.
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.confirmed_at = subscription.confirmed_at or timezone.now()
        subscription.save(update_fields=["status", "confirmed_at"])
    return paid
