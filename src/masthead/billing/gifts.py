"""Gift subscriptions: a signed-in reader pays once for a year of paid access for someone's
address; the recipient gets an email (now or on the chosen day) with a link that redeems it
once, into an AccessGrant(kind=gift) that starts now or after the access they already hold."""

import datetime as dt

import stripe
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from masthead.accounts.services import normalize_email
from masthead.accounts.tokens import BadToken, make_token, read_token
from masthead.billing import gateway
from masthead.billing.checkout import UNREACHABLE, CheckoutRefused, confirmed_card, customer_id_for
from masthead.billing.gift_models import Gift
from masthead.billing.models import AccessGrant, GrantKind, Plan, PlanInterval
from masthead.referrals.services import add_months, subscribe_signed_in_reader

GIFT_SALT = "masthead.gift"
# A gift is a year at the yearly price: the one length every publication prices.
GIFT_MONTHS = 12
# Far enough for a birthday, near enough that the card's charge is still remembered.
LATEST_DELIVERY_DAYS = 365


def gift_plan(publication) -> Plan | None:
    """The plan whose price a gift costs: the active yearly one."""
    return Plan.objects.filter(
        publication=publication, interval=PlanInterval.YEAR, is_active=True
    ).first()


def gift_token(gift: Gift) -> str:
    return make_token(GIFT_SALT, {"gift": gift.id, "to": gift.recipient_email})


def buy_gift(
    buyer,
    publication,
    *,
    recipient_email: str,
    message: str,
    deliver_at: dt.datetime | None,
    setup_intent_id: str,
) -> Gift:
    """Charge the buyer's card (saved by a confirmed SetupIntent) once for a year, and keep the
    gift; its email goes out after commit, or on deliver_at by the worker."""
    from masthead.billing.gift_tasks import send_gift_email

    plan = gift_plan(publication)
    if plan is None:
        raise CheckoutRefused("Gifts are not offered right now.")
    card = confirmed_card(buyer, setup_intent_id)
    customer = customer_id_for(buyer)
    recipient = normalize_email(recipient_email)
    intent = _charge(plan, customer, card, buyer, recipient, setup_intent_id)
    now = timezone.now()
    with transaction.atomic():
        gift, is_new = Gift.objects.get_or_create(
            stripe_payment_intent_id=intent.id,
            defaults={
                "publication": publication,
                "buyer": buyer,
                "recipient_email": recipient,
                "message": message.strip()[:1000],
                "months": GIFT_MONTHS,
                "amount": plan.amount,
                "currency": plan.currency,
                "deliver_at": max(deliver_at or now, now),
            },
        )
        if is_new:
            # The task row is written in this transaction: the gift and its email together.
            task = send_gift_email
            if gift.deliver_at > now:
                task = send_gift_email.using(run_after=gift.deliver_at)
            task.enqueue(gift.id)
    return gift


def _charge(plan, customer, card, buyer, recipient, setup_intent_id):
    """One charge of the yearly price; a double click or a retry charges once."""
    try:
        intent = gateway.client().v1.payment_intents.create(
            params={
                "amount": plan.amount,
                "currency": plan.currency,
                "customer": customer,
                "payment_method": card,
                "confirm": True,
                "off_session": True,
                "metadata": {
                    "masthead_gift_for": recipient,
                    "masthead_publication": str(plan.publication_id),
                    "masthead_buyer": str(buyer.pk),
                },
            },
            options={"idempotency_key": f"masthead-gift-{buyer.pk}-{setup_intent_id}"},
        )
    except stripe.CardError as error:
        raise CheckoutRefused(
            (error.user_message or "Your card was declined.") + " Nothing was charged."
        ) from None
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error
    if intent.status != "succeeded":
        raise CheckoutRefused("Your card was declined. Nothing was charged; try another card.")
    return intent


def open_gift(token: str) -> Gift:
    """The gift a link names while it can be redeemed; reading it changes nothing."""
    payload = read_token(GIFT_SALT, token)
    gift = (
        Gift.objects.select_related("publication", "buyer")
        .filter(id=payload.get("gift"), recipient_email=payload.get("to"))
        .first()
    )
    if gift is None:
        raise BadToken("This link is not valid.")
    if gift.redeemed_at is not None:
        raise BadToken("This gift was already redeemed.")
    return gift


@transaction.atomic
def redeem_gift(token: str, person) -> Gift:
    """Spend the gift for `person` (the signed-in reader, or the recipient signed in by the
    link): months of paid access after any they already hold, and a subscription."""
    gift = open_gift(token)
    now = timezone.now()
    # Conditional update: of two clicks racing, exactly one redeems.
    spent = Gift.objects.filter(id=gift.id, redeemed_at__isnull=True).update(
        redeemed_at=now, redeemed_by=person
    )
    if not spent:
        raise BadToken("This gift was already redeemed.")
    starts_at = _access_end(gift.publication_id, person, now)
    grant = AccessGrant.objects.create(
        publication_id=gift.publication_id,
        person=person,
        kind=GrantKind.GIFT,
        starts_at=starts_at,
        ends_at=add_months(starts_at, gift.months),
        note=f"Gift from {gift.buyer.email}"[:200],
    )
    Gift.objects.filter(id=gift.id).update(grant=grant)
    subscribe_signed_in_reader(gift.publication, person)
    gift.refresh_from_db()
    return gift


def _access_end(publication_id: int, person, now: dt.datetime) -> dt.datetime:
    """When the person's dated grants run out (gifts stack), or now when they hold none."""
    # Grants yet to begin count too: a second gift starts after the first, not beside it.
    latest = AccessGrant.objects.filter(
        publication_id=publication_id, person=person, ends_at__gt=now
    ).aggregate(latest=Max("ends_at"))["latest"]
    return max(latest or now, now)


def gifts_bought(buyer, publication) -> list[Gift]:
    return list(
        Gift.objects.filter(buyer=buyer, publication=publication).order_by("-created_at", "-id")
    )
