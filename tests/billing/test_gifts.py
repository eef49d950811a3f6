"""Gift subscriptions against localstripe: one charge of the yearly price, an email to the
recipient on the delivery day, a link that redeems once into stacking months of paid access."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from masthead.billing import gateway, gifts
from masthead.billing.access import has_paid_access
from masthead.billing.checkout import CheckoutRefused
from masthead.billing.gift_models import Gift
from masthead.billing.models import AccessGrant, GrantKind
from masthead.posts.models import Audience
from masthead.referrals.services import add_months
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

FRIEND = "friend@example.com"


def buy(payer, publication, card_of, **fields):
    values = {"recipient_email": FRIEND, "message": "Happy birthday!", "deliver_at": None}
    values.update(fields)
    return gifts.buy_gift(payer, publication, setup_intent_id=card_of(payer), **values)


def redeem_path(message) -> str:
    link = next(link for link in message.links() if "/gifts/redeem/" in link)
    return urlsplit(link).path


def test_a_gift_charges_the_yearly_price_once(priced, publication, payer, card_of):
    gift = buy(payer, publication, card_of)

    intent = gateway.client().v1.payment_intents.retrieve(gift.stripe_payment_intent_id)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 8000, "usd")
    assert (gift.months, gift.amount, gift.recipient_email) == (12, 8000, FRIEND)
    assert Gift.objects.count() == 1


def test_a_card_that_fails_at_charge_makes_no_gift(priced, publication, payer, card_of):
    with pytest.raises(CheckoutRefused, match="Nothing was charged"):
        buy(payer, publication, lambda person: card_of(person, "4000000000000341"))

    assert Gift.objects.count() == 0


def test_the_recipient_is_emailed_a_redeem_link(
    priced, publication, payer, card_of, smtp_sink, run_worker
):
    gift = buy(payer, publication, card_of)

    run_worker()

    message = smtp_sink.last_to(FRIEND)
    assert message.subject == "Paula Payer gave you a year of The Daily Build"
    assert "Happy birthday!" in message.text
    assert redeem_path(message).startswith("/gifts/redeem/")
    gift.refresh_from_db()
    assert gift.state == "sent"


def test_a_gift_for_a_later_day_waits_for_it(
    priced, publication, payer, card_of, smtp_sink, run_worker
):
    later = timezone.now() + dt.timedelta(days=3)
    gift = buy(payer, publication, card_of, deliver_at=later)

    run_worker()
    assert smtp_sink.to(FRIEND) == []
    assert Gift.objects.get(id=gift.id).state == "scheduled"

    with time_machine.travel(later + dt.timedelta(minutes=1)):
        run_worker()
    assert len(smtp_sink.to(FRIEND)) == 1
    assert Gift.objects.get(id=gift.id).sent_at is not None


def test_opening_the_link_changes_nothing(priced, publication, payer, card_of, client):
    gift = buy(payer, publication, card_of)

    response = client.get(f"/gifts/redeem/{gifts.gift_token(gift)}/")

    assert response.status_code == 200
    assert b"Redeem your gift" in response.content
    assert Gift.objects.get(id=gift.id).redeemed_at is None
    assert not AccessGrant.objects.exists()


def test_redeeming_by_the_link_signs_in_grants_a_year_and_subscribes(
    priced, publication, payer, card_of, client
):
    gift = buy(payer, publication, card_of)
    paid_post = make_post(publication, "Members only", audience=Audience.PAID)
    assert b'class="paywall"' in client.get(f"/p/{paid_post.slug}/").content

    response = client.post(f"/gifts/redeem/{gifts.gift_token(gift)}/")

    assert response.status_code == 302
    friend = AccessGrant.objects.get().person
    assert friend.email == FRIEND
    grant = AccessGrant.objects.get(person=friend)
    assert grant.kind == GrantKind.GIFT
    assert grant.ends_at == add_months(grant.starts_at, 12)
    assert has_paid_access(friend, publication.id)
    row = Subscription.objects.get(person=friend, publication=publication)
    assert row.status == SubscriptionStatus.ACTIVE
    assert Gift.objects.get(id=gift.id).state == "redeemed"
    page = client.get(f"/p/{paid_post.slug}/")
    assert page.status_code == 200
    assert b'class="paywall"' not in page.content
    assert client.session.get("_auth_user_id") == str(friend.pk)


def test_the_link_redeems_once(priced, publication, payer, card_of, client):
    gift = buy(payer, publication, card_of)
    token = gifts.gift_token(gift)
    client.post(f"/gifts/redeem/{token}/")

    again = client.post(f"/gifts/redeem/{token}/")

    assert again.status_code == 400
    assert b"already redeemed" in again.content
    assert AccessGrant.objects.count() == 1


def test_a_signed_in_reader_redeems_for_themselves(priced, publication, payer, card_of, client):
    gift = buy(payer, publication, card_of)
    reader = make_person(email="reader@example.com")
    client.force_login(reader)

    client.post(f"/gifts/redeem/{gifts.gift_token(gift)}/")

    assert AccessGrant.objects.get().person == reader


def test_a_second_gift_starts_when_the_first_ends(priced, publication, payer, card_of):
    friend = make_person(email=FRIEND)
    first = gifts.redeem_gift(gifts.gift_token(buy(payer, publication, card_of)), friend)
    second = gifts.redeem_gift(gifts.gift_token(buy(payer, publication, card_of)), friend)

    assert second.grant.starts_at == first.grant.ends_at
    assert second.grant.ends_at == add_months(first.grant.ends_at, 12)


def test_an_altered_link_redeems_nothing(priced, publication, payer, card_of, client):
    gift = buy(payer, publication, card_of)

    response = client.post(f"/gifts/redeem/{gifts.gift_token(gift)}x/")

    assert response.status_code == 400
    assert not AccessGrant.objects.exists()


def test_the_gift_page_is_not_there_without_paid_plans(publication, payer, client):
    client.force_login(payer)

    assert client.get("/gifts/").status_code == 404


def test_the_gift_page_asks_to_sign_in(priced, client):
    response = client.get("/gifts/")

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_gift_page_loads_stripe_js_under_its_policy(priced, payer, client, stripe_on):
    client.force_login(payer)

    response = client.get("/gifts/")

    assert response.status_code == 200
    assert b'data-client-secret="seti_' in response.content
    assert stripe_on in response["Content-Security-Policy"]


def test_buying_through_the_page(priced, publication, payer, card_of, client):
    client.force_login(payer)

    response = client.post(
        "/gifts/",
        {"recipient_email": FRIEND, "message": "", "setup_intent": card_of(payer)},
    )

    assert response.status_code == 302
    assert Gift.objects.get().buyer == payer
    listing = client.get("/gifts/sent/")
    assert FRIEND.encode() in listing.content


def test_a_post_without_a_saved_card_is_refused(priced, payer, client):
    client.force_login(payer)

    response = client.post("/gifts/", {"recipient_email": FRIEND, "setup_intent": ""})

    assert response.status_code == 400
    assert b"Your card was not saved" in response.content
    assert not Gift.objects.exists()


def test_a_delivery_day_in_the_past_is_refused(priced, payer, card_of, client):
    client.force_login(payer)
    response = client.post(
        "/gifts/",
        {"recipient_email": FRIEND, "deliver_on": "2001-01-01", "setup_intent": card_of(payer)},
    )

    assert response.status_code == 400
    assert not Gift.objects.exists()


def test_the_list_shows_only_ones_own_gifts(priced, publication, payer, card_of, client):
    buy(payer, publication, card_of)
    client.force_login(make_person(email="other@example.com"))

    response = client.get("/gifts/sent/")

    assert response.status_code == 200
    assert FRIEND.encode() not in response.content


def test_the_list_of_gifts_costs_the_same_queries_for_many(
    priced, publication, payer, client, django_assert_max_num_queries
):
    for number in range(12):
        Gift.objects.create(
            publication=publication,
            buyer=payer,
            recipient_email=f"f{number}@example.com",
            months=12,
            amount=8000,
            currency="usd",
            stripe_payment_intent_id=f"pi_list_{number}",
        )
    client.force_login(payer)

    with django_assert_max_num_queries(12):
        response = client.get("/gifts/sent/")

    assert response.status_code == 200
    assert response.content.count(b'class="gift-row"') == 12
