"""What a publication offers its readers: its prices and whether paid subscriptions are on,
saved together from the desk (the API and the CLI call the same)."""

from django.db import transaction

from masthead.billing import offers, plans
from masthead.billing.models import MAX_TRIAL_DAYS, BillingSettings, Plan
from masthead.pagecache import invalidation


def save_offer(
    publication, currency: str, prices, *, is_paid_on: bool, trial_days: int | None = None
) -> list[Plan]:
    """Save the prices (a changed one becomes a new plan in Stripe; its subscribers keep the old
    price), then turn paid subscriptions on or off and set the free trial (None: unchanged). Off
    hides paid from readers; those paying keep their subscriptions. Raises plans.PlanRefused,
    offers.OfferRefused or gateway.PaymentsUnavailable."""
    if trial_days is not None and not 0 <= trial_days <= MAX_TRIAL_DAYS:
        raise offers.OfferRefused(f"A free trial is from 0 to {MAX_TRIAL_DAYS} days.")
    saved = plans.save_prices(publication, currency, prices)
    set_paid_on(publication, is_paid_on)
    if trial_days is not None:
        offers.set_trial_days(publication, trial_days)
    return saved


def set_paid_on(publication, is_on: bool) -> None:
    with transaction.atomic():
        BillingSettings.objects.filter(publication=publication).update(is_paid_on=is_on)
        invalidation.publication_changed(publication.id)
