"""Signing in with an emailed link: single use, short-lived, bound to the address, no enumeration;
opening the link shows one button and spends nothing, pressing it (a POST) signs in."""

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


def sign_in_with(client, url):
    """What a person does with the emailed link: open it, then press its button."""
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url)


def test_sign_in_link_arrives_by_email_and_signs_in(client, publication, smtp_sink, run_worker):
    person = make_person(email="ada@example.com")

    response = ask_for_link(client, "Ada@Example.com")
    run_worker()

    assert response.status_code == 200
    message = smtp_sink.last_to("ada@example.com")
    assert "sign-in link" in message.subject.lower()
    url = path_of(link_in(message))
    page = client.get(url)
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session  # opening the link signs no one in
    followed = client.post(url)
    assert followed.status_code == 302
    assert client.get(reverse("accounts:account")).context["user"] == person


def test_opening_a_link_spends_nothing_and_shows_one_button(client, publication):
    from masthead.accounts.services import sign_in_token

    link = SignInLink.objects.create(email="rita@example.com", publication=publication)
    url = reverse("accounts:sign_in_link", args=[sign_in_token(link)])

    # A mail scanner fetches the link, then the reader opens it too.
    for _ in range(2):
        page = client.get(url)
        assert page.status_code == 200

    link.refresh_from_db()
    assert link.used_at is None
    assert "_auth_user_id" not in client.session
    assert not Person.objects.filter(email="rita@example.com").exists()
    assert "Sign in to The Daily Build" in page.text
    assert "r…\u2060@example.com" in page.text and "rita@example.com" not in page.text
    assert page.text.count('method="post"') == 1
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]


def test_the_button_needs_the_pages_csrf_token(publication):
    """A page elsewhere cannot post a link for the victim's browser: no login CSRF."""
    from django.test import Client

    from masthead.accounts.services import sign_in_token

    link = SignInLink.objects.create(email="attacker@example.com")
    victim = Client(enforce_csrf_checks=True)

    response = victim.post(reverse("accounts:sign_in_link", args=[sign_in_token(link)]))

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.used_at is None
    assert "_auth_user_id" not in victim.session


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

    sign_in_with(client, path_of(link_in(smtp_sink.last_to("newcomer@example.com"))))

    assert Person.objects.filter(email="newcomer@example.com").exists()


def test_a_link_works_only_once(client, publication, smtp_sink, run_worker):
    make_person(email="once@example.com")
    ask_for_link(client, "once@example.com")
    run_worker()
    url = path_of(link_in(smtp_sink.last_to("once@example.com")))
    sign_in_with(client, url)
    client.post(reverse("accounts:sign_out"))

    opened = client.get(url)
    pressed = client.post(url)

    assert opened.status_code == pressed.status_code == 400
    assert "already used" in opened.text and "already used" in pressed.text
    assert 'method="post"' not in opened.text.split("<main", 1)[1].split("</main>")[0]
    assert "_auth_user_id" not in client.session


def test_a_link_expires_after_fifteen_minutes(client, publication, smtp_sink, run_worker):
    make_person(email="late@example.com")
    ask_for_link(client, "late@example.com")
    run_worker()
    url = path_of(link_in(smtp_sink.last_to("late@example.com")))

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)):
        opened = client.get(url)
        pressed = client.post(url)

    assert opened.status_code == pressed.status_code == 400
    assert "expired" in opened.text and "expired" in pressed.text
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

    opened = client.get(reverse("accounts:sign_in_link", args=[forged]))
    response = client.post(reverse("accounts:sign_in_link", args=[forged]))

    assert opened.status_code == response.status_code == 400
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

    response = sign_in_with(client, path_of(link_in(smtp_sink.last_to("next@example.com"))))

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
