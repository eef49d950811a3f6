"""Free trials: the writer sets N days on the Prices page; a reader's first paid subscription on
the publication starts trialing (paid access, nothing charged), once per reader; when the trial
is over Stripe charges or ends it, and the webhook mirrors what it did."""

import datetime as dt

import pytest
from django.urls import reverse

from masthead.billing import checkout, gateway, offers
from masthead.billing.access import has_paid_access
from masthead.billing.models import BillingSettings, PaidSubscription
from masthead.core.templatetags.masthead import short_date
from masthead.publications.models import Membership, Role
from tests import stripe_standin
from tests.billing.test_webhooks import post_event
from tests.factories import make_person

pytestmark = pytest.mark.django_db
PUB = "/pub/daily-build"


@pytest.fixture
def trial(priced, publication):
    offers.set_trial_days(publication, 14)
    return 14


def stripe_subscription(paid) -> dict:
    return gateway.client().v1.subscriptions.retrieve(paid.stripe_subscription_id).to_dict()


# --- The service ----------------------------------------------------------------------------------


def test_a_first_subscription_starts_trialing_with_paid_access(trial, publication, payer, card_of):
    paid = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))

    assert paid.status == "trialing"
    assert has_paid_access(payer, publication.id)
    expected_end = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    assert abs(paid.current_period_end - expected_end) < dt.timedelta(minutes=5)
    assert paid.has_paid_or_trialed
    assert stripe_subscription(paid)["trial_end"] == int(paid.current_period_end.timestamp())


def test_nothing_is_charged_while_trialing(trial, publication, payer, card_of):
    checkout.subscribe(payer, priced_monthly(publication), card_of(payer))

    customer = checkout.customer_id_for(payer)
    assert gateway.client().v1.invoices.list(params={"customer": customer}).data == []


def test_without_a_trial_no_trial_is_asked_of_stripe(priced, publication, payer, card_of):
    paid = checkout.subscribe(payer, priced[0], card_of(payer))

    assert paid.status == "active"
    assert stripe_subscription(paid)["trial_end"] is None


def test_a_reader_who_trialed_before_gets_no_second_trial(trial, publication, payer, card_of):
    first = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    gateway.client().v1.subscriptions.cancel(first.stripe_subscription_id)
    checkout.sync.refresh(first.stripe_subscription_id)
    assert not has_paid_access(payer, publication.id)

    second = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))

    assert second.status == "active"
    assert stripe_subscription(second)["trial_end"] is None
    assert PaidSubscription.objects.filter(subscription__person=payer).count() == 1


def test_a_reader_who_paid_before_gets_no_trial(priced, publication, payer, card_of):
    first = checkout.subscribe(payer, priced[0], card_of(payer))
    gateway.client().v1.subscriptions.cancel(first.stripe_subscription_id)
    checkout.sync.refresh(first.stripe_subscription_id)
    offers.set_trial_days(publication, 30)

    assert offers.trial_days_for(payer, publication) == 0


def test_a_declined_first_card_does_not_use_up_the_trial(priced, publication, payer, card_of):
    with pytest.raises(checkout.CheckoutRefused):
        checkout.subscribe(payer, priced[0], card_of(payer, "4000000000000341"))
    offers.set_trial_days(publication, 30)

    assert offers.trial_days_for(payer, publication) == 30


def test_the_trial_is_once_per_publication_not_per_install(trial, publication, payer, card_of):
    checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    elsewhere = make_publication_with_trial()

    assert offers.trial_days_for(payer, elsewhere) == 7


@pytest.mark.parametrize("days", [-1, 91, 1000])
def test_a_trial_out_of_range_is_refused(priced, publication, days):
    with pytest.raises(offers.OfferRefused):
        offers.set_trial_days(publication, days)
    assert BillingSettings.objects.get(publication=publication).trial_days == 0


# --- After the trial: Stripe's clock, heard through the webhook ---------------------------------


def test_a_trial_that_converts_stays_paid(client, trial, publication, payer, card_of, stripe_on):
    paid = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    stripe_standin.set_subscription_status(stripe_on, paid.stripe_subscription_id, "active")

    event = stripe_standin.event("customer.subscription.updated", stripe_subscription(paid))
    assert post_event(client, event).status_code == 200

    paid.refresh_from_db()
    assert paid.status == "active"
    assert has_paid_access(payer, publication.id)


