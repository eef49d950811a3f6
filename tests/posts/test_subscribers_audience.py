"""Subscribers-only posts: signed-in readers with an active subscription (free or paid) and staff
read them whole; everyone else gets the preview, a notice and a subscribe form; every
newsletter recipient is an active subscriber, so every email is the whole post."""

import pytest
from django.urls import reverse

from masthead.billing.models import AccessGrant, GrantKind
from masthead.delivery.models import Delivery
from masthead.posts.models import Audience, PostStatus
from masthead.posts.queries import can_read_full_post, is_whole_for_every_subscriber
from masthead.posts.services import publish_post
from masthead.publications.models import Membership
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db

SECRET = "The sentence only subscribers read."
BODY = f"Free one.\n\n<!-- paywall -->\n\n{SECRET}"
NOTICE = "This post is for subscribers"


@pytest.fixture
def post(publication):
    return make_post(publication, "For subscribers", audience=Audience.SUBSCRIBERS, body=BODY)


def subscribe(publication, person, status=SubscriptionStatus.ACTIVE):
    return Subscription.objects.create(publication=publication, person=person, status=status)


def page_of(client, post):
    response = client.get(reverse("posts:detail", args=[post.slug]))
    assert response.status_code == 200
    return response.text


def assert_preview_only(text):
    assert "Free one." in text
    assert SECRET not in text
    assert NOTICE in text
    assert 'action="/subscribe/"' in text or "subscribe-form" in text


def test_an_anonymous_visitor_gets_the_preview_a_subscribe_form_and_a_sign_in_link(client, post):
    text = page_of(client, post)

    assert_preview_only(text)
    assert "Already subscribed?" in text and "/sign-in/?next=" in text
    assert "Upgrade to paid" not in text and "paid subscribers" not in text


def test_a_signed_in_reader_who_never_subscribed_gets_the_preview(client, post):
    client.force_login(make_person())

    text = page_of(client, post)

    assert_preview_only(text)
    assert "Already subscribed?" not in text


@pytest.mark.parametrize("status", [SubscriptionStatus.UNSUBSCRIBED, SubscriptionStatus.PENDING])
def test_a_reader_whose_subscription_is_not_active_gets_the_preview(
    client, publication, post, status
):
    reader = make_person()
    subscribe(publication, reader, status)
    client.force_login(reader)

    text = page_of(client, post)

    assert "Free one." in text and SECRET not in text and NOTICE in text


def test_a_subscriber_of_another_publication_gets_the_preview(client, post):
    from tests.factories import make_publication

    reader = make_person()
    subscribe(make_publication(), reader)
    client.force_login(reader)

    assert SECRET not in page_of(client, post)


def test_a_free_subscriber_reads_the_whole_post(client, publication, post):
    reader = make_person()
    subscribe(publication, reader)
    client.force_login(reader)

    text = page_of(client, post)

    assert "Free one." in text and SECRET in text
    assert NOTICE not in text


def test_staff_read_the_whole_post_without_subscribing(client, publication, post):
    writer = make_person()
    Membership.objects.create(publication=publication, person=writer, role="author")
    client.force_login(writer)

    assert SECRET in page_of(client, post)


def test_a_reader_with_paid_access_reads_it_whole_even_without_a_subscription_row(
    publication, post
):
    comped = make_person()
    AccessGrant.objects.create(publication=publication, person=comped, kind=GrantKind.COMP)

    assert can_read_full_post(comped, post)


def test_the_rule_tells_subscribers_only_posts_apart_from_paid_ones(publication):
    free_reader = make_person()
    subscribe(publication, free_reader)
    paid = make_post(publication, audience=Audience.PAID, body=BODY)
    for_subscribers = make_post(publication, audience=Audience.SUBSCRIBERS, body=BODY)

    assert can_read_full_post(free_reader, for_subscribers)
    assert not can_read_full_post(free_reader, paid)
    assert is_whole_for_every_subscriber(for_subscribers)
    assert not is_whole_for_every_subscriber(paid)


def test_an_unknown_audience_from_bad_data_reads_as_paid_never_as_open(publication, post):
    free_reader = make_person()
    subscribe(publication, free_reader)
    post.audience = "members"

    assert not can_read_full_post(free_reader, post)
    assert not can_read_full_post(None, post)


def test_cards_show_a_subscribers_badge_and_never_the_text(client, publication, post):
    for url in (reverse("posts:home"), reverse("posts:archive")):
        text = client.get(url).text
        assert "For subscribers" in text and ">Subscribers<" in text
        assert SECRET not in text


def test_the_social_card_is_only_the_title(client, post):
    text = page_of(client, post)

    assert f'content="{SECRET}' not in text


def test_every_subscriber_gets_the_whole_post_by_email(publication, smtp_sink, run_worker):
    free_reader = make_person(email="free@example.com")
    subscribe(publication, free_reader)
    draft = make_post(
        publication, audience=Audience.SUBSCRIBERS, body=BODY, status=PostStatus.DRAFT
    )

    publish_post(draft, send_email=True)
    run_worker()

    message = smtp_sink.last_to("free@example.com")
    assert SECRET in message.html and SECRET in message.text
    assert NOTICE not in message.text
    assert Delivery.objects.filter(send__post=draft).count() == 1
