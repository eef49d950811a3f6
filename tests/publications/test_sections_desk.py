"""The desk's sections pages: who may use them, creating, editing and deleting a section."""

import pytest
from django.urls import reverse

from masthead.posts.models import Post
from masthead.publications.models import Membership, Role, Section
from masthead.subscriptions.models import SectionOptOut, Subscription, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication

pytestmark = pytest.mark.django_db


def staff(publication, role):
    person = make_person()
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


@pytest.fixture
def owner_client(client, publication):
    client.force_login(staff(publication, Role.OWNER))
    return client


@pytest.fixture
def section(publication):
    return Section.objects.create(publication=publication, name="Recipes", slug="recipes")


def urls(publication, section):
    slug = publication.slug
    return [
        reverse("desk:sections", args=[slug]),
        reverse("desk:section_create", args=[slug]),
        reverse("desk:section_edit", args=[slug, section.id]),
        reverse("desk:section_delete", args=[slug, section.id]),
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_author_may_not_manage_sections(client, publication, section, method):
    client.force_login(staff(publication, Role.AUTHOR))

    for url in urls(publication, section):
        assert getattr(client, method)(url, {"name": "Taken over"}).status_code == 403
    assert Section.objects.get(id=section.id).name == "Recipes"


def test_a_stranger_sees_no_such_publication(client, publication, section):
    client.force_login(make_person())

    for url in urls(publication, section):
        assert client.post(url, {"name": "Taken over"}).status_code == 404
    assert Section.objects.filter(id=section.id).exists()


def test_signed_out_visitors_are_sent_to_sign_in(client, publication, section):
    response = client.get(reverse("desk:sections", args=[publication.slug]))

    assert response.status_code == 302
    assert "sign-in" in response.url or "login" in response.url


def test_another_publications_section_is_not_found(owner_client, publication):
    elsewhere = Section.objects.create(publication=make_publication(), name="Other", slug="o")

    url = reverse("desk:section_edit", args=[publication.slug, elsewhere.id])
    assert owner_client.post(url, {"name": "Mine now"}).status_code == 404
    assert Section.objects.get(id=elsewhere.id).name == "Other"


def test_an_admin_creates_a_section_with_its_email_settings(client, publication):
    client.force_login(staff(publication, Role.ADMIN))

    response = client.post(
        reverse("desk:section_create", args=[publication.slug]),
        {
            "name": "Weekend Recipes",
            "slug": "",
            "description": "Long cooking for slow days.",
            "sender_name": "The Kitchen",
            "email_footer": "Cook along with us.",
        },
    )

    assert response.status_code == 302
    section = Section.objects.get(publication=publication)
    assert section.slug == "weekend-recipes"
    assert section.sender_name == "The Kitchen"
    assert section.email_footer == "Cook along with us."
    assert section.sends_email is False  # an unticked box is off
    listing = client.get(reverse("desk:sections", args=[publication.slug]))
    assert "Weekend Recipes" in listing.text and "Web only" in listing.text


def test_a_slug_is_unique_within_its_publication_only(owner_client, publication, section):
    Section.objects.create(publication=make_publication(), name="Travel", slug="travel")
    create = reverse("desk:section_create", args=[publication.slug])

    taken = owner_client.post(create, {"name": "Recipes again", "slug": "recipes"})
    elsewhere_ok = owner_client.post(create, {"name": "Travel", "slug": "travel"})

    assert taken.status_code == 400
    assert "Another section already has the address" in taken.text
    assert elsewhere_ok.status_code == 302
    assert Section.objects.filter(publication=publication).count() == 2


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": ""}, "This field is required"),
        ({"name": "   "}, "This field is required"),
        ({"name": "!!!"}, "Choose an address"),
        ({"name": "Ok", "slug": "not a slug/"}, "Enter a valid"),
        ({"name": "Ok", "sender_name": "x" * 81}, "at most 80"),
        ({"name": "Ok", "email_footer": "y" * 201}, "at most 200"),
        ({"name": "Ok", "sender_name": "Evil\x00Bcc: x@example.com"}, "Null characters"),
    ],
)
def test_bad_section_fields_are_refused_with_a_message(owner_client, publication, fields, message):
    response = owner_client.post(reverse("desk:section_create", args=[publication.slug]), fields)

    assert response.status_code == 400
    assert message in response.text
    assert not Section.objects.exists()


def test_a_line_break_in_the_sender_name_is_flattened(owner_client, publication, section):
    url = reverse("desk:section_edit", args=[publication.slug, section.id])

    response = owner_client.post(
        url, {"name": "Recipes", "slug": "recipes", "sender_name": "Chef\r\nBcc: x@example.com"}
    )

    assert response.status_code == 302
    section.refresh_from_db()
    assert section.sender_name == "Chef Bcc: x@example.com"


def test_editing_keeps_its_own_slug(owner_client, publication, section):
    url = reverse("desk:section_edit", args=[publication.slug, section.id])

    response = owner_client.post(
        url, {"name": "Recipes & More", "slug": "recipes", "sends_email": "on"}
    )

    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.name, section.slug, section.sends_email) == ("Recipes & More", "recipes", True)


def test_delete_asks_first_then_leaves_the_posts_without_section(
    owner_client, publication, section
):
    post = make_post(publication, "Soup", section=section)
    url = reverse("desk:section_delete", args=[publication.slug, section.id])

    asked = owner_client.get(url)
    assert asked.status_code == 200
    assert "1 post will stay published" in asked.text
    assert Section.objects.filter(id=section.id).exists()

    response = owner_client.post(url)

    assert response.status_code == 302
    assert not Section.objects.filter(id=section.id).exists()
    assert Post.objects.get(id=post.id).section_id is None


def test_the_list_counts_the_subscribers_who_get_each_section(owner_client, publication, section):
    other = Section.objects.create(publication=publication, name="Travel", slug="travel")
    subscriptions = [
        Subscription.objects.create(
            publication=publication, person=make_person(), status=SubscriptionStatus.ACTIVE
        )
        for _ in range(3)
    ]
    Subscription.objects.create(
        publication=publication, person=make_person(), status=SubscriptionStatus.UNSUBSCRIBED
    )
    SectionOptOut.objects.create(subscription=subscriptions[0], section=section)

    from masthead.publications.sections import sections_with_counts

    counts = {each.slug: each.subscriber_count for each in sections_with_counts(publication)}
    assert counts == {"recipes": 2, "travel": 3}
    assert other.slug in owner_client.get(reverse("desk:sections", args=[publication.slug])).text


def test_the_subscriber_page_shows_their_sections_and_frequency(owner_client, publication, section):
    Section.objects.create(publication=publication, name="Travel", slug="travel")
    subscription = Subscription.objects.create(
        publication=publication,
        person=make_person(),
        status=SubscriptionStatus.ACTIVE,
        gets_weekly_digest=True,
    )
    SectionOptOut.objects.create(subscription=subscription, section=section)

    response = owner_client.get(
        reverse("desk:subscriber_detail", args=[publication.slug, subscription.id])
    )

    assert response.status_code == 200
    assert "One a week (the weekly digest)" in response.text
    assert "Recipes (left), Travel" in response.text
