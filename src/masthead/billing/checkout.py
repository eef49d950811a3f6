"""A reader pays: their card is saved with a Stripe SetupIntent (confirmed in the browser by
Stripe.js, so the card never touches this server), then a Stripe subscription is created for
the plan they chose and mirrored onto their one subscription row. Cancel, resume, switch plan
and change card act on that Stripe subscription and mirror it again."""

import stripe
from django.db import transaction
from django.utils import timezone

from masthead.billing import gateway, sync
from masthead.billing.access import PAYING_STATUSES
from masthead.billing.models import PaidSubscription, Plan, StripeCustomer
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

UNREACHABLE = "Payments are not available right now. Nothing was charged; try again in a minute."


class CheckoutRefused(Exception):
    """The reader's request cannot be done; the message says why, for them."""


def call_stripe(call):
    """Run a Stripe call; its failures become one clear message, never a 500."""
    try:
        return call()
    except stripe.CardError as error:
        raise CheckoutRefused(error.user_message or "Your card was declined.") from None
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error


def customer_id_for(person) -> str:
    """The person's Stripe customer, created the first time they pay."""
    found = StripeCustomer.objects.filter(person=person).first()
    if found is not None:
        return found.stripe_customer_id
    customer = call_stripe(
        lambda: gateway.client().v1.customers.create(
            params={"email": person.email, "metadata": {"masthead_person": str(person.pk)}},
            options={"idempotency_key": f"masthead-customer-{person.pk}"},
        )
    )
    StripeCustomer.objects.get_or_create(
        person=person, defaults={"stripe_customer_id": customer.id}
    )
    return StripeCustomer.objects.get(person=person).stripe_customer_id


def _create_setup_intent(customer: str):
    return gateway.client().v1.setup_intents.create(
        params={"customer": customer, "usage": "off_session", "payment_method_types": ["card"]}
    )


def start_card_setup(person) -> str:
    """A SetupIntent for the person's card; its client secret goes to Stripe.js in the page."""
    customer = customer_id_for(person)
    try:
        intent = call_stripe(lambda: _create_setup_intent(customer))
    except gateway.PaymentsUnavailable as error:
        if not _is_unknown_customer(error.__cause__):
            raise
        # A customer id kept from an import (billing.relink) that this Stripe account does not
        # know: the reader pays here as a new customer.
        StripeCustomer.objects.filter(person=person, stripe_customer_id=customer).delete()
        customer = customer_id_for(person)
        intent = call_stripe(lambda: _create_setup_intent(customer))
    return intent.client_secret


def _is_unknown_customer(error) -> bool:
    return (
        isinstance(error, stripe.InvalidRequestError)
        and (getattr(error, "code", "") == "resource_missing" or "customer" in str(error).lower())
        and getattr(error, "http_status", 0) in (400, 404)
    )


def confirmed_card(person, setup_intent_id: str) -> str:
    """The payment method of a SetupIntent this person confirmed, read back from Stripe: what the
    browser says is never taken on trust."""
    if not isinstance(setup_intent_id, str) or not setup_intent_id.startswith("seti_"):
        raise CheckoutRefused("Your card was not saved. Enter it again.")
    try:
        intent = gateway.client().v1.setup_intents.retrieve(setup_intent_id)
    except stripe.InvalidRequestError:
        raise CheckoutRefused("Your card was not saved. Enter it again.") from None
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error
    if intent.customer != customer_id_for(person) or intent.status != "succeeded":
        raise CheckoutRefused("Your card was not saved. Enter it again.")
    payment_method = intent.payment_method
    return payment_method if isinstance(payment_method, str) else payment_method.id


def paying_subscription(person, publication_id: int) -> PaidSubscription | None:
    return (
        PaidSubscription.objects.select_related("plan")
        .filter(
            subscription__person=person,
            subscription__publication_id=publication_id,
            status__in=PAYING_STATUSES,
        )
        .first()
    )


