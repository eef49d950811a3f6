"""Imported paying readers move from their comp onto their Stripe subscription (localstripe)."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from masthead.billing import checkout, gateway
from masthead.billing.access import has_paid_access
from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription, StripeCustomer
from masthead.billing.relink import relink_imported_customers
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def _imported_reader(publication, email, customer_id):
    """What an import leaves: a subscription, a comp noted as imported, the Stripe customer id."""
    person = make_person(email=email)
    Subscription.objects.create(
        publication=publication,
        person=person,
        status=SubscriptionStatus.ACTIVE,
        source=SubscriptionSource.IMPORT,
    )
    grant = AccessGrant.objects.create(
        publication=publication,
        person=person,
        kind=GrantKind.COMP,
        note="Imported from Substack (paying)",
    )
    if customer_id:
        StripeCustomer.objects.create(person=person, stripe_customer_id=customer_id)
    return person, grant


def _customer_paying(card_of, stripe_plan_id: str, email: str) -> str:
    """A Stripe customer with a live subscription made outside Masthead (the old platform's)."""
    client = gateway.client()
    stranger = make_person(email=f"old-{email}")
    card = checkout.confirmed_card(stranger, card_of(stranger))
    customer = StripeCustomer.objects.get(person=stranger)
    customer_id = customer.stripe_customer_id
    customer.delete()  # the old platform's customer: nobody here owns it yet
    client.v1.customers.update(
        customer_id, params={"invoice_settings": {"default_payment_method": card}}
    )
    client.v1.subscriptions.create(
        params={"customer": customer_id, "items": [{"plan": stripe_plan_id}]}
    )
    return customer_id


def test_relink_moves_an_imported_reader_onto_their_live_subscription(publication, priced, card_of):
    month = next(plan for plan in priced if plan.interval == "month")
    customer_id = _customer_paying(card_of, month.stripe_plan_id, "ann@example.com")
    person, grant = _imported_reader(publication, "ann@example.com", customer_id)

    result = relink_imported_customers(publication)

    assert result.linked == ["ann@example.com"]
    paid = PaidSubscription.objects.get(subscription__person=person)
    assert paid.plan == month
    assert paid.status == "active"
    grant.refresh_from_db()
    assert grant.ends_at is not None and grant.ends_at <= timezone.now()
    assert has_paid_access(person, publication)
    # Run again: nothing left to move, nothing changes.
    again = relink_imported_customers(publication)
    assert again.linked == [] and again.not_linked == []
    assert PaidSubscription.objects.filter(subscription__person=person).count() == 1


def test_readers_without_a_matching_subscription_keep_their_comp(
    publication, priced, card_of, stripe_on
):
    _imported_reader(publication, "nocustomer@example.com", "")
    _imported_reader(publication, "gone@example.com", "cus_doesnotexist")

    result = relink_imported_customers(publication)

    # An unknown customer is that reader's problem only: each is listed with the reason.
    assert result.linked == []
    reasons = dict(result.not_linked)
    assert reasons["nocustomer@example.com"] == "no Stripe customer was imported"
    assert "gone@example.com" in reasons
    assert AccessGrant.objects.filter(ends_at__isnull=True).count() == 2


def test_an_expired_imported_comp_is_not_relinked(publication, priced):
    person, grant = _imported_reader(publication, "old@example.com", "")
    grant.ends_at = timezone.now() - dt.timedelta(days=1)
    grant.save()

    result = relink_imported_customers(publication)

    assert result.linked == [] and result.not_linked == []


def test_the_command_reports_each_reader(publication, priced, capsys):
    _imported_reader(publication, "nocustomer@example.com", "")

    call_command("relink_stripe", publication=publication.slug)

    out = capsys.readouterr().out
    assert "not linked  nocustomer@example.com: no Stripe customer was imported" in out
    assert "0 linked, 1 still on complimentary access." in out


def test_the_command_refuses_an_unknown_publication(db):
    with pytest.raises(CommandError, match="No publication"):
        call_command("relink_stripe", publication="nope")


def test_a_reader_whose_imported_customer_is_unknown_here_can_still_pay(
    publication, priced, card_of, monkeypatch
):
    """localstripe takes any customer id; Stripe answers an unknown one with this error (its
    documented wire format), which the checkout meets once and then pays as a new customer."""
    import stripe

    from masthead.billing import checkout

    person, _grant = _imported_reader(publication, "moved@example.com", "cus_from_another_account")
    real_create = checkout._create_setup_intent

    def stripe_of_another_account(customer):
        if customer == "cus_from_another_account":
            raise stripe.InvalidRequestError(
                "No such customer: 'cus_from_another_account'",
                param="customer",
                code="resource_missing",
                http_status=400,
                json_body={"error": {"type": "invalid_request_error", "code": "resource_missing"}},
            )
        return real_create(customer)

    monkeypatch.setattr(checkout, "_create_setup_intent", stripe_of_another_account)

    setup_intent = card_of(person)

    customer = StripeCustomer.objects.get(person=person)
    assert customer.stripe_customer_id.startswith("cus_")
    assert customer.stripe_customer_id != "cus_from_another_account"
    assert setup_intent.startswith("seti_")
