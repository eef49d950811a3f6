"""A reader pays with a card saved through a SetupIntent, against localstripe; the one rule of
paid access follows the mirrored subscription, and cancelling keeps access to the period's end."""

import datetime as dt

import pytest
import time_machine

from masthead.billing import checkout, gateway
from masthead.billing.access import has_paid_access, paid_reader_ids
from masthead.billing.models import PaidSubscription, Plan
from masthead.subscriptions.models import Subscription, SubscriptionStatus

pytestmark = pytest.mark.django_db


def test_prices_are_created_in_stripe_and_mirrored(priced, publication):
    assert [(plan.interval, plan.name, plan.amount) for plan in priced] == [
        ("month", "Monthly", 800),
        ("year", "Yearly", 8000),
        ("founding", "Patron", 20000),
    ]
    stripe_plan = gateway.client().v1.plans.retrieve(priced[0].stripe_plan_id)
    assert (stripe_plan.amount, stripe_plan.currency, stripe_plan.interval) == (800, "usd", "month")


def test_a_free_subscriber_who_pays_keeps_their_one_row(priced, publication, payer, card_of):
    free = Subscription.objects.create(
        publication=publication, person=payer, status=SubscriptionStatus.ACTIVE
    )
    assert not has_paid_access(payer, publication.id)

    paid = checkout.subscribe(payer, priced[0], card_of(payer))

    assert paid.subscription_id == free.id
    assert Subscription.objects.filter(person=payer).count() == 1
    assert paid.status == "active"
    assert paid.current_period_end > dt.datetime.now(dt.UTC) + dt.timedelta(days=27)
    assert has_paid_access(payer, publication.id)
    assert paid_reader_ids(publication.id, [payer.id]) == {payer.id}


def test_paying_subscribes_a_reader_who_was_not_subscribed(priced, publication, payer, card_of):
    checkout.subscribe(payer, priced[1], card_of(payer))

    row = Subscription.objects.get(person=payer, publication=publication)
    assert row.status == SubscriptionStatus.ACTIVE
    assert row.paid.plan == priced[1]


def test_a_second_subscription_is_refused(priced, publication, payer, card_of):
    checkout.subscribe(payer, priced[0], card_of(payer))

    with pytest.raises(checkout.CheckoutRefused, match="already have a paid subscription"):
        checkout.subscribe(payer, priced[1], card_of(payer))
    assert PaidSubscription.objects.count() == 1


def test_a_setup_intent_of_someone_else_is_refused(priced, publication, payer, card_of):
    from tests.factories import make_person

    other = make_person()
    with pytest.raises(checkout.CheckoutRefused, match="card was not saved"):
        checkout.subscribe(payer, priced[0], card_of(other))
    assert not PaidSubscription.objects.exists()


@pytest.mark.parametrize("bad_id", ["", "pm_123", "seti_doesnotexist", None, 42])
def test_a_made_up_setup_intent_is_refused(priced, payer, bad_id):
    with pytest.raises(checkout.CheckoutRefused):
        checkout.subscribe(payer, priced[0], bad_id)


def test_a_declined_card_charges_nothing_and_grants_nothing(priced, publication, payer, card_of):
    declined = card_of(payer, "4000000000000341")  # Stripe's "saves, then every charge fails"

    with pytest.raises(checkout.CheckoutRefused, match="declined"):
        checkout.subscribe(payer, priced[0], declined)
    assert not has_paid_access(payer, publication.id)
    # The failed attempt is ended, so another card can be tried at once.
    stripe_ids = [paid.stripe_subscription_id for paid in PaidSubscription.objects.all()]
    assert all(
        gateway.client().v1.subscriptions.retrieve(sid).status == "canceled" for sid in stripe_ids
    )
    paid = checkout.subscribe(payer, priced[0], card_of(payer))
    assert paid.status == "active"
    assert has_paid_access(payer, publication.id)


def test_cancelling_keeps_access_to_the_end_of_the_period(priced, publication, payer, card_of):
    paid = checkout.subscribe(payer, priced[0], card_of(payer))

    paid = checkout.set_cancel_at_period_end(paid, True)

    assert paid.cancel_at_period_end
    assert has_paid_access(payer, publication.id)
    with time_machine.travel(paid.current_period_end + dt.timedelta(minutes=1)):
        assert not has_paid_access(payer, publication.id)
        assert paid_reader_ids(publication.id, [payer.id]) == set()


def test_resuming_takes_the_cancellation_back(priced, publication, payer, card_of):
    paid = checkout.subscribe(payer, priced[0], card_of(payer))
    checkout.set_cancel_at_period_end(paid, True)

    paid = checkout.set_cancel_at_period_end(paid, False)

    assert not paid.cancel_at_period_end
    with time_machine.travel(paid.current_period_end + dt.timedelta(minutes=1)):
        assert has_paid_access(payer, publication.id)


def test_a_retired_plan_cannot_be_bought(priced, payer, card_of):
    Plan.objects.filter(pk=priced[0].pk).update(is_active=False)
    priced[0].refresh_from_db()

    with pytest.raises(checkout.CheckoutRefused, match="no longer offered"):
        checkout.subscribe(payer, priced[0], card_of(payer))


def test_stripe_unreachable_is_a_clear_error(priced, payer, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port

    with pytest.raises(gateway.PaymentsUnavailable, match="Nothing was charged"):
        checkout.start_card_setup(payer)
