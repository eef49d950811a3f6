"""Signing in with an emailed link: single use, short-lived, bound to the address, no enumeration."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from masthead.accounts.models import Person, SignInLink
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def ask_for_link(client, email, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, **extra})


def link_in(message) -> str:
    return next(url for url in message.links() if "/sign-in/" in url)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_sign_in_link_arrives_by_email_and_signs_in(client, publication, smtp_sink, run_worker):
    person = make_person(email="ada@example.com")

    response = ask_for_link(client, "Ada@Example.com")
    run_worker()

    assert response.status_code == 200
    message = smtp_sink.last_to("ada@example.com")
    assert "sign-in link" in message.subject.lower()
    followed = client.get(path_of(link_in(message)))
    assert followed.status_code == 302
    assert client.get(reverse("accounts:account")).context["user"] == person


def test_the_page_says_the_same_whether_or_not_an_account_exists(client, publication, smtp_sink):
    make_person(email="known@example.com")

    known = ask_for_link(client, "known@example.com")
    unknown = ask_for_link(client, "stranger@example.com")

    def notice(response):
        return response.text.replace("known@example.com", "X").replace("stranger@example.com", "X")

    assert known.status_code == unknown.status_code == 200
    assert notice(known) == notice(unknown)


def test_a_first_sign_in_creates_the_account(client, publication, smtp_sink, run_worker):
    ask_for_link(client, "newcomer@example.com")
    run_worker()

    client.get(path_of(link_in(smtp_sink.last_to("newcomer@example.com"))))

    assert Person.objects.filter(email="newcomer@example.com").exists()


def test_a_link_works_only_once(client, publication, smtp_sink, run_worker):
    make_person(email="once@example.com")
    ask_for_link(client, "once@example.com")
    run_worker()
    url = path_of(link_in(smtp_sink.last_to("once@example.com")))
    client.get(url)
    client.post(reverse("accounts:sign_out"))

    again = client.get(url)

    assert again.status_code == 400
    assert "already used" in again.text


def test_a_link_expires_after_fifteen_minutes(client, publication, smtp_sink, run_worker):
    make_person(email="late@example.com")
    ask_for_link(client, "late@example.com")
    run_worker()
    url = path_of(link_in(smtp_sink.last_to("late@example.com")))

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        response = client.get(url)

    assert response.status_code == 400
    assert "expired" in response.text
    assert "_auth_user_id" not in client.session


def test_a_tampered_link_is_refused_with_a_clear_page(client, publication, smtp_sink, run_worker):
    ask_for_link(client, "tamper@example.com")
    run_worker()
    url = path_of(link_in(smtp_sink.last_to("tamper@example.com")))
    tampered = url.replace("/sign-in/", "/sign-in/x")

    response = client.get(tampered)

    assert response.status_code == 400
    assert "not valid" in response.text
    assert SignInLink.objects.get().used_at is None


def test_a_link_is_bound_to_its_address(client, publication):
    from masthead.accounts.services import sign_in_token

    link = SignInLink.objects.create(email="victim@example.com")
    other = SignInLink.objects.create(email="attacker@example.com")
    # A token naming the attacker's link id with the victim's address does not verify.
    forged = sign_in_token(SignInLink(id=other.id, email="victim@example.com"))

    response = client.get(reverse("accounts:sign_in_link", args=[forged]))

    assert response.status_code == 400
    assert not Person.objects.filter(email="victim@example.com").exists()
    assert link.id != other.id


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "a@b", "x" * 250 + "@example.com", "a@example.com\r\nBcc: x@y.z"]
)
def test_bad_addresses_get_a_clear_message(client, publication, email):
    response = ask_for_link(client, email)

    assert response.status_code == 400
    assert 'class="form-error"' in response.text
    assert not SignInLink.objects.exists()


def test_requests_are_rate_limited_per_address(client, publication, settings):
    settings.SIGN_IN_RATE_PER_ADDRESS = (2, 900)
    for _ in range(2):
        assert ask_for_link(client, "busy@example.com").status_code == 200

    response = ask_for_link(client, "busy@example.com")

    assert response.status_code == 429
    assert "Too many attempts" in response.text
    assert SignInLink.objects.count() == 2


def test_requests_are_rate_limited_per_client(client, publication, settings):
    settings.SIGN_IN_RATE_PER_CLIENT = (3, 3600)
    for number in range(3):
        assert ask_for_link(client, f"p{number}@example.com").status_code == 200

    assert ask_for_link(client, "p9@example.com").status_code == 429


def test_next_only_redirects_within_the_site(client, publication, smtp_sink, run_worker):
    ask_for_link(client, "next@example.com", next="https://evil.example.net/")
    run_worker()

    response = client.get(path_of(link_in(smtp_sink.last_to("next@example.com"))))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")


def test_sign_out_needs_a_post_and_ends_the_session(client, publication):
    client.force_login(make_person())

    assert client.get(reverse("accounts:sign_out")).status_code == 405
    client.post(reverse("accounts:sign_out"))

    assert "_auth_user_id" not in client.session


def test_the_header_offers_subscribe_and_sign_in(client, published_post):
    text = client.get(reverse("posts:home")).text

    assert f'href="{reverse("subscriptions:subscribe")}">Subscribe' in text
    assert ">Sign in</a>" in text


def test_a_subscribed_reader_is_not_offered_subscribe_again(client, published_post):
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    person = make_person()
    subscription = Subscription.objects.create(
        publication=published_post.publication, person=person, status=SubscriptionStatus.PENDING
    )
    client.force_login(person)
    subscribe_link = f'href="{reverse("subscriptions:subscribe")}">Subscribe'
    assert subscribe_link in client.get(reverse("posts:home")).text  # not confirmed yet

    subscription.status = SubscriptionStatus.ACTIVE
    subscription.save()
    text = client.get(reverse("posts:home")).text
    assert subscribe_link not in text
    assert ">Account</a>" in text
