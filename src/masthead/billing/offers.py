"""Offers and free trials: what a reader pays less, or later, when they start paying.

An offer is a Stripe coupon the writer shares as a link (/subscribe/?offer=<code>); a free trial
is a number of days the writer sets on the Prices page, given once per reader and publication.
One service for the desk, the API and the CLI."""

import contextlib
import datetime as dt
import secrets
from dataclasses import dataclass

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from masthead.billing import gateway
from masthead.billing.checkout import UNREACHABLE
from masthead.billing.models import MAX_TRIAL_DAYS, BillingSettings, PaidSubscription, Plan
from masthead.billing.offer_models import Offer, OfferDuration
from masthead.billing.receipts import format_money
from masthead.pagecache import invalidation

MAX_MONTHS = 36
CODE_LENGTH = 40
SHOWN_ENDED = 50


class OfferRefused(Exception):
    """The offer cannot be made or used; the message says why, for the writer or the reader."""


@dataclass(frozen=True)
class OfferTerms:
    percent_off: int | None = None
    amount_off: int | None = None  # in the publication's currency's cents
    duration: str = OfferDuration.ONCE
    duration_in_months: int | None = None
    ends_at: dt.datetime | None = None


# --- Free trials ----------------------------------------------------------------------------------


def set_trial_days(publication, days: int) -> None:
    if not 0 <= days <= MAX_TRIAL_DAYS:
        raise OfferRefused(f"A free trial is from 0 to {MAX_TRIAL_DAYS} days.")
    BillingSettings.objects.filter(publication=publication).update(trial_days=days)
    invalidation.publication_changed(publication.id)


def trial_days_of(publication) -> int:
    found = BillingSettings.objects.filter(publication=publication).values("trial_days").first()
    return found["trial_days"] if found else 0


def trial_days_for(person, publication) -> int:
    """The free days this person gets on a new paid subscription here: the publication's trial,
    unless they have paid or trialed here before."""
    days = trial_days_of(publication)
    if days and person is not None and person.is_authenticated:
        had_one = PaidSubscription.objects.filter(
            subscription__person=person,
            subscription__publication=publication,
            has_paid_or_trialed=True,
        ).exists()
        return 0 if had_one else days
    return days


# --- Offers ---------------------------------------------------------------------------------------


def validate_terms(terms: OfferTerms) -> None:
    if (terms.percent_off is None) == (terms.amount_off is None):
        raise OfferRefused("Choose a percentage or an amount off.")
    if terms.percent_off is not None and not 1 <= terms.percent_off <= 100:
        raise OfferRefused("A percentage off is from 1 to 100.")
    if terms.amount_off is not None and terms.amount_off < 1:
        raise OfferRefused("An amount off is more than zero.")
    if terms.duration not in OfferDuration.values:
        raise OfferRefused("Choose how long the discount lasts.")
    if terms.duration == OfferDuration.REPEATING and not (
        terms.duration_in_months and 1 <= terms.duration_in_months <= MAX_MONTHS
    ):
        raise OfferRefused(f"Give the number of months, from 1 to {MAX_MONTHS}.")


def create_offer(publication, code: str, terms: OfferTerms, *, created_by=None, now=None) -> Offer:
    """A Stripe coupon for these terms, mirrored as an offer whose link is ?offer=<code>."""
    now = now or timezone.now()
    code = slugify(code or "")[:CODE_LENGTH].strip("-")
    if not code:
        raise OfferRefused("Give the offer a code of letters, digits and dashes.")
    validate_terms(terms)
    if terms.ends_at is not None and terms.ends_at <= now:
        raise OfferRefused("The end date is in the past.")
    if Offer.objects.filter(publication=publication, code=code).exists():
        raise OfferRefused(f"An offer with the code {code} exists; choose another code.")
    currency = _currency_of(publication)
    if not currency:
        raise OfferRefused("Set your prices first: an offer is a discount on them.")
    params: dict = {
        # Random, so a coupon left in Stripe by an attempt that failed here never blocks a retry.
        "id": f"mh{publication.pk}-{code}-{secrets.token_hex(4)}",
        "duration": terms.duration,
        "metadata": {"masthead_publication": str(publication.pk), "code": code},
    }
    if terms.percent_off is not None:
        params["percent_off"] = terms.percent_off
    else:
        params.update(amount_off=terms.amount_off, currency=currency)
    if terms.duration == OfferDuration.REPEATING:
        params["duration_in_months"] = terms.duration_in_months
    try:
        coupon = gateway.client().v1.coupons.create(params=params)
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error
    try:
        with transaction.atomic():
            return Offer.objects.create(
                publication=publication,
                code=code,
                percent_off=terms.percent_off,
                amount_off=terms.amount_off,
                currency="" if terms.percent_off is not None else currency,
                duration=terms.duration,
                duration_in_months=params.get("duration_in_months"),
                ends_at=terms.ends_at,
                stripe_coupon_id=coupon.id,
                created_by=created_by,
                created_at=now,
            )
    except IntegrityError:  # two writers, one code, the same instant
        raise OfferRefused(f"An offer with the code {code} exists; choose another code.") from None


