"""The publication's face in Chromium: logo, accent colour, covers, authors' pictures and bios,
a subscriber's status and the team's Dashboard link, on home, a post, About and notes, at a
desktop and a phone width. axe-core finds no violation and nothing scrolls sideways; each page
is saved as a full-page screenshot (copied into $MASTHEAD_SHOTS when set) for a person to see."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image, ImageDraw

from masthead.notes.services import post_note
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.browser import test_accessibility as accessibility
from tests.browser.test_accessibility import (
    assert_accessible,
    assert_no_horizontal_scroll,
    sign_in,
)
from tests.factories import make_person, make_post, make_publication

# The accessibility tests' fixtures: a page at each width, and its screenshots.
width = accessibility.width
axe_page = accessibility.axe_page
shoot = accessibility.shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "\n\n".join(
    ["The river was higher than anyone remembered, and the press sat right beside it."] * 6
)


def picture(wide: int, high: int, top: str, bottom: str) -> ContentFile:
    """A gradient, so a screenshot shows where the picture is and how it is cropped."""
    image = Image.new("RGB", (wide, high), top)
    draw = ImageDraw.Draw(image)
    for y in range(high):
        share = y / high
        colour = tuple(
            round(int(top[i : i + 2], 16) * (1 - share) + int(bottom[i : i + 2], 16) * share)
            for i in (1, 3, 5)
        )
        draw.line((0, y, wide, y), fill=colour)
    output = io.BytesIO()
    image.save(output, "PNG")
    return ContentFile(output.getvalue())


@pytest.fixture
def face(settings, tmp_path):
    """A publication with a logo and a blue accent, a writer with a picture and a bio, a
    covered post, an older one, a note, and a subscribed reader."""
    settings.MEDIA_ROOT = tmp_path
    publication = make_publication(name="The River Review", slug="river")
    publication.tagline = "Slow news from the water's edge."
    publication.accent_color = "#1f5fa8"
    publication.about_markdown = "A weekly letter about rivers."
    publication.logo.save("logo.png", picture(96, 96, "#1f5fa8", "#0b2a4a"), save=False)
    publication.save()
    writer = make_person("Rosa Rivers")
    writer.bio = "Has lived by the river for forty years and writes about it every Friday."
    writer.avatar.save("rosa.png", picture(160, 160, "#e0a060", "#7a3a10"), save=False)
    writer.save()
    Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
    post = make_post(
        publication, "Why we moved the press to the river", author=writer, body=BODY,
        subtitle="And what the ducks made of it",
    )  # fmt: skip
    post.cover_image.save("cover.png", picture(1600, 900, "#7fb3e0", "#16324f"))
    make_post(publication, "Notes from a drier summer", author=writer, subtitle="What we saw")
    other = make_post(publication, "Another covered post", author=writer)
    other.cover_image.save("cover2.png", picture(1200, 800, "#b0d890", "#2f5020"))
    post_note(writer, "The water is up again. Boots on.", publication=publication)
    reader = make_person("Rita Reader")
    Subscription.objects.create(
        publication=publication, person=reader, status=SubscriptionStatus.ACTIVE
    )
    return publication, writer, post, reader


def open_page(page, live_server, publication, name, *args):
    page.goto(live_server.url + f"/pub/{publication.slug}" + reverse(name, args=args))
    # Every picture has arrived (the lazy ones too), so the screenshot shows them.
    page.evaluate("Promise.all([...document.images].map(i => (i.loading = 'eager', i.decode())))")


def assert_accent_applied(page) -> None:
    accent = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    )
    assert accent == "#1f5fa8"


def test_home_as_a_visitor(axe_page, live_server, face, shoot):
    publication, _, post, _ = face
    open_page(axe_page, live_server, publication, "posts:home")

    assert axe_page.locator(".site-logo").evaluate("img => img.naturalWidth") == 96
    assert axe_page.locator(".featured__cover img").evaluate("img => img.naturalWidth") == 1600
    assert_accent_applied(axe_page)
    assert axe_page.get_by_role("button", name="Subscribe").count() == 1
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "face-home")


def test_post_as_a_subscriber(axe_page, live_server, face, shoot):
    publication, writer, post, reader = face
    sign_in(axe_page, live_server, reader)
    open_page(axe_page, live_server, publication, "posts:detail", post.slug)

    cover = axe_page.locator(".post__cover img")
    assert cover.evaluate("img => img.naturalWidth") == 1600
    assert axe_page.get_by_text("You’re subscribed to The River Review").count() == 1
    assert axe_page.get_by_text(writer.bio).count() == 1
    assert axe_page.get_by_role("link", name="Dashboard").count() == 0
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "face-post-subscriber")


def test_about_as_the_writer(axe_page, live_server, face, shoot):
    publication, writer, _, _ = face
    sign_in(axe_page, live_server, writer)
    open_page(axe_page, live_server, publication, "publications:about")

    assert axe_page.get_by_role("link", name="Dashboard").count() == 1
    assert axe_page.locator(".writers img.avatar").evaluate("img => img.naturalWidth") == 160
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "face-about-writer")


def test_notes_as_a_visitor(axe_page, live_server, face, shoot):
    publication, _, _, _ = face
    open_page(axe_page, live_server, publication, "notes:publication_notes")

    assert axe_page.locator(".note__avatar img").first.evaluate("img => img.naturalWidth") == 160
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "face-notes")
