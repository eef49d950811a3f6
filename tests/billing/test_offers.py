"""Offers: a writer makes a discount (a Stripe coupon) with a code; its link shows the plans at
the discounted price and checkout applies the coupon to the Stripe subscription. Ended, expired
and unknown codes show the regular prices calmly; only managers make and end offers."""

import datetime as dt

import pytest
import stripe
from django.urls import reverse
from django.utils import timezone

from masthead.billing import checkout, gateway, offers
from masthead.billing.offer_models import Offer
from masthead.publications.models import Membership, Role
from tests.factories import make_person

pytestmark = pytest.mark.django_db
PUB = "/pub/daily-build"
PLANS = f"{PUB}/subscribe/"


def offers_url(publication) -> str:
    return reverse("desk:billing:desk_offers", args=[publication.slug])


def member(publication, role):
    person = make_person()
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner_client(client, publication):
    client.force_login(member(publication, Role.OWNER))
    return client


@pytest.fixture
def spring(priced, publication):
    """25% off the first 3 months."""
    return offers.create_offer(
        publication,
        "spring",
        offers.OfferTerms(percent_off=25, duration="repeating", duration_in_months=3),
    )


def form(**changes) -> dict:
    return {"code": "spring", "kind": "percent", "percent_off": "25", "amount_off": "",
            "duration": "once", "duration_in_months": "", "ends_on": "", **changes}  # fmt: skip


def checkout_path(plan) -> str:
    return f"{PUB}/subscribe/{plan.pk}/checkout/"


# --- The service ----------------------------------------------------------------------------------


def test_an_offer_is_a_stripe_coupon(spring):
    coupon = gateway.client().v1.coupons.retrieve(spring.stripe_coupon_id)

    assert (coupon.percent_off, coupon.duration, coupon.duration_in_months) == (25, "repeating", 3)


def test_an_amount_off_is_in_the_publications_currency(priced, publication):
    offer = offers.create_offer(publication, "two", offers.OfferTerms(amount_off=200))

    coupon = gateway.client().v1.coupons.retrieve(offer.stripe_coupon_id)
    assert (coupon.amount_off, coupon.currency, coupon.duration) == (200, "usd", "once")


def test_checkout_applies_the_coupon_to_the_stripe_subscription(spring, priced, payer, card_of):
    paid = checkout.subscribe(payer, priced[0], card_of(payer), offer_code="spring")

    stripe_subscription = gateway.client().v1.subscriptions.retrieve(paid.stripe_subscription_id)
    assert stripe_subscription.to_dict()["discount"]["coupon"]["id"] == spring.stripe_coupon_id
    assert paid.status == "active"


def test_an_ended_offer_is_refused_at_checkout_and_charges_nothing(
    spring, priced, publication, payer, card_of
):
    offers.end_offer(spring)

    with pytest.raises(checkout.CheckoutRefused, match="offer has ended"):
        checkout.subscribe(payer, priced[0], card_of(payer), offer_code="spring")
    customer = checkout.customer_id_for(payer)
    assert gateway.client().v1.subscriptions.list(params={"customer": customer}).data == []


def test_ending_an_offer_keeps_the_discounts_given(spring, priced, payer, card_of):
    paid = checkout.subscribe(payer, priced[0], card_of(payer), offer_code="spring")

    assert offers.end_offer(spring) is True
    assert offers.end_offer(spring) is False  # the second click changes nothing

    with pytest.raises(stripe.InvalidRequestError):
        gateway.client().v1.coupons.retrieve(spring.stripe_coupon_id)
    kept = gateway.client().v1.subscriptions.retrieve(paid.stripe_subscription_id).to_dict()
    assert kept["discount"]["coupon"]["id"] == spring.stripe_coupon_id


def test_an_offer_past_its_end_date_is_not_usable(priced, publication):
    ends_at = timezone.now() + dt.timedelta(days=1)
    offers.create_offer(publication, "brief", offers.OfferTerms(percent_off=10, ends_at=ends_at))

    assert offers.usable_offer(publication, "brief") is not None
    later = ends_at + dt.timedelta(seconds=1)
    assert offers.usable_offer(publication, "brief", now=later) is None