def end_offer(offer: Offer, *, now=None) -> bool:
    """Stop new uses of the offer; False when it had already ended. Readers who have its discount
    keep it: Stripe keeps a deleted coupon's discounts on the subscriptions that have them."""
    now = now or timezone.now()
    with transaction.atomic():
        ended = Offer.objects.filter(pk=offer.pk, ended_at__isnull=True).update(ended_at=now)
        invalidation.publication_changed(offer.publication_id)
    offer.refresh_from_db(fields=["ended_at"])
    if ended:
        # Ended here is what stops new uses (only this install creates its subscriptions), so a
        # coupon Stripe could not delete now is no harm.
        with contextlib.suppress(stripe.StripeError):
            gateway.client().v1.coupons.delete(offer.stripe_coupon_id)
    return bool(ended)


def usable_offer(publication, code, *, now=None) -> Offer | None:
    """The open offer of this publication with this code, or None (unknown, ended, expired, or
    an amount in a currency the publication no longer charges)."""
    if not isinstance(code, str) or not code or len(code) > CODE_LENGTH:
        return None
    if slugify(code) != code.lower():  # no code has other characters (nor a NUL, which
        return None  # PostgreSQL refuses in a query)
    now = now or timezone.now()
    offer = Offer.objects.filter(publication=publication, code=code.lower()).first()
    if offer is None or not offer.is_open_at(now):
        return None
    if offer.amount_off is not None and offer.currency != _currency_of(publication):
        return None
    return offer


def _currency_of(publication) -> str:
    found = BillingSettings.objects.filter(publication=publication).values("currency").first()
    return found["currency"] if found else ""


def list_offers(publication, *, now=None) -> tuple[list[Offer], list[Offer]]:
    """Open offers (newest first) and the latest ended or expired ones, in one query."""
    now = now or timezone.now()
    everything = list(Offer.objects.filter(publication=publication).order_by("-created_at", "-pk"))
    open_ones = [offer for offer in everything if offer.is_open_at(now)]
    closed = [offer for offer in everything if not offer.is_open_at(now)]
    return open_ones, closed[:SHOWN_ENDED]


# --- How an offer reads ---------------------------------------------------------------------------


def discounted_amount(amount: int, offer: Offer) -> int:
    if offer.percent_off is not None:
        return round(amount * (100 - offer.percent_off) / 100)
    return max(0, amount - (offer.amount_off or 0))


def discount_text(offer: Offer) -> str:
    """ "25% off" or "$2 off"."""
    if offer.percent_off is not None:
        return f"{offer.percent_off}% off"
    return f"{format_money(offer.amount_off or 0, offer.currency)} off"


def duration_text(offer: Offer, plan: Plan | None = None) -> str:
    """How long the discount lasts, in payments of this plan where that is clearer: Stripe gives
    a repeating coupon to every invoice in its months, so 3 months of a yearly plan is one
    payment."""
    if offer.duration == OfferDuration.FOREVER:
        return "for as long as you stay subscribed"
    if offer.duration == OfferDuration.REPEATING:
        months = offer.duration_in_months or 1
        if plan is not None and plan.stripe_interval == "year":
            payments = -(-months // 12)
            return "on the first payment" if payments == 1 else f"on the first {payments} payments"
        return "for the first month" if months == 1 else f"for the first {months} months"
    return "on the first payment"


def offer_price(plan: Plan, offer: Offer) -> str:
    return format_money(discounted_amount(plan.amount, offer), plan.currency)
