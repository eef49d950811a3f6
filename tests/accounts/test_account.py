"""The reader's account page: subscriptions, name, deleting the account."""

import pytest
from django.urls import reverse

from masthead.accounts.models import Person
from masthead.engagement.models import Comment, Like
from masthead.publications.models import Membership
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import add_comments, make_person, make_post, make_publication

pytestmark = pytest.mark.django_db


def subscribe_directly(person, publication, status=SubscriptionStatus.ACTIVE):
    return Subscription.objects.create(person=person, publication=publication, status=status)


def test_account_page_needs_a_signed_in_person(client, publication):
    response = client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_account_lists_subscriptions_across_publications(client, reader, publication):
    other = make_publication(name="Second Weekly")
    subscribe_directly(reader, publication)
    subscribe_directly(reader, other)
    client.force_login(reader)

    text = client.get(reverse("accounts:account")).text

    assert "The Daily Build" in text and "Second Weekly" in text


def test_unsubscribing_from_the_account_page(client, reader, publication):
    subscription = subscribe_directly(reader, publication)
    client.force_login(reader)

    response = client.post(
        reverse("subscriptions:unsubscribe_from_account", args=[subscription.id])
    )

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_nobody_can_unsubscribe_someone_elses_subscription(client, reader, publication):
    subscription = subscribe_directly(make_person(), publication)
    client.force_login(reader)

    response = client.post(
        reverse("subscriptions:unsubscribe_from_account", args=[subscription.id])
    )

    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_changing_the_display_name_keeps_markup_inert(client, reader, publication):
    client.force_login(reader)

    client.post(reverse("accounts:account"), {"display_name": "<script>alert(1)</script> Rita"})

    reader.refresh_from_db()
    assert reader.display_name == "<script>alert(1)</script> Rita"
    assert "<script>alert(1)" not in client.get(reverse("accounts:account")).text


def test_an_overlong_display_name_is_refused(client, reader, publication):
    client.force_login(reader)

    response = client.post(reverse("accounts:account"), {"display_name": "x" * 81})

    assert response.status_code == 400
    assert "under 80 characters" in response.text


def test_deleting_the_account_keeps_comments_as_deleted_user(client, reader, publication):
    post = make_post(publication)
    add_comments(post, 1)
    Comment.objects.update(person=reader)
    Like.objects.create(post=post, person=reader)
    subscribe_directly(reader, publication)
    client.force_login(reader)

    response = client.post(reverse("accounts:delete"), {"confirm": "delete"})

    assert response.status_code == 200
    assert not Person.objects.filter(id=reader.id).exists()
    assert Comment.objects.get().person is None
    assert not Like.objects.exists() and not Subscription.objects.exists()


def test_deleting_needs_the_confirmation_box(client, reader, publication):
    client.force_login(reader)

    client.post(reverse("accounts:delete"), {})

    assert Person.objects.filter(id=reader.id).exists()


def test_the_only_owner_cannot_delete_their_account(client, reader, publication):
    Membership.objects.create(publication=publication, person=reader, role="owner")
    client.force_login(reader)

    client.post(reverse("accounts:delete"), {"confirm": "delete"})

    assert Person.objects.filter(id=reader.id).exists()