def test_a_code_of_another_publication_is_not_usable(spring, priced, publication):
    from tests.factories import make_publication

    assert offers.usable_offer(make_publication(), "spring") is None


@pytest.mark.parametrize(
    "terms",
    [
        offers.OfferTerms(),
        offers.OfferTerms(percent_off=0),
        offers.OfferTerms(percent_off=101),
        offers.OfferTerms(percent_off=10, amount_off=100),
        offers.OfferTerms(percent_off=10, duration="repeating"),
        offers.OfferTerms(percent_off=10, duration="repeating", duration_in_months=37),
        offers.OfferTerms(percent_off=10, duration="weekly"),
    ],
)
def test_bad_terms_are_refused_and_make_no_coupon(priced, publication, terms):
    with pytest.raises(offers.OfferRefused):
        offers.create_offer(publication, "bad", terms)
    assert not Offer.objects.exists()
    assert gateway.client().v1.coupons.list().data == []


def test_a_code_is_used_once_per_publication(spring, publication):
    with pytest.raises(offers.OfferRefused, match="exists"):
        offers.create_offer(publication, "Spring", offers.OfferTerms(percent_off=5))


def test_discounted_prices_read_as_readers_read_them(spring, priced):
    assert offers.offer_price(priced[0], spring) == "$6"
    assert offers.duration_text(spring, priced[0]) == "for the first 3 months"
    assert offers.duration_text(spring, priced[1]) == "on the first payment"


# --- The reader's pages ---------------------------------------------------------------------------


def test_the_offer_link_shows_the_discount_beside_the_regular_price(client, spring, priced):
    response = client.get(f"{PLANS}?offer=spring")

    text = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert "$6" in text and "$8" in text
    assert "25% off for the first 3 months, then $8 a month" in text
    # Anonymous: Choose signs in first, then goes on to checkout with the code.
    assert "checkout/%3Foffer%3Dspring" in response.content.decode()


@pytest.mark.parametrize(
    "code", ["nope", "", "SPRING%00", "x" * 300, "spring/../x", "%F0%9F%98%80"]
)
def test_an_unknown_or_garbled_code_shows_the_regular_plans(client, priced, code):
    response = client.get(f"{PLANS}?offer={code}")

    assert response.status_code == 200
    assert "25% off" not in response.content.decode()


def test_an_ended_offer_shows_the_regular_plans_with_a_calm_note(client, spring, priced):
    offers.end_offer(spring)

    response = client.get(f"{PLANS}?offer=spring")

    assert response.status_code == 200
    assert "no longer available" in response.content.decode()
    assert "25% off" not in response.content.decode()


def test_checkout_carries_the_code_and_shows_the_discount(client, spring, priced, payer):
    client.force_login(payer)

    response = client.get(f"{checkout_path(priced[0])}?offer=spring")

    text = response.content.decode()
    assert response.status_code == 200
    assert '<input type="hidden" name="offer" value="spring">' in text
    assert "Pay $6" in text


def test_paying_through_checkout_applies_the_offer(client, spring, priced, payer, card_of):
    client.force_login(payer)

    response = client.post(
        checkout_path(priced[0]), {"setup_intent": card_of(payer), "offer": "spring"}
    )

    assert response.status_code == 302
    paid = checkout.paying_subscription(payer, priced[0].publication_id)
    data = gateway.client().v1.subscriptions.retrieve(paid.stripe_subscription_id).to_dict()
    assert data["discount"]["coupon"]["id"] == spring.stripe_coupon_id


def test_an_offer_ended_during_checkout_charges_nothing_and_says_so(
    client, spring, priced, payer, card_of
):
    client.force_login(payer)
    intent = card_of(payer)
    offers.end_offer(spring)

    response = client.post(checkout_path(priced[0]), {"setup_intent": intent, "offer": "spring"})

    assert response.status_code == 400
    assert "offer has ended" in response.content.decode()
    assert checkout.paying_subscription(payer, priced[0].publication_id) is None


