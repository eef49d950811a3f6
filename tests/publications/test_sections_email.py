"""A section's posts by email: only to the readers who kept the section (and not to those who
chose the weekly digest), with the section's sender name, footer line and leave link."""

import re
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from masthead.delivery.models import Delivery
from masthead.delivery.queries import newsletter_recipients
from masthead.delivery.services.fan_out import create_send
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from masthead.publications import section_email
from masthead.publications.models import Section
from masthead.subscriptions.models import SectionOptOut, Subscription, SubscriptionStatus
from tests.factories import make_person, make_post

pytestmark = pytest.mark.django_db


def subscribe(publication, email: str, **fields) -> Subscription:
    return Subscription.objects.create(
        publication=publication,
        person=make_person(email=email),
        status=SubscriptionStatus.ACTIVE,
        confirmed_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def recipes(publication):
    return Section.objects.create(
        publication=publication,
        name="Recipes",
        slug="recipes",
        sender_name="The Kitchen",
        email_footer="Cook along with us every Sunday.",
    )


@pytest.fixture
def travel(publication):
    return Section.objects.create(publication=publication, name="Travel", slug="travel")


@pytest.fixture
def readers(publication):
    return [subscribe(publication, f"reader{n}@example.com") for n in range(3)]


def delivered_to(send) -> set[str]:
    return set(Delivery.objects.filter(send=send).values_list("email", flat=True))


def test_a_reader_who_left_a_section_gets_none_of_its_posts_but_the_rest(
    publication, recipes, travel, readers
):
    SectionOptOut.objects.create(subscription=readers[0], section=recipes)

    recipe_send = create_send(
        make_post(publication, "Soup", status=PostStatus.DRAFT, section=recipes)
    )
    travel_send = create_send(
        make_post(publication, "Rome", status=PostStatus.DRAFT, section=travel)
    )
    plain_send = create_send(make_post(publication, "News", status=PostStatus.DRAFT))

    assert delivered_to(recipe_send) == {"reader1@example.com", "reader2@example.com"}
    assert recipe_send.recipient_count == 2
    everyone = {f"reader{n}@example.com" for n in range(3)}
    assert delivered_to(travel_send) == everyone
    assert delivered_to(plain_send) == everyone


def test_weekly_digest_readers_get_no_newsletter_of_each_post(publication, recipes, readers):
    subscribe(publication, "weekly@example.com", gets_weekly_digest=True)

    send = create_send(make_post(publication, "Soup", status=PostStatus.DRAFT, section=recipes))

    assert "weekly@example.com" not in delivered_to(send)
    assert newsletter_recipients(publication.id).count() == 3


def test_an_opt_out_of_another_section_changes_nothing(publication, recipes, travel, readers):
    SectionOptOut.objects.create(subscription=readers[0], section=travel)

    assert newsletter_recipients(publication.id, section_id=recipes.id).count() == 3
    assert newsletter_recipients(publication.id, section_id=travel.id).count() == 2


def test_email_helpers_follow_the_sections_settings(publication, recipes):
    recipes_post = make_post(publication, "Soup", section=recipes)
    plain_post = make_post(publication, "News")

    assert section_email.sender_name_for(recipes_post) == "The Kitchen"
    assert section_email.sender_name_for(plain_post) is None
    assert section_email.sender_for(recipes_post).startswith("The Kitchen <")
    assert section_email.sender_for(plain_post).startswith("The Daily Build <")
    assert section_email.emails_posts(recipes_post) and section_email.emails_posts(plain_post)
    recipes.sends_email = False
    recipes.save()
    recipes_post.refresh_from_db()
    assert not section_email.emails_posts(recipes_post)


def test_the_leave_link_in_the_footer_stops_the_sections_posts(
    client, publication, recipes, travel, readers, smtp_sink, run_worker
):
    publish_post(
        make_post(publication, "Soup", status=PostStatus.DRAFT, section=recipes), send_email=True
    )
    run_worker()
    message = smtp_sink.last_to("reader0@example.com")
    assert "Cook along with us every Sunday." in message.text
    assert "Cook along with us every Sunday." in message.html
    assert "Stop getting Recipes posts" in message.html
    link = re.search(r"Stop getting Recipes posts: (\S+)", message.text).group(1)
    assert link in message.html
    assert link.startswith(re.fullmatch(r"<(.+)>", message.header("List-Unsubscribe")).group(1))

    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    assert not SectionOptOut.objects.exists()  # opening the link changes nothing
    assert client.post(path).status_code == 200

    smtp_sink.messages.clear()
    publish_post(
        make_post(publication, "Stew", status=PostStatus.DRAFT, section=recipes), send_email=True
    )
    publish_post(
        make_post(publication, "Rome", status=PostStatus.DRAFT, section=travel), send_email=True
    )
    run_worker()
    assert [m.subject for m in smtp_sink.to("reader0@example.com")] == ["Rome"]
    assert sorted(m.subject for m in smtp_sink.to("reader1@example.com")) == ["Rome", "Stew"]
    assert Subscription.objects.get(id=readers[0].id).status == SubscriptionStatus.ACTIVE


def test_a_post_without_section_has_no_leave_link(publication, readers, smtp_sink, run_worker):
    publish_post(make_post(publication, "News", status=PostStatus.DRAFT), send_email=True)
    run_worker()

    message = smtp_sink.last_to("reader1@example.com")
    assert "Stop getting" not in message.text and "Stop getting" not in message.html
    assert "Unsubscribe" in message.text


def test_a_section_that_sends_no_email_publishes_its_posts_without_a_send(
    publication, recipes, readers
):
    recipes.sends_email = False
    recipes.save()
    post = make_post(publication, "Soup", status=PostStatus.DRAFT, section=recipes)

    publish_post(post, send_email=True)

    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert not post.email_requested
    assert not post.sends.exists()


def test_a_sections_sender_name_is_the_newsletters_from(
    publication, recipes, readers, smtp_sink, run_worker
):
    publish_post(
        make_post(publication, "Soup", status=PostStatus.DRAFT, section=recipes), send_email=True
    )
    run_worker()

    assert smtp_sink.last_to("reader0@example.com").header("From").startswith("The Kitchen <")