def subscribe(
    person, plan: Plan, setup_intent_id: str, *, offer_code: str = "", utm: dict | None = None
) -> PaidSubscription:
    """Start paying for `plan` with the card of a confirmed SetupIntent. A free subscriber keeps
    their subscription row; a reader not yet subscribed is subscribed by paying. The reader's
    first paid subscription here starts with the publication's free trial, if it has one; an
    offer's code applies its coupon (refused when the offer is no longer open). `utm` holds the
    UTM parameters the reader landed with, kept on a subscription that paying creates."""
    from masthead.billing import offers  # offers reads this module's UNREACHABLE

    if not plan.is_active:
        raise CheckoutRefused("This plan is no longer offered. Choose another.")
    if paying_subscription(person, plan.publication_id) is not None:
        raise CheckoutRefused(
            "You already have a paid subscription. Manage it on your account page."
        )
    offer = None
    if offer_code:
        offer = offers.usable_offer(plan.publication, offer_code)
        if offer is None:
            raise CheckoutRefused("This offer has ended. Nothing was charged.")
    card = confirmed_card(person, setup_intent_id)
    customer = customer_id_for(person)
    trial_days = offers.trial_days_for(person, plan.publication)
    row = _subscription_row(person, plan, utm)
    params: dict = {
        "customer": customer,
        "items": [{"plan": plan.stripe_plan_id}],
        "metadata": {sync.ROW_KEY: str(row.pk), "masthead_plan": str(plan.pk)},
    }
    if trial_days:
        params["trial_period_days"] = trial_days
    if offer is not None:
        params["discounts"] = [{"coupon": offer.stripe_coupon_id}]
        params["metadata"]["masthead_offer"] = offer.code
    client = gateway.client()
    call_stripe(
        lambda: client.v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": card}}
        )
    )
    created = call_stripe(
        lambda: client.v1.subscriptions.create(
            params=params,
            # A double click, or a retry after a lost answer, creates one subscription.
            options={"idempotency_key": f"masthead-subscribe-{row.pk}-{setup_intent_id}"},
        )
    )
    paid = sync.mirror(created.to_dict())
    if paid is None or paid.status not in PAYING_STATUSES:
        # The first payment failed: end the attempt now rather than leave Stripe a subscription
        # waiting for a payment that will not come.
        call_stripe(lambda: client.v1.subscriptions.cancel(created.id))
        sync.refresh(created.id)
        raise CheckoutRefused("Your card was declined. Nothing was charged; try another card.")
    return paid


UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")


def _subscription_row(person, plan: Plan, utm: dict[str, str] | None = None) -> Subscription:
    row, _ = Subscription.objects.get_or_create(
        publication_id=plan.publication_id,
        person=person,
        defaults={
            "status": SubscriptionStatus.ACTIVE,
            "source": SubscriptionSource.WEBSITE,
            "confirmed_at": timezone.now(),
            **{name: (utm or {}).get(name, "") for name in UTM_FIELDS},
        },
    )
    return row


def set_cancel_at_period_end(paid: PaidSubscription, cancel: bool) -> PaidSubscription:
    """Cancel (access runs to the end of the paid period) or take the cancellation back."""
    updated = call_stripe(
        lambda: gateway.client().v1.subscriptions.update(
            paid.stripe_subscription_id, params={"cancel_at_period_end": cancel}
        )
    )
    return sync.mirror(updated.to_dict())


def switch_plan(paid: PaidSubscription, plan: Plan) -> PaidSubscription:
    """Move to another plan of the same publication; Stripe prorates the difference."""
    if plan.publication_id != paid.plan.publication_id or not plan.is_active:
        raise CheckoutRefused("Choose one of this publication's plans.")
    if plan.pk == paid.plan_id:
        return paid
    client = gateway.client()
    current = call_stripe(lambda: client.v1.subscriptions.retrieve(paid.stripe_subscription_id))
    item_id = current.to_dict()["items"]["data"][0]["id"]
    updated = call_stripe(
        lambda: client.v1.subscriptions.update(
            paid.stripe_subscription_id,
            params={"items": [{"id": item_id, "plan": plan.stripe_plan_id}]},
        )
    )
    return sync.mirror(updated.to_dict())


@transaction.atomic
def change_card(person, setup_intent_id: str) -> None:
    """Make the card of a newly confirmed SetupIntent the one every renewal charges."""
    card = confirmed_card(person, setup_intent_id)
    customer = customer_id_for(person)
    call_stripe(
        lambda: gateway.client().v1.customers.update(
            customer, params={"invoice_settings": {"default_payment_method": card}}
        )
    )
