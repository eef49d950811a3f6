"""Group subscriptions against localstripe: one Stripe subscription with quantity N, seats
handed out by email and claimed once, never more than N, and access that follows the group's
Stripe subscription."""

from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from masthead.billing import gateway, groups
from masthead.billing.access import has_paid_access
from masthead.billing.checkout import CheckoutRefused
from masthead.billing.gift_models import Group, GroupSeat
from masthead.billing.models import AccessGrant, GrantKind
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import stripe_standin
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(priced, publication, payer, card_of):
    return groups.buy_group(payer, publication, 3, card_of(payer))


def claim(group, email):
    seat = groups.add_member(group, email)
    person = make_person(email=email)
    return groups.claim_seat(groups.seat_token(seat), person)


def test_a_group_is_one_stripe_subscription_with_a_quantity(group, priced, payer, publication):
    stripe_subscription = gateway.client().v1.subscriptions.retrieve(group.stripe_subscription_id)
    item = stripe_subscription.to_dict()["items"]["data"][0]

    assert (item["plan"]["id"], item["quantity"]) == (priced[1].stripe_plan_id, 3)
    assert group.status == "active"
    assert has_paid_access(payer, publication.id)


def test_seat_counts_outside_two_to_a_hundred_are_refused(priced, publication, payer, card_of):
    for count in (1, 101):
        with pytest.raises(CheckoutRefused, match="2 to 100 seats"):
            groups.buy_group(payer, publication, count, card_of(payer))
    assert not Group.objects.exists()


def test_a_declined_card_makes_no_group(priced, publication, payer, card_of):
    with pytest.raises(CheckoutRefused, match="declined"):
        groups.buy_group(payer, publication, 3, card_of(payer, "4000000000000341"))
    assert not Group.objects.exists()


def test_no_more_members_than_seats(group):
    groups.add_member(group, "one@example.com")
    groups.add_member(group, "two@example.com")

    with pytest.raises(CheckoutRefused, match="All 3 seats are taken"):
        groups.add_member(group, "three@example.com")
    assert GroupSeat.objects.filter(group=group, removed_at__isnull=True).count() == 3


def test_removing_a_member_frees_the_seat_and_ends_their_access(group, publication):
    seat = claim(group, "one@example.com")
    groups.add_member(group, "two@example.com")
    assert has_paid_access(seat.claimed_by, publication.id)

    groups.remove_member(group, seat.id)

    assert not has_paid_access(seat.claimed_by, publication.id)
    assert groups.add_member(group, "three@example.com").email == "three@example.com"


def test_a_claim_creates_an_open_group_grant_and_subscribes(group, publication):
    seat = claim(group, "one@example.com")

    grant = AccessGrant.objects.get(person=seat.claimed_by)
    assert (grant.kind, grant.ends_at) == (GrantKind.GROUP, None)
    assert has_paid_access(seat.claimed_by, publication.id)
    row = Subscription.objects.get(person=seat.claimed_by, publication=publication)
    assert row.status == SubscriptionStatus.ACTIVE


def test_the_claim_link_works_once(group, client, smtp_sink, run_worker):
    groups.add_member(group, "one@example.com")
    run_worker()
    message = smtp_sink.last_to("one@example.com")
    assert "added you to a group subscription" in message.subject
    path = urlsplit(next(link for link in message.links() if "/groups/claim/" in link)).path

    assert client.get(path).status_code == 200
    assert GroupSeat.objects.get(email="one@example.com").claimed_at is None
    assert client.post(path).status_code == 302
    again = client.post(path)

    assert again.status_code == 400
    assert b"already claimed" in again.content
    assert AccessGrant.objects.filter(kind=GrantKind.GROUP).count() == 2  # payer and one


def test_the_group_ending_ends_every_members_access(group, publication, stripe_on):
    member = claim(group, "one@example.com").claimed_by

    stripe_standin.set_subscription_status(stripe_on, group.stripe_subscription_id, "canceled")
    groups.refresh_group(group.stripe_subscription_id)

    assert Group.objects.get(id=group.id).status == "canceled"
    assert not has_paid_access(member, publication.id)
    assert not has_paid_access(group.payer, publication.id)
    with pytest.raises(CheckoutRefused, match="has ended"):
        groups.add_member(group, "late@example.com")


def test_a_group_set_to_cancel_keeps_access_to_the_period_end(group, publication):
    member = claim(group, "one@example.com").claimed_by
    updated = gateway.client().v1.subscriptions.update(
        group.stripe_subscription_id, params={"cancel_at_period_end": True}
    )

    refreshed = groups.mirror_group(updated.to_dict())

    grant = AccessGrant.objects.get(person=member)
    assert grant.ends_at == refreshed.current_period_end
    assert has_paid_access(member, publication.id)
    assert not has_paid_access(member, publication.id, now=refreshed.current_period_end)


def test_a_claim_link_of_an_ended_group_does_nothing(group, client, stripe_on):
    seat = groups.add_member(group, "one@example.com")
    stripe_standin.set_subscription_status(stripe_on, group.stripe_subscription_id, "canceled")
    groups.refresh_group(group.stripe_subscription_id)

    response = client.post(f"/groups/claim/{groups.seat_token(seat)}/")

    assert response.status_code == 400
    assert not AccessGrant.objects.filter(person__email="one@example.com").exists()


def test_only_the_payer_manages_the_group(group, client):
    client.force_login(make_person(email="other@example.com"))

    assert client.get(f"/groups/{group.id}/").status_code == 404
    seat = group.seats.get()
    assert client.post(f"/groups/{group.id}/seats/{seat.id}/remove/").status_code == 404
    assert GroupSeat.objects.get(id=seat.id).removed_at is None


def test_the_payer_adds_and_removes_through_the_page(group, client, payer):
    client.force_login(payer)

    added = client.post(f"/groups/{group.id}/", {"email": "one@example.com"})
    seat = GroupSeat.objects.get(email="one@example.com")
    removed = client.post(f"/groups/{group.id}/seats/{seat.id}/remove/")

    assert (added.status_code, removed.status_code) == (302, 302)
    assert GroupSeat.objects.get(id=seat.id).removed_at is not None
    page = client.get(f"/groups/{group.id}/")
    assert b"1 of 3 seats given" in page.content


def test_the_same_address_twice_is_refused(group):
    groups.add_member(group, "one@example.com")

    with pytest.raises(CheckoutRefused, match="already has a seat"):
        groups.add_member(group, "ONE@example.com")


def test_buying_a_group_through_the_page(priced, publication, payer, card_of, client):
    client.force_login(payer)

    response = client.post("/groups/", {"seat_count": "4", "setup_intent": card_of(payer)})

    assert response.status_code == 302
    group = Group.objects.get()
    assert (group.payer, group.seat_count, group.publication) == (payer, 4, publication)
    assert response["Location"].endswith(f"/groups/{group.id}/")
    assert group.seats.get().claimed_at <= timezone.now()


def test_stripes_event_about_a_group_ends_its_members_access(client, group, publication, stripe_on):
    from tests.billing.test_webhooks import post_event

    member = claim(group, "one@example.com").claimed_by
    stripe_standin.set_subscription_status(stripe_on, group.stripe_subscription_id, "canceled")
    event = stripe_standin.event(
        "customer.subscription.deleted", {"id": group.stripe_subscription_id}
    )

    response = post_event(client, event)

    assert response.content == b"synced"
    assert not has_paid_access(member, publication.id)
