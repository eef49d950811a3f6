"""Leaving a section from a newsletter's footer (no sign-in, the unsubscribe link's token) and
choosing sections and the weekly digest on the account page."""

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from masthead.publications.models import Section
from masthead.subscriptions.models import SectionOptOut, Subscription, SubscriptionStatus
from masthead.subscriptions.services import (
    UNSUBSCRIBE_SALT,
    confirmation_token,
    unsubscribe_token,
)
from tests.factories import make_person, make_publication

pytestmark = pytest.mark.django_db


def subscribe(publication, person=None) -> Subscription:
    return Subscription.objects.create(
        publication=publication,
        person=person or make_person(),
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
    )


@pytest.fixture
def recipes(publication):
    return Section.objects.create(publication=publication, name="Recipes", slug="recipes")


@pytest.fixture
def travel(publication):
    return Section.objects.create(publication=publication, name="Travel", slug="travel")


@pytest.fixture
def subscription(publication):
    return subscribe(publication)


def leave_url(subscription, section, token=None) -> str:
    token = token or unsubscribe_token(subscription)
    return reverse("subscriptions:leave_section", args=[token, section.id])


def test_the_link_asks_first_and_changes_nothing_when_opened(client, subscription, recipes):
    response = client.get(leave_url(subscription, recipes))

    assert response.status_code == 200
    assert "Stop getting Recipes posts?" in response.text
    assert not SectionOptOut.objects.exists()


def test_the_button_leaves_the_section_without_signing_in_and_twice_is_once(
    client, subscription, recipes
):
    first = client.post(leave_url(subscription, recipes))
    second = client.post(leave_url(subscription, recipes))

    assert first.status_code == second.status_code == 200
    assert "You will get no more Recipes posts" in first.text
    assert reverse("accounts:account") in first.text
    assert list(SectionOptOut.objects.values_list("subscription", "section")) == [
        (subscription.id, recipes.id)
    ]
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_undo_brings_the_section_back(client, subscription, recipes):
    token = unsubscribe_token(subscription)
    client.post(leave_url(subscription, recipes, token))

    response = client.post(reverse("subscriptions:rejoin_section", args=[token, recipes.id]))

    assert response.status_code == 200
    assert "You get Recipes posts again" in response.text
    assert not SectionOptOut.objects.exists()


def test_the_undo_address_refuses_a_get(client, subscription, recipes):
    url = reverse(
        "subscriptions:rejoin_section", args=[unsubscribe_token(subscription), recipes.id]
    )

    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    "make_token",
    [
        lambda s: unsubscribe_token(s)[:-3] + "abc",  # tampered
        lambda s: "not-a-token",
        lambda s: confirmation_token(s),  # another kind of link
        lambda s: signing.dumps({"s": s.id}, salt="another-salt"),
        lambda s: signing.dumps([s.id], salt=UNSUBSCRIBE_SALT),
    ],
)
def test_a_bad_token_is_a_clear_error_page(client, subscription, recipes, make_token):
    url = leave_url(subscription, recipes, make_token(subscription))

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 400
        assert "This link does not work" in response.text
    assert not SectionOptOut.objects.exists()


def test_a_token_of_a_deleted_subscription_is_a_clear_error(client, subscription, recipes):
    url = leave_url(subscription, recipes)
    Subscription.objects.filter(id=subscription.id).delete()

    response = client.post(url)

    assert response.status_code == 400
    assert "no longer exists" in response.text


def test_a_section_of_another_publication_is_refused(client, subscription):
    elsewhere = Section.objects.create(publication=make_publication(), name="Other", slug="other")

    response = client.post(leave_url(subscription, elsewhere))

    assert response.status_code == 400
    assert "This section no longer exists." in response.text
    assert not SectionOptOut.objects.exists()


def test_another_publications_reader_token_is_refused_on_this_site(client, publication, recipes):
    other = make_publication()
    stranger = subscribe(other)

    url = reverse("subscriptions:leave_section", args=[unsubscribe_token(stranger), recipes.id])
    response = client.post(f"/pub/{publication.slug}{url}")

    assert response.status_code == 400
    assert not SectionOptOut.objects.exists()


