"""Who may not use the desk's referral and recommendation pages."""

import pytest
from django.urls import reverse

from masthead.publications.models import Role
from masthead.referrals.models import Recommendation, RewardTier
from tests.factories import make_publication

pytestmark = pytest.mark.django_db

VIEWS = [
    ("referrals:desk_rewards", "get"),
    ("referrals:desk_rewards", "post"),
    ("referrals:desk_recommendations", "get"),
    ("referrals:desk_recommendations", "post"),
    ("referrals:desk_recommendation_remove", "post"),
]


def call(client, view, publication, recommendation):
    name, method = view
    args = [publication.slug]
    if name.endswith("_remove"):
        args.append(recommendation.id)
    data = {"url": "https://example.com/", "name": "Changed", "tier-TOTAL_FORMS": "3"}
    return getattr(client, method)(reverse(name, args=args), data if method == "post" else None)


@pytest.fixture
def recommendation(publication):
    return Recommendation.objects.create(
        publication=publication, url="https://example.org/", name="Kept"
    )


def assert_untouched():
    assert list(Recommendation.objects.values_list("name", flat=True)) == ["Kept"]
    assert not RewardTier.objects.exists()


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_strangers_are_sent_to_sign_in(client, publication, recommendation, view):
    response = call(client, view, publication, recommendation)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert_untouched()


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_a_reader_who_is_not_staff_gets_not_found(
    client, publication, recommendation, reader, view
):
    client.force_login(reader)

    response = call(client, view, publication, recommendation)

    assert response.status_code == 404
    assert_untouched()


@pytest.mark.parametrize("view", VIEWS, ids=lambda view: f"{view[1]} {view[0]}")
def test_an_author_is_forbidden(client, publication, recommendation, make_staff, view):
    client.force_login(make_staff(Role.AUTHOR))

    response = call(client, view, publication, recommendation)

    assert response.status_code == 403
    assert_untouched()


def test_the_owner_of_another_publication_cannot_remove_this_ones_recommendation(
    client, publication, recommendation, make_staff
):
    other = make_publication()
    owner = make_staff(Role.OWNER)
    owner.memberships.update(publication=other)
    client.force_login(owner)

    response = client.post(
        reverse("referrals:desk_recommendation_remove", args=[other.slug, recommendation.id])
    )

    assert response.status_code == 404
    assert_untouched()


def test_an_admin_may_open_both_pages_and_sees_them_in_the_desk_nav(
    client, publication, make_staff
):
    client.force_login(make_staff(Role.ADMIN))

    rewards = client.get(reverse("referrals:desk_rewards", args=[publication.slug]))
    recommendations = client.get(reverse("referrals:desk_recommendations", args=[publication.slug]))

    assert rewards.status_code == recommendations.status_code == 200
    assert b">Referrals</a>" in rewards.content
    assert b">Recommendations</a>" in rewards.content
