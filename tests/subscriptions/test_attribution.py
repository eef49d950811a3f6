"""Where a subscriber came from: the UTM parameters of the page they landed on, the post whose
page they subscribed from, and the recommendation that sent them."""

import html
import re

import pytest
from django.urls import reverse

from masthead.referrals.models import Recommendation
from masthead.subscriptions.models import Subscription, SubscriptionSource
from tests import factories

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def subscribe(client, email="new@example.com", **extra):
    response = client.post(reverse("subscriptions:subscribe"), {"email": email, **extra})
    assert response.status_code == 200
    return Subscription.objects.get(person__email=email)


def hidden_post_field(text: str) -> str | None:
    match = re.search(r'<input type="hidden" name="post" value="([^"]*)">', text)
    return match[1] if match else None


def test_utm_parameters_of_the_landing_page_are_kept_for_a_later_subscription(
    client, publication, published_post
):
    client.get("/?utm_source=podcast&utm_medium=audio&utm_campaign=spring")
    client.get(reverse("posts:archive"))  # further pages without parameters change nothing

    subscription = subscribe(client)

    assert (subscription.utm_source, subscription.utm_medium, subscription.utm_campaign) == (
        "podcast",
        "audio",
        "spring",
    )
    assert subscription.source == SubscriptionSource.WEBSITE
    assert subscription.attributed_post is None


def test_the_latest_landing_wins(client, publication):
    client.get("/?utm_source=first&utm_campaign=old")
    client.get("/about/?utm_source=second")

    subscription = subscribe(client)

    assert (subscription.utm_source, subscription.utm_campaign) == ("second", "")


def test_without_utm_parameters_nothing_is_recorded(client, publication):
    client.get("/?utm_source=&utm_medium=%20")
    subscription = subscribe(client)
    assert (subscription.utm_source, subscription.utm_medium, subscription.utm_campaign) == (
        "",
        "",
        "",
    )


def test_a_landing_on_another_publication_is_not_counted_for_this_one(client, publication):
    other = factories.make_publication(name="Other Weekly", slug="other-weekly")
    client.get(f"/pub/{other.slug}/?utm_source=elsewhere")

    subscription = subscribe(client)

    assert subscription.publication == publication
    assert subscription.utm_source == ""


def test_hostile_utm_values_are_cleaned(client, publication):
    client.get("/", {"utm_source": "a\x00b" + "z" * 500, "utm_medium": "\u202e\U0001f600"})
    subscription = subscribe(client)
    assert subscription.utm_source == "ab" + "z" * 98
    assert subscription.utm_medium == "\u202e\U0001f600"


def test_the_post_page_form_attributes_the_subscription_to_the_post(
    client, publication, published_post
):
    page = client.get(reverse("posts:detail", args=[published_post.slug]))
    slug = hidden_post_field(page.text)
    assert slug == published_post.slug

    subscription = subscribe(client, post=slug)

    assert subscription.attributed_post == published_post


def test_the_home_page_form_names_no_post(client, publication, published_post):
    assert hidden_post_field(client.get("/").text) is None


def test_a_subscribe_link_from_a_post_carries_it_through_the_subscribe_page(
    client, publication, published_post
):
    page = client.get(reverse("subscriptions:subscribe") + f"?post={published_post.slug}")
    assert hidden_post_field(page.text) == published_post.slug

    subscription = subscribe(client, post=published_post.slug)

    assert subscription.attributed_post == published_post


@pytest.mark.parametrize("slug", ["no-such-post", "<script>", "x" * 500, "a/../b", "\x00"])
def test_an_unknown_or_malformed_post_is_ignored(client, publication, published_post, slug):
    subscription = subscribe(client, post=slug)
    assert subscription.attributed_post is None


def test_a_post_of_another_publication_or_a_draft_is_ignored(client, publication):
    other = factories.make_publication(slug="other-weekly")
    foreign = factories.make_post(other, "Foreign post")
    draft = factories.make_post(publication, "Draft post", status="draft")

    assert subscribe(client, "a@example.com", post=foreign.slug).attributed_post is None
    assert subscribe(client, "b@example.com", post=draft.slug).attributed_post is None


def test_an_existing_subscription_keeps_where_it_came_from(client, publication, published_post):
    first = subscribe(client, post=published_post.slug)
    client.get("/?utm_source=later")
    again = subscribe(client)
    assert again.id == first.id
    assert (again.attributed_post, again.utm_source) == (published_post, "")


def test_a_recommendation_link_makes_the_subscription_a_recommended_one(client, publication):
    other = factories.make_publication(name="Other Weekly", slug="other-weekly")
    Recommendation.objects.create(publication=publication, recommended_publication=other)
    about = client.get(reverse("publications:about")).text
    link = html.unescape(re.search(r'<a href="([^"]*other-weekly[^"]*)"', about)[1])
    assert "utm_source=daily-build" in link and "utm_medium=recommendation" in link

    assert client.get(path_of(link)).status_code == 200
    response = client.post(f"/pub/{other.slug}/subscribe/", {"email": "new@example.com"})

    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.publication == other
    assert subscription.source == SubscriptionSource.RECOMMENDATION
    assert (subscription.utm_source, subscription.utm_medium) == ("daily-build", "recommendation")


def test_a_referral_stays_a_referral_when_it_also_came_by_a_recommendation(client, publication):
    client.get("/?r=FRIEND42&utm_source=someone&utm_medium=recommendation")
    subscription = subscribe(client)
    assert subscription.referral_code == "FRIEND42"
    assert subscription.source == SubscriptionSource.REFERRAL
    assert subscription.utm_medium == "recommendation"


def test_a_referral_link_alone_makes_a_referral(client, publication):
    client.get("/?r=FRIEND42")
    subscription = subscribe(client)
    assert (subscription.referral_code, subscription.source) == ("FRIEND42", "referral")


def test_an_outside_recommendation_link_is_left_as_it_is(client, publication):
    Recommendation.objects.create(
        publication=publication, url="https://elsewhere.example/?a=1", name="Elsewhere"
    )
    about = client.get(reverse("publications:about")).text
    assert 'href="https://elsewhere.example/?a=1"' in about
