"""The newsletter fits a phone and a mail client's reading pane: at 375 and 700 px nothing makes
it scroll sideways (a 1,250 px image, a long unbroken URL, a wide table, long lines of code),
and axe-core finds no violation in it. Shots are saved for a person to look at, copied into
$MASTHEAD_SHOTS when it is set."""

import os
import shutil

import pytest
from PIL import Image

from masthead.delivery.clipping import newsletter_html
from masthead.posts.models import PostStatus
from tests.browser.test_accessibility import assert_no_axe_violations
from tests.factories import make_person, make_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = [375, 700]
LONG_URL = "https://example.org/" + "a-very-long-path-segment-" * 12 + "end"
WIDE_TABLE = "\n".join(
    [
        "| " + " | ".join(f"Column heading {n}" for n in range(10)) + " |",
        "|" + "---|" * 10,
        "| " + " | ".join(f"value-{n}-without-spaces-{n * 1000}" for n in range(10)) + " |",
    ]
)
LONG_CODE = "```\n" + "\n".join(f"result_{n} = compute({'argument, ' * 20}last)" for n in range(3))
LONG_CODE += "\n```"
BODY = "\n\n".join(
    [
        "The harbour was **quiet** this morning, and the [tide tables](https://example.org/tide)"
        " were wrong again.",
        "![A very wide chart of the tides](/media/posts/wide-chart.png)",
        f"The whole record is at {LONG_URL} for anyone who wants it.",
        "> The sea does not keep appointments.\n>\n> — a harbour master",
        "1. First the chart\n2. Then the table\n3. Then the code",
        WIDE_TABLE,
        LONG_CODE,
        "## What comes next\n\nMore next week.",
    ]
)


@pytest.fixture
def wide_png(settings, tmp_path):
    """A 1,250 px wide upload in the media folder, as the editor's image upload stores one."""
    settings.MEDIA_ROOT = tmp_path / "media"
    path = settings.MEDIA_ROOT / "posts" / "wide-chart.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (1250, 400), (180, 67, 27)).save(path)
    return path


@pytest.fixture
def email_html(publication, wide_png, settings):
    settings.BASE_URL = "https://news.example.com"
    publication.postal_address = "12 Harbour Road\nPort Example, PE1 2AB"
    publication.save(update_fields=["postal_address"])
    author = make_person(name="Hana Harbour")
    post = make_post(
        publication,
        "Tides, charts and tables",
        subtitle="A week of measurements at the harbour",
        status=PostStatus.DRAFT,
        author=author,
        body=BODY,
    )
    return newsletter_html(post)  # as fan-out stores it: tracked links and the open pixel


def open_email(browser, html: str, width: int, png_path):
    """The email in a page of that width; its images come from the disk, not the network."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()

    def serve(route):
        if route.request.url.endswith(".png"):
            route.fulfill(path=str(png_path), content_type="image/png")
        else:
            route.fulfill(body=b"", content_type="image/gif")  # the open pixel

    page.route("**/*", serve)
    page.set_content(html, wait_until="load")
    return page


def shoot(page, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    folder = os.environ.get("MASTHEAD_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, folder)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_newsletter_never_scrolls_sideways(browser, email_html, wide_png, tmp_path, width):
    page = open_email(browser, email_html, width, wide_png)

    chart = page.get_by_role("img", name="A very wide chart of the tides")
    assert chart.evaluate("image => image.naturalWidth") == 1250  # the real, wide image loaded
    assert chart.bounding_box()["width"] <= min(width, 600)
    overflow = page.evaluate("document.documentElement.scrollWidth") - width
    assert overflow <= 0, f"the email scrolls sideways by {overflow}px at {width}px"
    shoot(page, tmp_path, f"email-newsletter-width-{width}")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_newsletter_passes_axe(browser, email_html, wide_png, width):
    page = open_email(browser, email_html, width, wide_png)

    assert_no_axe_violations(page, is_email=True)
    page.context.close()