def test_a_trial_that_ends_unpaid_ends_access(
    client, trial, publication, payer, card_of, stripe_on
):
    paid = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    ended = gateway.client().v1.subscriptions.cancel(paid.stripe_subscription_id).to_dict()

    event = stripe_standin.event("customer.subscription.deleted", ended)
    assert post_event(client, event).status_code == 200

    paid.refresh_from_db()
    assert paid.status == "canceled"
    assert not has_paid_access(payer, publication.id)


def test_a_trialing_mirror_without_a_period_end_takes_the_trial_end(trial, publication, payer):
    from masthead.billing import sync

    row = checkout._subscription_row(payer, priced_monthly(publication))
    data = {
        "id": "sub_trial_shape",
        "status": "trialing",
        "trial_end": 1_900_000_000,
        "metadata": {sync.ROW_KEY: str(row.pk)},
        "items": {"data": [{"plan": {"id": priced_monthly(publication).stripe_plan_id}}]},
    }

    paid = sync.mirror(data)

    assert paid.current_period_end == dt.datetime.fromtimestamp(1_900_000_000, tz=dt.UTC)


# --- Pages ----------------------------------------------------------------------------------------


def test_the_desk_sets_the_trial_on_the_prices_page(client, priced, publication):
    owner = make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)
    form = {"currency": "usd", "monthly": "8", "yearly": "80", "founding": "200",
            "founding_name": "Patron", "is_paid_on": "on", "trial_days": "21"}  # fmt: skip

    response = client.post(reverse("desk:billing:desk_plans", args=[publication.slug]), form)

    assert response.status_code == 302
    assert BillingSettings.objects.get(publication=publication).trial_days == 21


@pytest.mark.parametrize("typed", ["91", "-3", "seven", "1e3", "9" * 40])
def test_the_desk_refuses_a_bad_trial_calmly(client, priced, publication, typed):
    owner = make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)
    form = {"currency": "usd", "monthly": "8", "yearly": "80", "is_paid_on": "on",
            "trial_days": typed}  # fmt: skip

    response = client.post(reverse("desk:billing:desk_plans", args=[publication.slug]), form)

    assert response.status_code == 400
    assert BillingSettings.objects.get(publication=publication).trial_days == 0


def test_plans_and_checkout_say_the_trial_and_that_nothing_is_charged_today(
    client, trial, publication, payer
):
    client.force_login(payer)
    plans_page = client.get(f"{PUB}/subscribe/").content.decode()
    checkout_page = client.get(f"{PUB}/subscribe/{priced_monthly(publication).pk}/checkout/")

    assert "14-day free trial" in plans_page
    assert "nothing is charged today" in plans_page
    text = checkout_page.content.decode()
    assert checkout_page.status_code == 200
    assert "14-day free trial" in text
    assert "Nothing is charged today." in text
    assert "Start free trial" in text


def test_a_reader_who_had_a_trial_sees_none_offered(client, trial, publication, payer, card_of):
    paid = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    gateway.client().v1.subscriptions.cancel(paid.stripe_subscription_id)
    checkout.sync.refresh(paid.stripe_subscription_id)
    client.force_login(payer)

    text = client.get(f"{PUB}/subscribe/{priced_monthly(publication).pk}/checkout/").content
    assert b"free trial" not in text
    assert b"Pay $8" in text


def test_the_account_page_says_when_the_trial_ends_and_what_follows(
    client, trial, publication, payer, card_of
):
    paid = checkout.subscribe(payer, priced_monthly(publication), card_of(payer))
    client.force_login(payer)

    response = client.get(f"{PUB}/account/billing/")

    assert response.status_code == 200
    expected = f"Free trial until {short_date(paid.current_period_end)}, then $8 a month"
    assert expected in " ".join(response.content.decode().split())


# --- Helpers --------------------------------------------------------------------------------------


def priced_monthly(publication):
    from masthead.billing.plans import active_plans

    return active_plans(publication)[0]


def make_publication_with_trial():
    from masthead.billing.plans import PriceChoice, save_prices
    from tests.factories import make_publication

    other = make_publication(slug="elsewhere")
    save_prices(other, "usd", [PriceChoice("month", 500), PriceChoice("year", 5000)])
    offers.set_trial_days(other, 7)
    return other
