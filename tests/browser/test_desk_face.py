"""The writer's side of a publication's face in Chromium: the settings page with a logo and a
social image, the editor with a cover and its send dialog, the page that asks before sending
(without JavaScript) and the account page with a photo and a bio, at a desktop and a phone
width. axe-core finds no violation, nothing scrolls sideways, and each page is saved as a
full-page screenshot (copied into $MASTHEAD_SHOTS when set)."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.browser import test_accessibility as accessibility
from tests.browser.test_accessibility import (
    assert_accessible,
    assert_no_horizontal_scroll,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

width = accessibility.width
axe_page = accessibility.axe_page
shoot = accessibility.shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png(width: int, height: int, color) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def face(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    publication = make_publication(name="Harbour Notes", slug="harbour")
    writer = make_person(name="Wren Writer")
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    publication.logo.save("logo.png", png(240, 240, (30, 60, 120)), save=False)
    publication.social_image.save("social.png", png(1200, 630, (200, 120, 40)), save=False)
    publication.postal_address = "Harbour Notes\n1 Quay Street\nPortsmouth"
    publication.save()
    writer.avatar.save("me.png", png(400, 400, (90, 140, 90)), save=False)
    writer.bio = "Writes about boats, tides and the people who keep the harbour running."
    writer.save()
    post = make_post(
        publication, "Low tide at the old pier", status=PostStatus.DRAFT, author=writer
    )
    post.cover_image.save("cover.png", png(1600, 900, (60, 110, 160)), save=False)
    post.save()
    for n in range(1234):
        Subscription.objects.create(
            publication=publication,
            person=make_person(email=f"r{n}@example.com"),
            status=SubscriptionStatus.ACTIVE,
        )
    return publication, writer, post


def look(page, shoot, name: str) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    shoot(page, name)


def test_the_writers_pages_of_the_face(axe_page, live_server, face, shoot):
    publication, writer, post = face
    page = axe_page
    sign_in(page, live_server, writer)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/desk/{publication.slug}/settings/")
    look(page, shoot, "desk-settings")

    page.get_by_label("Accent colour", exact=True).fill("#ffcc00")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("is too light to read").wait_for()
    look(page, shoot, "desk-settings-refused-colour")

    page.goto(f"{live_server.url}/desk/{publication.slug}/posts/{post.id}/")
    look(page, shoot, "desk-editor-cover")

    page.get_by_label("Send as email to subscribers").check()
    page.get_by_role("button", name="Publish and send").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_text("Send “Low tide at the old pier” to 1,234 subscribers?").wait_for()
    look(page, shoot, "desk-editor-send-dialog")
    dialog.get_by_role("button", name="Back").click()
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT

    page.goto(f"{live_server.url}/account/")
    look(page, shoot, "account-profile")
    assert errors == []


def test_the_page_that_asks_before_sending_without_javascript(
    browser, live_server, face, width, shoot
):
    publication, writer, post = face
    w, h = accessibility.WIDTHS[width]
    context = browser.new_context(
        bypass_csp=True, java_script_enabled=False, viewport={"width": w, "height": h}
    )
    page = context.new_page()
    sign_in(page, live_server, writer)

    page.goto(f"{live_server.url}/desk/{publication.slug}/posts/{post.id}/")
    page.get_by_label("Send as email to subscribers").check()
    page.get_by_role("button", name="Publish now").click()
    page.get_by_role(
        "heading", name="Send “Low tide at the old pier” to 1,234 subscribers?"
    ).wait_for()
    shoot(page, "desk-send-confirm")
    assert_no_horizontal_scroll(page)
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT
    context.close()
