"""What a publication offers its readers: its prices and whether paid subscriptions are on,
saved together from the desk (the API and the CLI call the same)."""

from django.db import transaction

from masthead.billing import plans
from masthead.billing.models import BillingSettings, Plan


def save_offer(publication, currency: str, prices, *, is_paid_on: bool) -> list[Plan]:
    """Save the prices (a changed one becomes a new plan in Stripe; its subscribers keep the old
    price), then turn paid subscriptions on or off. Off hides paid from readers; those paying
    keep their subscriptions. Raises plans.PlanRefused or gateway.PaymentsUnavailable."""
    saved = plans.save_prices(publication, currency, prices)
    set_paid_on(publication, is_paid_on)
    return saved


def set_paid_on(publication, is_on: bool) -> None:
    with transaction.atomic():
        BillingSettings.objects.filter(publication=publication).update(is_paid_on=is_on)
