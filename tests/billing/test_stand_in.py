"""The tests' Stripe learns two things localstripe 1.15 lacks (masthead.demo.localstripe_server):
a subscription created with trial_period_days is trialing, and one created with a coupon carries
its discount. The shapes match Stripe's documented fields."""

import time

import pytest
import stripe

from masthead.billing import gateway
from masthead.billing.checkout import customer_id_for

pytestmark = pytest.mark.django_db
DAY = 86_400


@pytest.fixture
def stripe_plan(stripe_on):
    client = gateway.client()
    product = client.v1.products.create(params={"name": "Daily Build"})
    return client.v1.plans.create(
        params={"product": product.id, "amount": 800, "currency": "usd", "interval": "month"}
    )


@pytest.fixture
def customer(payer, stripe_on):
    return customer_id_for(payer)


def create(customer, plan, **extra):
    params = {"customer": customer, "items": [{"plan": plan.id}], **extra}
    return gateway.client().v1.subscriptions.create(params=params).to_dict()


def test_a_trial_subscription_is_trialing_until_the_trial_ends(customer, stripe_plan):
    before = int(time.time())

    created = create(customer, stripe_plan, trial_period_days=14)

    assert created["status"] == "trialing"
    assert before <= created["trial_start"] <= int(time.time())
    assert created["trial_end"] == created["trial_start"] + 14 * DAY
    assert created["current_period_start"] == created["trial_start"]
    assert created["current_period_end"] == created["trial_end"]
    assert created["latest_invoice"] is None
    again = gateway.client().v1.subscriptions.retrieve(created["id"]).to_dict()
    assert (again["status"], again["current_period_end"]) == ("trialing", created["trial_end"])


def test_no_invoice_is_made_while_trialing(customer, stripe_plan):
    create(customer, stripe_plan, trial_period_days=7)

    invoices = gateway.client().v1.invoices.list(params={"customer": customer})
    assert invoices.data == []


def test_when_the_trial_is_over_the_period_is_the_plans_again(customer, stripe_plan, stripe_on):
    from tests import stripe_standin

    created = create(customer, stripe_plan, trial_period_days=7)
    stripe_standin.set_subscription_status(stripe_on, created["id"], "active")

    again = gateway.client().v1.subscriptions.retrieve(created["id"]).to_dict()
    assert again["status"] == "active"
    assert again["current_period_end"] != created["trial_end"]


@pytest.mark.parametrize("duration", ["once", "forever"])
def test_a_coupon_in_discounts_becomes_the_subscriptions_discount(customer, stripe_plan, duration):
    coupon = gateway.client().v1.coupons.create(
        params={"id": "spring", "percent_off": 25, "duration": duration}
    )

    created = create(customer, stripe_plan, trial_period_days=7, discounts=[{"coupon": coupon.id}])

    discount = created["discount"]
    assert discount["object"] == "discount"
    assert discount["coupon"]["id"] == "spring"
    assert discount["coupon"]["percent_off"] == 25
    assert discount["coupon"]["duration"] == duration
    assert discount["subscription"] == created["id"]
    assert discount["end"] is None
    assert isinstance(discount["start"], int)


def test_a_repeating_coupons_discount_has_an_end(customer, stripe_plan):
    gateway.client().v1.coupons.create(
        params={
            "id": "three",
            "amount_off": 200,
            "currency": "usd",
            "duration": "repeating",
            "duration_in_months": 3,
        }
    )

    created = create(customer, stripe_plan, trial_period_days=7, coupon="three")

    discount = created["discount"]
    assert discount["coupon"]["amount_off"] == 200
    assert discount["end"] > discount["start"] + 80 * DAY


def test_an_unknown_coupon_is_refused_and_creates_nothing(customer, stripe_plan):
    with pytest.raises(stripe.InvalidRequestError):
        create(customer, stripe_plan, trial_period_days=7, discounts=[{"coupon": "nope"}])

    listed = gateway.client().v1.subscriptions.list(params={"customer": customer})
    assert listed.data == []


def test_coupon_and_discounts_together_are_refused(customer, stripe_plan):
    gateway.client().v1.coupons.create(params={"id": "x", "percent_off": 5, "duration": "once"})

    with pytest.raises(stripe.InvalidRequestError):
        create(customer, stripe_plan, coupon="x", discounts=[{"coupon": "x"}])


def test_a_subscription_without_either_is_as_before(customer, stripe_plan, payer, card_of):
    from masthead.billing import checkout

    checkout.change_card(payer, card_of(payer))

    created = create(customer, stripe_plan)

    assert created["status"] == "active"
    assert created["discount"] is None
    assert created["trial_end"] is None
