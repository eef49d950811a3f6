"""Subscribers through the API: listing with a read key; adding, changing, removing with a write key."""

from django.core import mail

from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus
from masthead.subscriptions.services import unsubscribe
from tests.api.conftest import assert_problem, bearer
from tests.factories import make_person


def _subscribe(publication, email, status=SubscriptionStatus.ACTIVE):
    return Subscription.objects.create(
        publication=publication, person=make_person(email=email), status=status
    )


def test_read_key_lists_subscribers_with_paging(client, base, read_key, publication):
    for number in range(3):
        _subscribe(publication, f"reader{number}@example.com")
    first = client.get(f"{base}/subscribers", {"limit": 2}, **bearer(read_key)).json()
    second = client.get(
        f"{base}/subscribers", {"limit": 2, "cursor": first["next_cursor"]}, **bearer(read_key)
    ).json()
    emails = {item["email"] for item in first["items"] + second["items"]}
    assert len(emails) == 3 and second["next_cursor"] is None


def test_add_subscriber_is_active_without_a_confirmation_email(
    client, base, write_key, publication, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base}/subscribers",
            {"email": "New@Example.com", "labels": ["vip", "VIP"]},
            content_type="application/json",
            **bearer(write_key),
        )
    assert response.status_code == 201
    subscription = Subscription.objects.get()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.source == SubscriptionSource.STAFF
    assert subscription.labels == ["vip"]
    assert mail.outbox == []


def test_adding_an_existing_subscriber_is_200(client, base, write_key, publication):
    _subscribe(publication, "here@example.com")
    response = client.post(
        f"{base}/subscribers",
        {"email": "here@example.com"},
        content_type="application/json",
        **bearer(write_key),
    )
    assert response.status_code == 200
    assert Subscription.objects.count() == 1


def test_who_unsubscribed_cannot_be_added_back_by_staff(client, base, write_key, publication):
    subscription = _subscribe(publication, "gone@example.com")
    unsubscribe(subscription)
    response = client.post(
        f"{base}/subscribers",
        {"email": "gone@example.com"},
        content_type="application/json",
        **bearer(write_key),
    )
    assert_problem(response, 409)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_bad_address_is_422(client, base, write_key):
    response = client.post(
        f"{base}/subscribers",
        {"email": "not an address"},
        content_type="application/json",
        **bearer(write_key),
    )
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "email"
    assert not Subscription.objects.exists()


def test_update_labels_and_remove(client, base, write_key, publication):
    subscription = _subscribe(publication, "someone@example.com")
    response = client.patch(
        f"{base}/subscribers/{subscription.id}",
        {"labels": ["a"]},
        content_type="application/json",
        **bearer(write_key),
    )
    assert response.status_code == 200 and response.json()["labels"] == ["a"]
    response = client.delete(f"{base}/subscribers/{subscription.id}", **bearer(write_key))
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_read_key_cannot_add_or_remove(client, base, read_key, publication):
    subscription = _subscribe(publication, "stay@example.com")
    response = client.delete(f"{base}/subscribers/{subscription.id}", **bearer(read_key))
    assert_problem(response, 403)
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_subscribers_of_another_publication_are_404(client, base, write_key):
    from tests.factories import make_publication

    other = _subscribe(make_publication(), "elsewhere@example.com")
    assert_problem(client.get(f"{base}/subscribers/{other.id}", **bearer(write_key)), 404)
    assert_problem(client.delete(f"{base}/subscribers/{other.id}", **bearer(write_key)), 404)
    other.refresh_from_db()
    assert other.status == SubscriptionStatus.ACTIVE
