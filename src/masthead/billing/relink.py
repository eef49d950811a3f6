"""Moving imported paying readers onto their Stripe subscriptions.

An import from Substack or Ghost keeps each paying reader's Stripe customer id and gives them a
comp meanwhile. Once this install uses the same Stripe account (or the customers were copied
into its account) and offers the same prices, `relink_imported_customers` finds each such
reader's live subscription, names their Masthead subscription in its metadata (as checkout
does, so webhooks keep it current), mirrors it, and ends the comp.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from masthead.billing import gateway
from masthead.billing.checkout import call_stripe
from masthead.billing.comps import end_grant
from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription, Plan, StripeCustomer
from masthead.billing.sync import PAYING_STATUSES, ROW_KEY, _plan_id, mirror
from masthead.publications.models import Publication
from masthead.subscriptions.models import Subscription

IMPORTED_NOTE = "Imported from"


@dataclass
class RelinkResult:
    linked: list[str] = field(default_factory=list)
    not_linked: list[tuple[str, str]] = field(default_factory=list)  # (email, why)


def relink_imported_customers(publication: Publication) -> RelinkResult:
    result = RelinkResult()
    now = timezone.now()
    grants = (
        AccessGrant.objects.filter(
            publication=publication, kind=GrantKind.COMP, note__startswith=IMPORTED_NOTE
        )
        .exclude(ends_at__lte=now)
        .select_related("person")
        .order_by("id")
    )
    plan_ids = set(
        Plan.objects.filter(publication=publication).values_list("stripe_plan_id", flat=True)
    )
    client = gateway.client()
    for grant in grants:
        try:
            _relink(grant, publication, plan_ids, client, now, result)
        except gateway.PaymentsUnavailable as error:
            # One customer Stripe does not know (or a failed call) stays that reader's problem.
            result.not_linked.append((grant.person.email, str(error)))
    return result


def _relink(grant, publication, plan_ids, client, now, result: RelinkResult) -> None:
    email = grant.person.email
    customer = StripeCustomer.objects.filter(person=grant.person).first()
    if customer is None:
        result.not_linked.append((email, "no Stripe customer was imported"))
        return
    subscription = Subscription.objects.filter(publication=publication, person=grant.person).first()
    if subscription is None:
        result.not_linked.append((email, "not subscribed to this publication"))
        return
    listing = call_stripe(
        lambda: client.v1.subscriptions.list(
            params={"customer": customer.stripe_customer_id, "status": "all", "limit": 100}
        )
    )
    subscriptions = [item.to_dict() for item in listing.data]
    live = [data for data in subscriptions if data.get("status") in PAYING_STATUSES]
    ours = [data for data in live if _plan_id(data) in plan_ids]
    if not ours:
        why = (
            "their Stripe subscription's price is not one of this publication's plans"
            if live
            else "no live Stripe subscription for this customer"
        )
        result.not_linked.append((email, why))
        return
    data = ours[0]
    row = str(subscription.id)
    if (data.get("metadata") or {}).get(ROW_KEY) != row:
        call_stripe(
            lambda: client.v1.subscriptions.update(data["id"], params={"metadata": {ROW_KEY: row}})
        )
        # Mirror what Stripe now holds; not every stand-in echoes metadata back.
        data["metadata"] = {**(data.get("metadata") or {}), ROW_KEY: row}
    paid = mirror(data)
    if not isinstance(paid, PaidSubscription):
        result.not_linked.append((email, "Stripe's subscription could not be mirrored"))
        return
    end_grant(grant, now=now)
    result.linked.append(email)
