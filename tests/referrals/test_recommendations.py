"""Recommendations: validated in the desk, shown on About and after confirming, one-click subscribe."""

import pytest
from django.urls import reverse

from masthead.referrals.models import Recommendation
from masthead.referrals.services import subscribe_signed_in_reader
from masthead.subscriptions.models import Subscription
from tests.factories import make_publication
from tests.referrals.conftest import sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(db):
    return make_publication(name="Other Weekly", slug="other-weekly")


def add(client, publication, **data):
    return client.post(reverse("referrals:desk_recommendations", args=[publication.slug]), data)


def test_the_owner_recommends_a_publication_on_this_install(client, publication, owner, other):
    client.force_login(owner)

    response = add(client, publication, recommended_publication=other.id)

    assert response.status_code == 302
    assert Recommendation.objects.get().recommended_publication == other


def test_the_owner_recommends_a_site_by_address(client, publication, owner):
    client.force_login(owner)

    response = add(
        client, publication, url="https://elsewhere.example/", name="Elsewhere", description="Good."
    )

    assert response.status_code == 302
    row = Recommendation.objects.get()
    assert (row.url, row.name, row.description) == (
        "https://elsewhere.example/",
        "Elsewhere",
        "Good.",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "javascript:alert(1)", "name": "X"}, "http:// or https://"),
        ({"url": "JavaScript:alert(1)//https://x", "name": "X"}, "http:// or https://"),
        ({"url": "data:text/html,hi", "name": "X"}, "http:// or https://"),
        ({"url": "ftp://example.com/", "name": "X"}, "http:// or https://"),
        ({"url": "https://example.com/", "name": ""}, "Give the publication"),
        ({"url": "https://example.com/", "name": "x" * 121}, "120 characters or fewer"),
        ({"url": "https://example.com/", "name": "X", "description": "x" * 301}, "300 characters or fewer"),
        ({}, "Choose a publication on this site or give an address"),
    ],
)  # fmt: skip
def test_bad_recommendations_are_refused(client, publication, owner, data, message):
    client.force_login(owner)

    response = add(client, publication, **data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Recommendation.objects.exists()


def test_a_publication_cannot_recommend_itself(client, publication, owner):
    client.force_login(owner)

    response = add(client, publication, recommended_publication=publication.id)

    assert response.status_code == 400
    assert not Recommendation.objects.exists()


def test_the_owner_removes_a_recommendation(client, publication, owner):
    row = Recommendation.objects.create(publication=publication, url="https://a.example/", name="A")
    client.force_login(owner)

    response = client.post(
        reverse("referrals:desk_recommendation_remove", args=[publication.slug, row.id])
    )

    assert response.status_code == 302
    assert not Recommendation.objects.exists()


def test_recommendations_appear_on_the_about_page_as_inert_text(client, publication, other):
    Recommendation.objects.create(publication=publication, recommended_publication=other)
    Recommendation.objects.create(
        publication=publication,
        url="https://elsewhere.example/",
        name="<script>alert(1)</script>",
        description="<img src=x onerror=alert(1)>",
    )

    response = client.get("/about/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Other Weekly" in content
    assert 'href="https://elsewhere.example/"' in content
    assert "<script>alert(1)</script>" not in content
    assert "&lt;img src=x onerror=alert(1)&gt;" in content
    assert "Subscribe to Other Weekly" not in content  # anonymous: a link, no button


def test_a_signed_in_reader_subscribes_in_one_click(client, publication, other, reader):
    recommendation = Recommendation.objects.create(
        publication=publication, recommended_publication=other
    )
    client.force_login(reader)

    response = client.post(
        reverse("referrals:subscribe_recommended", args=[recommendation.id]), {"next": "/about/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/about/"
    subscription = Subscription.objects.get(person=reader)
    assert (subscription.publication, subscription.status, subscription.source) == (
        other,
        "active",
        "recommendation",  # the stats count where subscribers came from
    )
    assert subscription.confirmed_at is not None


def test_one_click_subscribe_needs_a_signed_in_reader(client, publication, other):
    recommendation = Recommendation.objects.create(
        publication=publication, recommended_publication=other
    )

    response = client.post(reverse("referrals:subscribe_recommended", args=[recommendation.id]))

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]
    assert not Subscription.objects.exists()


def test_one_click_subscribe_refuses_a_recommendation_by_address(client, publication, reader):
    recommendation = Recommendation.objects.create(
        publication=publication, url="https://a.example/", name="A"
    )
    client.force_login(reader)

    response = client.post(reverse("referrals:subscribe_recommended", args=[recommendation.id]))

    assert response.status_code == 404


def test_one_click_subscribe_ignores_an_off_site_next(client, publication, other, reader):
    recommendation = Recommendation.objects.create(
        publication=publication, recommended_publication=other
    )
    client.force_login(reader)

    response = client.post(
        reverse("referrals:subscribe_recommended", args=[recommendation.id]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("accounts:account")


def test_subscribing_a_signed_in_reader_twice_keeps_one_active_subscription(other, reader):
    subscribe_signed_in_reader(other, reader)
    subscribe_signed_in_reader(other, reader)

    assert Subscription.objects.get(person=reader).status == "active"


def test_one_click_subscribe_restarts_an_ended_subscription(other, reader):
    subscription = subscribe_signed_in_reader(other, reader)
    Subscription.objects.filter(id=subscription.id).update(status="unsubscribed")

    subscribe_signed_in_reader(other, reader)

    assert Subscription.objects.get(person=reader).status == "active"


def test_recommendations_are_offered_right_after_confirming(client, publication, other):
    Recommendation.objects.create(publication=publication, recommended_publication=other)
    subscription = sign_up(publication, "new@example.com")
    from masthead.subscriptions.services import confirmation_token

    response = client.post(f"/subscribe/confirm/{confirmation_token(subscription)}/")

    assert response.status_code == 200
    assert b"The Daily Build recommends" in response.content
    assert b'aria-label="Subscribe to Other Weekly"' in response.content
