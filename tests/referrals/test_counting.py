"""Which sign-ups count for a referrer: confirmed, still subscribed, through someone else's code."""

import pytest

from masthead.referrals.models import Referral
from masthead.referrals.queries import leaderboard, standing_of
from masthead.referrals.services import referral_code_for
from masthead.subscriptions.services import unsubscribe
from tests.factories import make_publication
from tests.referrals.conftest import confirm, refer, sign_up

pytestmark = pytest.mark.django_db


def count_for(publication, person) -> int:
    return standing_of(publication, person).referral_count


def test_a_confirmed_friend_counts_once(publication, referrer, code):
    refer(publication, code, "friend@example.com")

    assert count_for(publication, referrer) == 1
    assert Referral.objects.get().referral_code.person == referrer


def test_two_confirmed_friends_count_two(publication, referrer, code):
    refer(publication, code, "one@example.com")
    refer(publication, code, "two@example.com")

    assert count_for(publication, referrer) == 2


def test_the_same_friend_confirming_twice_counts_once(publication, referrer, code):
    subscription = sign_up(publication, "friend@example.com", code)
    confirm(subscription)
    confirm(subscription)

    assert count_for(publication, referrer) == 1
    assert Referral.objects.count() == 1


def test_an_unconfirmed_sign_up_does_not_count(publication, referrer, code):
    sign_up(publication, "friend@example.com", code)

    assert count_for(publication, referrer) == 0
    assert leaderboard(publication) == []


def test_a_friend_who_unsubscribes_drops_off_the_count(publication, referrer, code):
    stays = refer(publication, code, "stays@example.com")
    leaves = refer(publication, code, "leaves@example.com")

    unsubscribe(leaves)

    assert count_for(publication, referrer) == 1
    assert stays.referral.referral_code.person == referrer


def test_referring_yourself_does_not_count(publication, referrer, code):
    own = sign_up(publication, "someone@example.com")
    own_code = referral_code_for(publication, own.person).code
    own.referral_code = own_code
    own.save(update_fields=["referral_code"])

    confirm(own)

    assert count_for(publication, own.person) == 0
    assert not Referral.objects.exists()


def test_a_code_that_does_not_exist_is_ignored(publication, referrer):
    subscription = refer(publication, "NoSuchCode", "friend@example.com")

    assert subscription.status == "active"
    assert not Referral.objects.exists()


def test_a_code_of_another_publication_does_not_count(publication, referrer):
    other = make_publication()
    foreign_code = referral_code_for(other, referrer).code

    refer(publication, foreign_code, "friend@example.com")

    assert count_for(other, referrer) == 0
    assert count_for(publication, referrer) == 0


def test_a_code_with_a_bad_shape_shows_no_error_when_subscribing(client, publication):
    response = client.post("/subscribe/", {"email": "friend@example.com", "r": "<script>"})

    assert response.status_code == 200
    assert b"sent a confirmation link" in response.content
