"""Billing fixtures: a publication with monthly, yearly and founding prices on localstripe, and a
reader with a card saved the way Stripe.js saves it."""

import pytest

from masthead.billing import checkout, plans
from masthead.billing.plans import PriceChoice
from tests import stripe_standin
from tests.factories import make_person


@pytest.fixture
def priced(publication, stripe_on):
    """The publication with paid subscriptions on: 8.00 a month, 80.00 a year, 200.00 founding."""
    return plans.save_prices(
        publication,
        "usd",
        [
            PriceChoice("month", 800),
            PriceChoice("year", 8000),
            PriceChoice("founding", 20000, "Patron"),
        ],
    )


@pytest.fixture
def card_of(stripe_on):
    """A confirmed SetupIntent id for a person's card (what the checkout page posts)."""

    def confirmed(person, number: str = "4242424242424242") -> str:
        secret = checkout.start_card_setup(person)
        return stripe_standin.confirm_setup_intent(stripe_on, secret, number)["id"]

    return confirmed


@pytest.fixture
def payer(db):
    return make_person(name="Paula Payer", email="paula@example.com")