# --- The desk -------------------------------------------------------------------------------------


def test_a_manager_creates_an_offer_and_sees_its_link(owner_client, priced, publication):
    response = owner_client.post(offers_url(publication), form())

    assert response.status_code == 302
    offer = Offer.objects.get(publication=publication)
    assert (offer.code, offer.percent_off, offer.duration) == ("spring", 25, "once")
    page = owner_client.get(offers_url(publication)).content.decode()
    assert "/subscribe/?offer=spring" in page


def test_an_amount_off_for_some_months_with_an_end_date(owner_client, priced, publication):
    last_day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    changes = {"kind": "amount", "percent_off": "", "amount_off": "2.50",
               "duration": "repeating", "duration_in_months": "6", "ends_on": last_day}  # fmt: skip

    response = owner_client.post(offers_url(publication), form(**changes))

    assert response.status_code == 302
    offer = Offer.objects.get()
    assert (offer.amount_off, offer.currency, offer.duration_in_months) == (250, "usd", 6)
    assert offer.ends_at > timezone.now() + dt.timedelta(days=10)


def test_an_admin_manages_offers(client, priced, publication):
    client.force_login(member(publication, Role.ADMIN))

    assert client.post(offers_url(publication), form()).status_code == 302
    assert Offer.objects.filter(publication=publication, code="spring").exists()


def test_a_manager_ends_an_offer(owner_client, spring, publication):
    url = reverse("desk:billing:desk_offer_end", args=[publication.slug, spring.pk])

    response = owner_client.post(url)

    assert response.status_code == 302
    spring.refresh_from_db()
    assert spring.ended_at is not None


@pytest.mark.parametrize(
    "changes",
    [
        {"code": ""},
        {"code": "no spaces!"},
        {"kind": "both"},
        {"percent_off": "0"},
        {"percent_off": "101"},
        {"percent_off": "ten"},
        {"kind": "amount", "percent_off": "", "amount_off": "-2"},
        {"kind": "amount", "percent_off": "", "amount_off": ""},
        {"duration": "repeating"},
        {"duration": "repeating", "duration_in_months": "99"},
        {"duration": "weekly"},
        {"ends_on": "2001-01-01"},
        {"ends_on": "tomorrow"},
        {"ends_on": "9999-99-99"},
    ],
)
def test_garbage_is_refused_calmly(owner_client, priced, publication, changes):
    response = owner_client.post(offers_url(publication), form(**changes))

    assert response.status_code == 400
    assert not Offer.objects.exists()


def test_an_offer_before_any_price_is_refused_calmly(owner_client, publication, stripe_on):
    response = owner_client.post(offers_url(publication), form())

    assert response.status_code == 400
    assert "Set your prices first" in response.content.decode()


def test_without_stripe_the_page_names_the_missing_settings(owner_client, publication, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = owner_client.get(offers_url(publication))

    assert response.status_code == 200
    assert b"Stripe is not set up" in response.content


def test_authors_may_not_manage_offers(client, spring, publication):
    client.force_login(member(publication, Role.AUTHOR))
    end_url = reverse("desk:billing:desk_offer_end", args=[publication.slug, spring.pk])

    assert client.get(offers_url(publication)).status_code == 403
    assert client.post(offers_url(publication), form(code="mine")).status_code == 403
    assert client.post(end_url).status_code == 403
    spring.refresh_from_db()
    assert spring.ended_at is None
    assert Offer.objects.count() == 1


def test_readers_get_not_found(client, spring, publication, reader):
    client.force_login(reader)

    assert client.get(offers_url(publication)).status_code == 404


def test_an_offer_of_another_publication_cannot_be_ended_here(owner_client, priced, publication):
    from tests.factories import make_publication

    other = make_publication()
    foreign = Offer.objects.create(publication=other, code="x", percent_off=5, duration="once",
                                   stripe_coupon_id="coupon_foreign")  # fmt: skip

    url = reverse("desk:billing:desk_offer_end", args=[publication.slug, foreign.pk])
    assert owner_client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.ended_at is None