def test_an_unknown_section_number_is_a_clear_error(client, subscription):
    url = reverse("subscriptions:leave_section", args=[unsubscribe_token(subscription), 99999999])

    response = client.get(url)

    assert response.status_code == 400
    assert "This section no longer exists." in response.text


# The account page ---------------------------------------------------------------------------


def test_the_account_page_lists_each_publications_sections_and_the_digest_choice(
    client, subscription, recipes, travel
):
    SectionOptOut.objects.create(subscription=subscription, section=travel)
    recipes.description = "Slow food."
    recipes.save()
    client.force_login(subscription.person)

    response = client.get(reverse("accounts:account"))

    assert response.status_code == 200
    text = response.text
    assert reverse("subscriptions:email_choices", args=[subscription.id]) in text
    assert f'value="{recipes.id}" id="section-{subscription.id}-{recipes.id}" checked' in text
    assert f'value="{travel.id}" id="section-{subscription.id}-{travel.id}">' in text
    assert "Slow food." in text
    assert "One email a week instead of each post" in text


def test_saving_the_choices_records_left_sections_and_the_weekly_digest(
    client, subscription, recipes, travel
):
    SectionOptOut.objects.create(subscription=subscription, section=recipes)
    client.force_login(subscription.person)

    response = client.post(
        reverse("subscriptions:email_choices", args=[subscription.id]),
        {"sections": [recipes.id], "frequency": "weekly"},
    )

    assert response.status_code == 302
    assert list(SectionOptOut.objects.values_list("section", flat=True)) == [travel.id]
    subscription.refresh_from_db()
    assert subscription.gets_weekly_digest is True

    client.post(
        reverse("subscriptions:email_choices", args=[subscription.id]),
        {"sections": [recipes.id, travel.id], "frequency": "each"},
    )
    assert not SectionOptOut.objects.exists()
    subscription.refresh_from_db()
    assert subscription.gets_weekly_digest is False


@pytest.mark.parametrize(
    "data",
    [
        {"sections": ["abc"], "frequency": "each"},
        {"sections": ["99999999"], "frequency": "each"},
        {"sections": ["1\x00"], "frequency": "each"},
        {"frequency": "hourly"},
        {},
    ],
)
def test_bad_choices_are_refused_with_a_message(client, subscription, recipes, data):
    client.force_login(subscription.person)

    response = client.post(reverse("subscriptions:email_choices", args=[subscription.id]), data)

    assert response.status_code == 400
    assert "Your email choices were not saved" in response.text
    assert not SectionOptOut.objects.exists()


def test_a_section_of_another_publication_is_not_a_choice(client, subscription, recipes):
    elsewhere = Section.objects.create(publication=make_publication(), name="Other", slug="other")
    client.force_login(subscription.person)

    response = client.post(
        reverse("subscriptions:email_choices", args=[subscription.id]),
        {"sections": [elsewhere.id], "frequency": "each"},
    )

    assert response.status_code == 400


def test_nobody_saves_another_readers_choices(client, subscription, recipes):
    client.force_login(make_person())

    response = client.post(
        reverse("subscriptions:email_choices", args=[subscription.id]),
        {"frequency": "weekly"},
    )

    assert response.status_code == 404
    subscription.refresh_from_db()
    assert subscription.gets_weekly_digest is False
    assert not SectionOptOut.objects.exists()


def test_signed_out_visitors_cannot_save_choices(client, subscription):
    response = client.post(
        reverse("subscriptions:email_choices", args=[subscription.id]), {"frequency": "weekly"}
    )

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.gets_weekly_digest is False


@pytest.mark.parametrize("section_id", ["0", "9223372036854775808", "1" + "0" * 40])
def test_out_of_range_section_numbers_are_clear_errors(client, subscription, section_id):
    leave = f"/unsubscribe/{unsubscribe_token(subscription)}/section/{section_id}/"
    client.force_login(subscription.person)

    assert client.post(leave).status_code == 400
    assert client.post(leave + "undo/").status_code == 400
    assert client.post(f"/account/subscriptions/{section_id}/email/").status_code == 404
