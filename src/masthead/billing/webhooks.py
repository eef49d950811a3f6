"""Stripe's events, at /billing/stripe/webhook/: each verified with the endpoint's signing
secret (Stripe's scheme, t=...,v1=HMAC-SHA256), handled once per event id, and acted on by
reading the subscription again from Stripe, so order does not matter."""

import logging

import stripe
from django.conf import settings
from django.db import transaction

from masthead.billing import gateway, sync
from masthead.billing.models import StripeEvent

logger = logging.getLogger(__name__)
# Stripe refuses events signed longer ago than this (its libraries' default), against replays.
TOLERANCE_SECONDS = 300


class EventRefused(Exception):
    """Not an event from our Stripe account (no secret, a bad signature, not JSON)."""


def verify(payload: bytes, signature: str):
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise EventRefused("No webhook secret is configured.")
    try:
        return stripe.Webhook.construct_event(
            payload.decode("utf-8"),
            signature or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=TOLERANCE_SECONDS,
        )
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as error:
        raise EventRefused(str(error)) from None


def subscription_named(event) -> str:
    """The Stripe subscription an event is about, if any."""
    data = event.to_dict().get("data", {}).get("object", {}) or {}
    if event.type.startswith("customer.subscription."):
        return str(data.get("id") or "")
    if event.type.startswith("invoice."):
        subscription = data.get("subscription") or ""
        if not subscription:  # newer API versions nest it under parent.subscription_details
            details = (data.get("parent") or {}).get("subscription_details") or {}
            subscription = details.get("subscription") or ""
        return subscription if isinstance(subscription, str) else subscription.get("id", "")
    return ""


def handle(event) -> str:
    """Act on a verified event once. Stripe errors propagate, so the event is not recorded and
    Stripe sends it again later."""
    from masthead.billing.tasks import send_payment_failed_email

    with transaction.atomic():
        _, is_new = StripeEvent.objects.get_or_create(
            event_id=event.id, defaults={"type": event.type[:100]}
        )
        if not is_new:
            return "replayed"
        subscription_id = subscription_named(event)
        if not subscription_id:
            return "ignored"
        # Read once from Stripe, then written onto whichever row pays by it.
        data = gateway.client().v1.subscriptions.retrieve(subscription_id).to_dict()
        paid = sync.mirror(data)
        if paid is None:
            # Not a reader's own subscription: perhaps a group's, whose seats follow it.
            from masthead.billing.groups import mirror_group

            return "synced" if mirror_group(data) else "not ours"
        if event.type == "invoice.payment_failed":
            invoice_id = event.to_dict()["data"]["object"].get("id", "")
            # The database task backend writes the task in this transaction: with the event.
            send_payment_failed_email.enqueue(paid.id, invoice_id)
        return "synced"
