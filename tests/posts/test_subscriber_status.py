"""A subscribed reader sees where they stand, not an empty Subscribe box, on home and posts."""

import pytest
from django.urls import reverse

from masthead.referrals.models import ReferralCode
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import add_likes, make_post, make_publication


def subscribe(reader, publication, status=SubscriptionStatus.ACTIVE):
    return Subscription.objects.create(publication=publication, person=reader, status=status)


@pytest.fixture
def pages(published_post):
    return [reverse("posts:home"), reverse("posts:detail", args=[published_post.slug])]


def test_a_subscriber_sees_their_status_and_referral_link(client, publication, reader, pages):
    subscribe(reader, publication)
    client.force_login(reader)

    for url in pages:
        html = client.get(url).text
        assert "You’re subscribed to The Daily Build" in html
        assert 'class="subscribe-form"' not in html
        code = ReferralCode.objects.get(publication=publication, person=reader).code
        assert f"?r={code}" in html
        assert reverse("accounts:account") in html


def test_a_pending_subscriber_is_asked_to_confirm(client, publication, reader, pages):
    subscribe(reader, publication, SubscriptionStatus.PENDING)
    client.force_login(reader)

    for url in pages:
        html = client.get(url).text
        assert "Check your inbox to confirm" in html
        assert 'class="subscribe-form"' not in html


@pytest.mark.parametrize("status", [None, SubscriptionStatus.UNSUBSCRIBED])
def test_readers_who_are_not_subscribed_get_the_form(client, publication, reader, pages, status):
    if status:
        subscribe(reader, publication, status)
    client.force_login(reader)

    for url in pages:
        html = client.get(url).text
        assert 'class="subscribe-form"' in html and "You’re subscribed" not in html


def test_visitors_get_the_form(client, pages):
    for url in pages:
        assert 'class="subscribe-form"' in client.get(url).text


def test_a_subscription_elsewhere_does_not_count_here(client, publication, reader, pages):
    subscribe(reader, make_publication())
    client.force_login(reader)

    assert 'class="subscribe-form"' in client.get(pages[0]).text


def test_a_subscribers_home_costs_the_same_queries_with_many_posts(
    client, publication, reader, django_assert_max_num_queries
):
    subscribe(reader, publication)
    client.force_login(reader)
    client.get(reverse("posts:home"))  # makes the reader's referral code once
    for post in [make_post(publication) for _ in range(30)][:10]:
        add_likes(post, 1)

    # publication (by host, then the primary), session, person, viewer, posts, bylines, the
    # referral code and its link's root
    with django_assert_max_num_queries(9):
        assert client.get(reverse("posts:home")).status_code == 200
