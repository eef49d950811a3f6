"""A publication's prices: monthly, yearly and founding member, created in Stripe and mirrored
here. A price never changes in Stripe; a new amount is a new plan, and the old one is retired
(its subscribers keep paying what they signed up for, as on Substack)."""

from dataclasses import dataclass

import stripe
from django.db import transaction

from masthead.billing import gateway
from masthead.billing.checkout import UNREACHABLE
from masthead.billing.models import BillingSettings, Plan, PlanInterval
from masthead.pagecache import invalidation

CURRENCIES = {"usd": "US dollar", "eur": "Euro", "gbp": "Pound sterling", "cad": "Canadian dollar",
              "aud": "Australian dollar", "chf": "Swiss franc", "sek": "Swedish krona",
              "nok": "Norwegian krone", "dkk": "Danish krone", "nzd": "New Zealand dollar"}  # fmt: skip
# Stripe's smallest charge is about 50 cents; the largest we accept keeps typos out.
MIN_AMOUNT = 100
MAX_AMOUNT = 1_000_000


class PlanRefused(Exception):
    pass


@dataclass(frozen=True)
class PriceChoice:
    interval: str
    amount: int  # in cents
    name: str = ""


def billing_settings(publication) -> BillingSettings:
    found = BillingSettings.objects.filter(publication=publication).first()
    return found or BillingSettings(publication=publication)


def active_plans(publication) -> list[Plan]:
    order = {PlanInterval.MONTH: 0, PlanInterval.YEAR: 1, PlanInterval.FOUNDING: 2}
    plans = Plan.objects.filter(publication=publication, is_active=True)
    return sorted(plans, key=lambda plan: order[plan.interval])


def validate_prices(prices: list[PriceChoice]) -> None:
    by_interval = {price.interval: price for price in prices}
    for price in prices:
        if price.interval not in PlanInterval.values:
            raise PlanRefused("Choose monthly, yearly or founding member.")
        if not MIN_AMOUNT <= price.amount <= MAX_AMOUNT:
            raise PlanRefused(
                f"Prices are between {MIN_AMOUNT / 100:.2f} and {MAX_AMOUNT / 100:,.2f}."
            )
    if PlanInterval.MONTH not in by_interval or PlanInterval.YEAR not in by_interval:
        raise PlanRefused("Set a monthly and a yearly price.")
    founding = by_interval.get(PlanInterval.FOUNDING)
    if founding is not None and founding.amount < by_interval[PlanInterval.YEAR].amount:
        raise PlanRefused("The founding member price is at least the yearly price.")


def save_prices(publication, currency: str, prices: list[PriceChoice]) -> list[Plan]:
    """Make these the publication's prices; unchanged ones keep their plan."""
    currency = currency.lower()
    if currency not in CURRENCIES:
        raise PlanRefused("Choose one of the listed currencies.")
    validate_prices(prices)
    settings_row = billing_settings(publication)
    try:
        product = _product_id(publication, settings_row)
        with transaction.atomic():
            for price in prices:
                _save_price(publication, currency, product, price)
            wanted = {price.interval for price in prices}
            Plan.objects.filter(publication=publication, is_active=True).exclude(
                interval__in=wanted
            ).update(is_active=False)
            invalidation.publication_changed(publication.id)
            settings_row.currency = currency
            settings_row.stripe_product_id = product
            settings_row.is_paid_on = True
            settings_row.save()
    except stripe.StripeError as error:
        raise gateway.PaymentsUnavailable(UNREACHABLE) from error
    return active_plans(publication)


def _product_id(publication, settings_row: BillingSettings) -> str:
    if settings_row.stripe_product_id:
        return settings_row.stripe_product_id
    product = gateway.client().v1.products.create(
        params={
            "name": publication.name[:250],
            "metadata": {"masthead_publication": str(publication.pk)},
        }
    )
    return product.id


def _default_name(interval: str) -> str:
    return PlanInterval(interval).label


def _save_price(publication, currency: str, product: str, price: PriceChoice) -> None:
    name = (price.name or "").strip()[:60] or _default_name(price.interval)
    current = Plan.objects.filter(
        publication=publication, interval=price.interval, is_active=True
    ).first()
    if current is not None and current.amount == price.amount and current.currency == currency:
        if current.name != name:
            current.name = name
            current.save(update_fields=["name"])
        return
    created = gateway.client().v1.plans.create(
        params={
            "product": product,
            "amount": price.amount,
            "currency": currency,
            "interval": "month" if price.interval == PlanInterval.MONTH else "year",
            "nickname": name,
            "metadata": {"masthead_publication": str(publication.pk), "interval": price.interval},
        }
    )
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    Plan.objects.create(
        publication=publication,
        interval=price.interval,
        name=name,
        amount=price.amount,
        currency=currency,
        stripe_plan_id=created.id,
    )


def is_paid_available(publication) -> bool:
    """Whether readers of this publication can pay now: Stripe is configured and the writer has
    turned paid subscriptions on with prices. Off, every paid control is hidden."""
    return (
        gateway.is_configured()
        and BillingSettings.objects.filter(publication=publication, is_paid_on=True).exists()
        and Plan.objects.filter(publication=publication, is_active=True).exists()
    )
