"""The confirmation link: opening it changes nothing; its button confirms (again and again, all
the same) and signs in at most once, only while the link is fresh, and never as staff."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from masthead.subscriptions.services import confirmation_token
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(publication):
    return Subscription.objects.create(
        publication=publication, person=make_person(email="rita@example.com")
    )


def confirm_url(subscription) -> str:
    return reverse("subscriptions:confirm", args=[confirmation_token(subscription)])


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def welcomes_queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith=".send_welcome").count()


def test_opening_the_link_shows_a_button_and_changes_nothing(client, pending):
    url = confirm_url(pending)

    for _ in range(2):  # a mail scanner, then the reader
        page = client.get(url)
        assert page.status_code == 200

    pending.refresh_from_db()
    assert pending.status == SubscriptionStatus.PENDING and pending.confirmed_at is None
    assert pending.confirmation_sign_in_used_at is None
    assert not is_signed_in(client)
    assert welcomes_queued() == 0
    assert "Confirm your subscription to The Daily Build" in page.text
    assert "r…\u2060@example.com" in page.text and "rita@example.com" not in page.text
    assert page.text.count('method="post"') == 1
    assert page["Referrer-Policy"] == "same-origin"


def test_the_button_confirms_and_signs_in(client, pending):
    response = client.post(confirm_url(pending))

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == SubscriptionStatus.ACTIVE and pending.confirmed_at
    assert int(client.session["_auth_user_id"]) == pending.person_id
    assert welcomes_queued() == 1
    assert "You're subscribed" in response.text
    assert response["Referrer-Policy"] == "same-origin"


def test_three_browsers_confirm_but_only_the_first_is_signed_in(pending):
    url = confirm_url(pending)
    browsers = [Client(), Client(), Client()]

    responses = [browser.post(url) for browser in browsers]

    assert [response.status_code for response in responses] == [200, 200, 200]
    assert [is_signed_in(browser) for browser in browsers] == [True, False, False]
    assert "You're already subscribed" in responses[1].text
    assert reverse("accounts:sign_in") in responses[2].text
    assert welcomes_queued() == 1
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE


def test_after_the_sign_in_links_lifetime_the_button_confirms_without_signing_in(
    client, pending, settings
):
    url = confirm_url(pending)

    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.SIGN_IN_LINK_MINUTES + 1)
    with time_machine.travel(later):
        response = client.post(url)

    assert response.status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE
    assert not is_signed_in(client)
    assert "You're subscribed" in response.text
    assert reverse("accounts:sign_in") in response.text


@pytest.mark.parametrize("power", ["is_staff", "is_superuser", "team"])
def test_staff_are_confirmed_but_never_signed_in_by_the_link(client, pending, power):
    person = pending.person
    if power == "team":
        Membership.objects.create(publication=make_publication(), person=person, role=Role.AUTHOR)
    else:
        setattr(person, power, True)
        person.save(update_fields=[power])

    response = client.post(confirm_url(pending))

    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == SubscriptionStatus.ACTIVE
    assert pending.confirmation_sign_in_used_at is None
    assert not is_signed_in(client)
    assert reverse("accounts:sign_in") in response.text


def test_a_new_link_after_resubscribing_signs_in_once_more(client, pending):
    first = confirm_url(pending)
    Client().post(first)
    Subscription.objects.filter(id=pending.id).update(status=SubscriptionStatus.PENDING)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)):
        second = confirm_url(pending)
        assert second != first
        reused = Client()
        reused.post(first)
        client.post(second)

    assert not is_signed_in(reused)
    assert is_signed_in(client)


def test_the_button_needs_the_pages_csrf_token(pending):
    """A forged page cannot press it for someone else's browser: no login CSRF."""
    victim = Client(enforce_csrf_checks=True)

    response = victim.post(confirm_url(pending))

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == SubscriptionStatus.PENDING
    assert not is_signed_in(victim)


def test_someone_already_signed_in_stays_who_they_are(client, pending, reader):
    client.force_login(reader)

    response = client.post(confirm_url(pending))

    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == reader.id
    pending.refresh_from_db()
    assert pending.status == SubscriptionStatus.ACTIVE
    assert pending.confirmation_sign_in_used_at is None  # still there for its owner


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_of_an_ended_subscription_gets_the_error_page_and_no_button(client, pending, method):
    url = confirm_url(pending)
    Subscription.objects.filter(id=pending.id).update(status=SubscriptionStatus.UNSUBSCRIBED)

    response = getattr(client, method)(url)

    assert response.status_code == 400
    assert "was ended" in response.text
    assert "Confirm my subscription" not in response.text
    assert Subscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED
    assert not is_signed_in(client)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "garbage"]
)
def test_a_forged_or_altered_link_gets_the_error_page(client, pending, method, mangle):
    token = mangle(confirmation_token(pending))

    response = getattr(client, method)(reverse("subscriptions:confirm", args=[token]))

    assert response.status_code == 400
    assert "not valid" in response.text
    assert Subscription.objects.get().status == SubscriptionStatus.PENDING


def test_a_link_older_than_a_week_has_expired(client, pending):
    url = confirm_url(pending)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8)):
        response = client.post(url)

    assert response.status_code == 400
    assert "expired" in response.text
    assert Subscription.objects.get().status == SubscriptionStatus.PENDING
