"""The reader's paid pages against localstripe: the plans beside the free form, checkout with a
SetupIntent confirmed the way Stripe.js confirms it, and the paid subscription page (cancel,
resume, switch, change card, receipts, complimentary access, Stripe down)."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from masthead.billing import checkout
from masthead.billing.access import has_paid_access
from masthead.billing.models import AccessGrant, GrantKind, PaidSubscription
from masthead.core.templatetags.masthead import short_date
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import stripe_standin
from tests.factories import make_person

pytestmark = pytest.mark.django_db

PUB = "/pub/daily-build"
PLANS = f"{PUB}/subscribe/"
ACCOUNT = f"{PUB}/account/billing/"


def checkout_path(plan) -> str:
    return f"{PUB}/subscribe/{plan.pk}/checkout/"


def secret_in(page) -> str:
    return re.search(r'data-client-secret="([^"]+)"', page.content.decode()).group(1)


@pytest.fixture
def paying(priced, payer, card_of):
    """The payer on the monthly plan."""
    return checkout.subscribe(payer, priced[0], card_of(payer))


def signed_in(client, person):
    client.force_login(person)
    return client


# --- The plans page ---------------------------------------------------------------------------


def test_plans_show_free_and_paid_side_by_side_with_prices(client, priced):
    response = client.get(PLANS)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="email"' in page and "Free" in page
    assert "$8</span> a month" in page
    assert "$80</span> a year" in page
    assert "Save $16 a year (17%) vs. monthly" in page
    assert "Patron" in page and "$200</span> a year" in page


def test_a_signed_out_reader_choosing_a_plan_is_sent_to_sign_in_then_back(client, priced):
    page = client.get(PLANS).content.decode()

    assert f'href="{PUB}/sign-in/?next={PUB}/subscribe/{priced[0].pk}/checkout/"' in page.replace(
        "%2F", "/"
    )


def test_prices_with_cents_show_two_decimals_and_other_currencies_their_sign(
    client, publication, stripe_on
):
    from masthead.billing import plans
    from masthead.billing.plans import PriceChoice

    plans.save_prices(publication, "eur", [PriceChoice("month", 550), PriceChoice("year", 8000)])

    page = client.get(PLANS).content.decode()

    assert "€5.50</span> a month" in page
    assert "€80</span> a year" in page


def test_with_paid_off_the_subscribe_page_is_the_free_page_and_checkout_is_404(
    client, publication, reader
):
    response = client.get(PLANS)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "subscriptions/subscribe.html"
    signed_in(client, reader)
    assert client.get(f"{PUB}/subscribe/1/checkout/").status_code == 404


def test_the_free_form_still_subscribes_from_the_plans_page(client, priced, publication):
    response = client.post(PLANS, {"email": "newcomer@example.com"})

    assert response.status_code == 200
    assert Subscription.objects.filter(
        publication=publication, person__email="newcomer@example.com"
    ).exists()


def test_a_payer_sees_their_plan_and_a_link_to_manage_it_instead_of_choose(
    client, priced, payer, paying
):
    page = signed_in(client, payer).get(PLANS).content.decode()

    assert "Your plan." in page
    assert f'href="{ACCOUNT}"' in page
    assert "checkout/" not in page


# --- Checkout ---------------------------------------------------------------------------------


def test_checkout_of_a_signed_out_reader_redirects_to_sign_in(client, priced):
    response = client.get(checkout_path(priced[0]))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{PUB}/sign-in/?next=")


def test_checkout_shows_the_plan_and_a_card_form_with_stripe_allowed(
    client, priced, payer, stripe_on
):
    response = signed_in(client, payer).get(checkout_path(priced[1]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Yearly" in page and "$80</span> a year" in page
    assert f'src="{stripe_on}/js.stripe.com/v3/"' in page
    assert 'data-stripe-key="pk_test_masthead"' in page
    assert secret_in(response).startswith("seti_")
    assert "<noscript>" in page
    policy = response["Content-Security-Policy"]
    for directive in ("script-src", "connect-src", "frame-src"):
        assert re.search(rf"{directive} [^;]*{re.escape(stripe_on)}", policy), directive


def test_the_rest_of_the_site_keeps_stripe_out_of_its_policy(client, priced, stripe_on):
    assert stripe_on not in client.get(PLANS)["Content-Security-Policy"]


def test_paying_at_checkout_makes_the_free_subscriber_a_payer_on_one_row(
    client, priced, publication, payer, stripe_on
):
    Subscription.objects.create(
        publication=publication, person=payer, status=SubscriptionStatus.ACTIVE
    )
    page = signed_in(client, payer).get(checkout_path(priced[0]))
    intent = stripe_standin.confirm_setup_intent(stripe_on, secret_in(page))

    response = client.post(checkout_path(priced[0]), {"setup_intent": intent["id"]})

    assert response.status_code == 302
    assert response["Location"] == ACCOUNT
    assert Subscription.objects.filter(person=payer, publication=publication).count() == 1
    assert PaidSubscription.objects.get().plan == priced[0]
    assert has_paid_access(payer, publication.id)


def test_a_double_submit_charges_once(client, priced, payer, stripe_on):
    page = signed_in(client, payer).get(checkout_path(priced[0]))
    intent = stripe_standin.confirm_setup_intent(stripe_on, secret_in(page))

    first = client.post(checkout_path(priced[0]), {"setup_intent": intent["id"]})
    second = client.post(checkout_path(priced[0]), {"setup_intent": intent["id"]})

    assert (first.status_code, second.status_code) == (302, 302)
    assert PaidSubscription.objects.count() == 1
    customer = payer.stripe_customer.stripe_customer_id
    from masthead.billing import gateway

    stripe_subscriptions = gateway.client().v1.subscriptions.list(params={"customer": customer})
    assert len(stripe_subscriptions.data) == 1


@pytest.mark.parametrize("forged", ["seti_made_up", "pm_123", ""])
def test_a_forged_setup_intent_is_refused_with_a_message(client, priced, payer, forged):
    response = signed_in(client, payer).post(checkout_path(priced[0]), {"setup_intent": forged})

    assert response.status_code == 400
    assert "Your card was not saved" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not PaidSubscription.objects.exists()


def test_someone_elses_setup_intent_is_refused(client, priced, payer, card_of):
    foreign = card_of(make_person())

    response = signed_in(client, payer).post(checkout_path(priced[0]), {"setup_intent": foreign})

    assert response.status_code == 400
    assert "Your card was not saved" in response.content.decode()
    assert not PaidSubscription.objects.exists()


def test_a_declined_card_keeps_the_form_usable_with_a_fresh_intent(client, priced, payer, card_of):
    declined = card_of(payer, "4000000000000341")

    response = signed_in(client, payer).post(checkout_path(priced[0]), {"setup_intent": declined})

    assert response.status_code == 400
    assert "declined" in response.content.decode()
    assert secret_in(response).split("_secret_")[0] != declined
    assert not has_paid_access(payer, priced[0].publication_id)


def test_a_retired_plan_has_no_checkout(client, priced, payer, publication):
    from masthead.billing import plans
    from masthead.billing.plans import PriceChoice

    plans.save_prices(publication, "usd", [PriceChoice("month", 900), PriceChoice("year", 9000)])

    response = signed_in(client, payer).get(checkout_path(priced[0]))

    assert response.status_code == 404


def test_checkout_when_stripe_is_down_says_so_calmly(client, priced, payer, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = signed_in(client, payer).get(checkout_path(priced[0]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Payments are not available right now" in page
    assert "data-card-form" not in page


# --- The paid subscription page -----------------------------------------------------------------


def test_the_account_page_needs_a_signed_in_reader(client, priced):
    response = client.get(ACCOUNT)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{PUB}/sign-in/?next=")


def test_the_account_page_shows_plan_next_charge_and_receipts(client, priced, payer, paying):
    page = signed_in(client, payer).get(ACCOUNT).content.decode()

    end = timezone.localtime(paying.current_period_end)
    assert "Monthly" in page and "Active" in page
    assert f"{short_date(end)} · $8" in page
    assert "Receipts" in page and "<td>$8</td>" in page and "<td>Paid</td>" in page
    assert "View invoice" not in page  # localstripe gives no hosted invoice page


def test_a_founding_member_sees_the_badge(client, priced, payer, card_of):
    checkout.subscribe(payer, priced[2], card_of(payer))

    page = signed_in(client, payer).get(ACCOUNT).content.decode()

    assert "Patron" in page and "Founding member" in page


def test_a_reader_with_nothing_sees_the_plans_link(client, priced, reader):
    page = signed_in(client, reader).get(ACCOUNT).content.decode()

    assert f'href="{PLANS}"' in page and "See the plans" in page


@pytest.mark.parametrize("ends_in_days", [None, 30])
def test_complimentary_access_is_shown_with_its_end(client, publication, reader, ends_in_days):
    ends_at = None if ends_in_days is None else timezone.now() + dt.timedelta(days=ends_in_days)
    AccessGrant.objects.create(
        publication=publication, person=reader, kind=GrantKind.COMP, ends_at=ends_at
    )

    page = signed_in(client, reader).get(ACCOUNT).content.decode()

    if ends_at is None:
        assert "Complimentary access forever" in page
    else:
        end = timezone.localtime(ends_at)
        assert f"Complimentary access until {short_date(end)}" in page
    assert "See the plans" not in page


def test_cancel_asks_first_then_keeps_access_to_the_period_end(client, priced, payer, paying):
    signed_in(client, payer)
    confirm = client.get(f"{ACCOUNT}cancel/")
    assert confirm.status_code == 200
    assert "Yes, cancel my subscription" in confirm.content.decode()
    assert not PaidSubscription.objects.get().cancel_at_period_end

    response = client.post(f"{ACCOUNT}cancel/")

    assert response.status_code == 302
    assert PaidSubscription.objects.get().cancel_at_period_end
    assert has_paid_access(payer, priced[0].publication_id)
    assert "Cancelled: access until" in client.get(ACCOUNT).content.decode()


def test_resume_takes_the_cancellation_back(client, priced, payer, paying):
    checkout.set_cancel_at_period_end(paying, True)

    response = signed_in(client, payer).post(f"{ACCOUNT}resume/")

    assert response.status_code == 302
    assert not PaidSubscription.objects.get().cancel_at_period_end


def test_switch_moves_to_another_plan(client, priced, payer, paying):
    response = signed_in(client, payer).post(f"{ACCOUNT}switch/", {"plan": priced[1].pk})

    assert response.status_code == 302
    assert PaidSubscription.objects.get().plan == priced[1]


def test_switch_to_another_publications_plan_is_refused(client, priced, payer, paying, stripe_on):
    from masthead.billing.models import Plan
    from tests.factories import make_publication

    other = make_publication(name="Elsewhere", slug="elsewhere")
    foreign = Plan.objects.create(
        publication=other, interval="year", name="Yearly", amount=100, currency="usd",
        stripe_plan_id="plan_elsewhere",
    )  # fmt: skip

    response = signed_in(client, payer).post(f"{ACCOUNT}switch/", {"plan": foreign.pk})

    assert response.status_code == 302
    assert PaidSubscription.objects.get().plan == priced[0]


@pytest.mark.parametrize("action", ["cancel/", "resume/", "switch/"])
def test_a_reader_who_does_not_pay_cannot_act(client, priced, reader, action):
    response = signed_in(client, reader).post(f"{ACCOUNT}{action}", {"plan": priced[1].pk})

    assert response.status_code == 302
    assert not PaidSubscription.objects.exists()


def test_change_card_saves_the_new_card_as_the_default(client, priced, payer, paying, stripe_on):
    page = signed_in(client, payer).get(f"{ACCOUNT}card/")
    assert page.status_code == 200
    intent = stripe_standin.confirm_setup_intent(stripe_on, secret_in(page), "5555555555554444")

    response = client.post(f"{ACCOUNT}card/", {"setup_intent": intent["id"]})

    assert response.status_code == 302
    from masthead.billing import gateway

    customer = gateway.client().v1.customers.retrieve(payer.stripe_customer.stripe_customer_id)
    assert customer.invoice_settings.default_payment_method == intent["payment_method"]


def test_a_failed_payment_asks_to_update_the_card(client, priced, payer, paying, stripe_on):
    PaidSubscription.objects.filter(pk=paying.pk).update(status="past_due")

    page = signed_in(client, payer).get(ACCOUNT).content.decode()

    assert "Your last payment failed; update your card." in page
    assert f'href="{ACCOUNT}card/"' in page


def test_stripe_down_shows_a_calm_message_for_receipts(client, priced, payer, paying, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = signed_in(client, payer).get(ACCOUNT)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Monthly" in page
    assert "Your receipts cannot be loaded right now" in page


def test_stripe_down_when_cancelling_leaves_a_message_not_a_500(
    client, priced, payer, paying, settings
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = signed_in(client, payer).post(f"{ACCOUNT}cancel/", follow=True)

    assert response.status_code == 200
    assert "Payments are not available right now" in response.content.decode()
    assert not PaidSubscription.objects.get().cancel_at_period_end
