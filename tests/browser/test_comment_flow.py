"""A signed-in reader likes a post and comments on it; the archive's Top and Discussions follow."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.factories import add_likes, make_person, make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def titles_on(page) -> list[str]:
    return page.locator(".post-item__title").all_inner_texts()


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


def test_reader_likes_and_comments_and_the_archive_reorders(page, context, live_server):
    publication = make_publication(name="Field Notes")
    quiet = make_post(publication, "A quiet post")
    popular = make_post(publication, "A popular post")
    popular.published_at = quiet.published_at + dt.timedelta(days=30)
    popular.save(update_fields=["published_at"])
    add_likes(popular, 1)
    reader = make_person(name="Rita Reader")
    sign_in_browser(context, live_server, reader)

    page.goto(f"{live_server.url}/archive/?sort=top")
    assert titles_on(page) == ["A popular post", "A quiet post"]
    page.goto(f"{live_server.url}/archive/?sort=discussions")
    assert titles_on(page) == []

    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{live_server.url}/p/{quiet.slug}/")
    page.evaluate("window.notReloaded = true")
    page.locator(".like-button").click()
    # Liked in place by engagement.js: the count changes without a reload.
    page.locator('.like-button[aria-pressed="true"] [data-like-count]', has_text="1").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".post__header .count--likes .count__number").inner_text() == "1"
    assert errors == []  # nothing blocked by the Content-Security-Policy
    page.get_by_placeholder("Write a comment…").fill("A *quiet* post that deserves more readers.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(f"**/p/{quiet.slug}/#comment-*")
    comment = page.locator(".comment").first
    assert "Rita Reader" in comment.inner_text()
    assert comment.locator("em").inner_text() == "quiet"

    # A second like from another reader puts the quiet post on top.
    add_likes(quiet, 1)
    page.goto(f"{live_server.url}/archive/?sort=top")
    assert titles_on(page) == ["A quiet post", "A popular post"]
    page.goto(f"{live_server.url}/archive/?sort=discussions")
    assert titles_on(page) == ["A quiet post"]
