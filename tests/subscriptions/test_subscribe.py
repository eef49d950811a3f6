"""Subscribing with double opt-in, referral codes, and the one-click unsubscribe of RFC 8058."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from masthead.accounts.models import Person
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe_token

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def subscribe(client, email, **extra):
    return client.post(reverse("subscriptions:subscribe"), {"email": email, **extra})


def confirm_link(sink, address) -> str:
    message = sink.last_to(address)
    return path_of(next(url for url in message.links() if "/subscribe/confirm/" in url))


def test_subscribing_sends_a_confirmation_that_activates_and_signs_in(
    client, publication, smtp_sink, run_worker
):
    response = subscribe(client, "New@Example.com")
    run_worker()

    assert response.status_code == 200
    assert "sent a confirmation link" in response.text
    subscription = Subscription.objects.get()
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.person.email == "new@example.com"
    message = smtp_sink.last_to("new@example.com")
    assert message.subject == "Confirm your subscription to The Daily Build"
    assert "The Daily Build" in message.header("From")

    url = confirm_link(smtp_sink, "new@example.com")
    assert client.get(url).status_code == 200
    confirmed = client.post(url)

    assert confirmed.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.confirmed_at
    assert int(client.session["_auth_user_id"]) == subscription.person_id


def test_subscribing_again_when_confirmed_emails_the_address_and_the_page_tells_nothing(
    client, publication, smtp_sink, run_worker, django_capture_on_commit_callbacks
):
    subscribe(client, "loyal@example.com")
    run_worker()
    client.post(confirm_link(smtp_sink, "loyal@example.com"))
    run_worker()  # the welcome email
    sent_before = len(smtp_sink.messages)

    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, "loyal@example.com")
    run_worker()

    assert response.status_code == 200
    assert len(smtp_sink.messages) == sent_before + 1
    notice = smtp_sink.last_to("loyal@example.com")
    assert notice.subject == "You're already subscribed to The Daily Build"


def test_an_unconfirmed_address_gets_at_most_one_confirmation_per_few_minutes(
    client, publication, smtp_sink, run_worker
):
    subscribe(client, "slow@example.com")
    subscribe(client, "slow@example.com")
    run_worker()
    assert len(smtp_sink.to("slow@example.com")) == 1

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        subscribe(client, "slow@example.com")
        run_worker()

    assert len(smtp_sink.to("slow@example.com")) == 2
    assert Subscription.objects.count() == 1 and Person.objects.count() == 1


def test_a_referral_code_on_any_page_is_recorded_on_the_subscription(client, published_post):
    client.get(reverse("posts:detail", args=[published_post.slug]) + "?r=FRIEND42")

    subscribe(client, "referred@example.com")

    assert Subscription.objects.get().referral_code == "FRIEND42"


def test_a_malformed_referral_code_is_ignored(client, published_post):
    client.get(reverse("posts:home") + "?r=<script>")

    subscribe(client, "plain@example.com")

    assert Subscription.objects.get().referral_code == ""


@pytest.mark.parametrize(
    "email",
    [
        "",
        "nope",
        "two@@example.com",
        "x" * 250 + "@example.com",
        "a@example.com\nBcc: b@example.com",
    ],
)
def test_bad_addresses_are_refused_with_a_clear_message(client, publication, email):
    response = subscribe(client, email)

    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert not Subscription.objects.exists() and not Person.objects.exists()


def test_subscribing_is_rate_limited_per_client(client, publication, settings):
    settings.SUBSCRIBE_RATE_PER_CLIENT = (2, 3600)
    subscribe(client, "a@example.com")
    subscribe(client, "b@example.com")

    response = subscribe(client, "c@example.com")

    assert response.status_code == 429
    assert Subscription.objects.count() == 2


def test_subscribe_forms_are_on_home_posts_and_their_own_page(client, published_post):
    action = f'action="{reverse("subscriptions:subscribe")}"'

    for url in (
        reverse("posts:home"),
        reverse("posts:detail", args=[published_post.slug]),
        reverse("subscriptions:subscribe"),
    ):
        assert action in client.get(url).text


def active_subscription(publication, email="reader@example.com"):
    person = Person.objects.create_user(email)
    return Subscription.objects.create(
        publication=publication, person=person, status=SubscriptionStatus.ACTIVE,
        confirmed_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip


def test_one_click_unsubscribe_works_with_a_post_and_no_session(publication):
    from django.test import Client

    subscription = active_subscription(publication)
    strict_client = Client(enforce_csrf_checks=True)

    response = strict_client.post(
        reverse("subscriptions:unsubscribe", args=[unsubscribe_token(subscription)]),
        {"List-Unsubscribe": "One-Click"},
    )

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_the_visible_link_asks_first_and_offers_to_resubscribe(client, publication):
    subscription = active_subscription(publication)
    url = reverse("subscriptions:unsubscribe", args=[unsubscribe_token(subscription)])

    page = client.get(url)
    subscription.refresh_from_db()
    assert page.status_code == 200 and subscription.status == SubscriptionStatus.ACTIVE

    done = client.post(url)
    assert "Resubscribe" in done.text
    client.post(reverse("subscriptions:resubscribe", args=[unsubscribe_token(subscription)]))

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "garbage"]
)
def test_a_forged_or_altered_unsubscribe_token_gets_a_clear_error(client, publication, mangle):
    subscription = active_subscription(publication)
    token = mangle(unsubscribe_token(subscription))

    response = client.post(reverse("subscriptions:unsubscribe", args=[token]))

    assert response.status_code == 400
    assert "not valid" in response.text
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_the_welcome_email_carries_rfc_8058_headers(client, publication, smtp_sink, run_worker):
    subscribe(client, "headers@example.com")
    run_worker()
    client.post(confirm_link(smtp_sink, "headers@example.com"))
    run_worker()

    welcome = smtp_sink.last_to("headers@example.com")

    assert welcome.subject == "Welcome to The Daily Build"
    assert welcome.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    url = welcome.header("List-Unsubscribe").strip("<>")
    assert "/unsubscribe/" in url and url in welcome.text


def test_a_publication_name_cannot_inject_headers(client, publication, smtp_sink, run_worker):
    publication.name = "Evil\r\nBcc: victim@example.com"
    publication.save()

    subscribe(client, "safe@example.com")
    run_worker()

    message = smtp_sink.last_to("safe@example.com")
    assert message.envelope_to == ["safe@example.com"]
    assert message.message["Bcc"] is None
    assert "\n" not in message.header("From") and "\n" not in message.subject
