"""A signed-in reader writes a note, restacks a post, likes a note, and sees it all in their feed."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from masthead.notes.services import post_note
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.factories import make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_browser(context, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_reader_writes_a_note_restacks_a_post_and_sees_both_in_the_feed(page, context, live_server):
    publication = make_publication(name="Field Notes")
    writer = make_person(name="Wendy Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.AUTHOR)
    post = make_post(publication, "Why small notes matter", author=writer)
    post_note(writer, "A note from the *writer*.")
    reader = make_person(name="Rita Reader")
    Subscription.objects.create(
        publication=publication, person=reader, status=SubscriptionStatus.ACTIVE
    )
    sign_in_browser(context, live_server, reader)
    errors, failed = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    # Chromium asks for /favicon.ico by itself; the install has none, which is not ours to test.
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and failed.append(response.url)
        ),
    )

    page.goto(f"{live_server.url}/notes/")
    assert page.locator(".site-nav a", has_text="Notes").get_attribute("aria-current") == "page"
    assert "A note from the writer." in page.locator(".note-list").inner_text()
    page.get_by_placeholder("Write a note…").fill("My **first** note here.")
    page.get_by_role("button", name="Post note").click()
    page.wait_for_url("**/notes/")

    page.locator(".restack-posts a", has_text="Restack").first.click()
    page.wait_for_url(f"**/notes/restack/p/{post.slug}/")
    page.get_by_label("Your comment (optional)").fill("Worth your time.")
    page.get_by_role("button", name="Restack").click()
    page.wait_for_url("**/notes/feed/")

    feed = page.locator(".note-list")
    assert feed.locator(".note").count() == 3
    first, second = feed.locator(".note").nth(0), feed.locator(".note").nth(1)
    assert "Worth your time." in first.inner_text()
    assert first.locator(".post-card__title").inner_text() == "Why small notes matter"
    assert first.locator(".post-card__publication").inner_text().lower() == "field notes"
    assert second.locator(".note__body strong").inner_text() == "first"

    # Liking in place through engagement.js: the count changes without a reload.
    page.evaluate("window.notReloaded = true")
    writer_note = feed.locator(".note", has_text="A note from the writer.")
    writer_note.locator(".note-like").click()
    writer_note.locator(
        '.note-like[aria-pressed="true"] [data-like-count]', has_text="1"
    ).wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert failed == []
    # Nothing blocked by the Content-Security-Policy (a failed load shows up in `failed`).
    assert [error for error in errors if "Failed to load resource" not in error] == []
