"""The demo's mail viewer in Chromium: a tracked newsletter opened in it records no open (its
pixel and tracked links point at this very server, so a leak would be counted), and the list and
a message pass axe at a desktop and a phone width. Screenshots as in test_accessibility."""

import time
import uuid

import pytest
from django.urls import reverse

from masthead.delivery.mailbox import mail_folder
from masthead.delivery.models import Delivery, DeliveryEvent, Send, SendState
from masthead.delivery.tracking import tracking_token
from masthead.posts.models import PostStatus
from tests.browser.test_accessibility import (
    WIDTHS,
    assert_accessible,
    assert_no_horizontal_scroll,
    axe_page,  # noqa: F401 - fixture
    shoot,  # noqa: F401 - fixture
    width,  # noqa: F401 - fixture
)
from tests.factories import make_post, make_publication

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TARGET = "https://example.com/docs?a=1&b=2"


def newsletter_html(root: str, token: str) -> str:
    """A newsletter as add_tracking leaves it: a style, a tracked link, the pixel."""
    return (
        "<!doctype html><html><head><title>The Daily Build</title>"
        "<style>.lede { color: #b4431b; font: 20px Georgia, serif; }</style></head><body>"
        '<p class="lede">Big news from the workshop.</p>'
        f'<p>Read <a href="{root}/t/c/{token}/0/">the docs</a>.</p>'
        f'<img src="{root}/t/o/{token}.gif" width="1" height="1" alt="" style="display:block;border:0">'
        "</body></html>"
    )


def store(subject: str, html: str) -> str:
    raw = (
        "From: The Daily Build <masthead@localhost>\r\n"
        "To: reader@example.com\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        '--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nBig news from the workshop.\r\n'
        '--b\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n' + html + "\r\n--b--\r\n"
    )
    mail_folder().mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    (mail_folder() / name).write_bytes(raw.encode())
    return name


@pytest.fixture
def mailbox(settings, tmp_path, live_server):
    """A tracked send to one reader, its message and 41 others in the demo's mail folder."""
    settings.DATA_DIR = tmp_path
    settings.MAIL_VIEWER_ENABLED = True
    publication = make_publication(name="The Daily Build", slug="daily-build")
    post = make_post(publication, "Big news", status=PostStatus.PUBLISHED)
    send = Send.objects.create(
        publication=publication,
        post=post,
        state=SendState.DONE,
        sender="The Daily Build <masthead@localhost>",
        subject="Big news",
        html_template="",
        text_template="",
        is_tracked=True,
        tracked_links=[TARGET],
    )
    delivery = Delivery.objects.create(send=send, email="reader@example.com")
    for n in range(41):
        store(f"Welcome to The Daily Build, reader {n}", "<p>Welcome.</p>")
    name = store("Big news", newsletter_html(live_server.url, tracking_token(delivery.id)))
    return name, delivery


def test_opening_a_tracked_newsletter_in_the_viewer_records_no_open(browser, live_server, mailbox):
    name, delivery = mailbox
    page = browser.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(live_server.url + reverse("delivery:mail_detail", args=[name]))
    frame = page.frame_locator("iframe.mail-frame")
    frame.get_by_text("Big news from the workshop.").wait_for()
    page.wait_for_load_state("networkidle")

    colour = frame.locator(".lede").evaluate("(element) => getComputedStyle(element).color")
    assert colour == "rgb(180, 67, 27)"  # the message's own style applies
    assert frame.get_by_role("link", name="the docs").get_attribute("href") == TARGET
    assert not [url for url in requested if "/t/o/" in url or "/t/c/" in url]
    delivery.refresh_from_db()
    assert delivery.opened_at is None
    assert not DeliveryEvent.objects.exists()
    # The pixel the message held does count when fetched: the test could fail.
    page.request.get(f"{live_server.url}/t/o/{tracking_token(delivery.id)}.gif")
    delivery.refresh_from_db()
    assert delivery.opened_at is not None
    page.close()


def test_mail_list_and_message_are_accessible(axe_page, live_server, mailbox, shoot, width):  # noqa: F811
    name, _ = mailbox

    axe_page.goto(live_server.url + reverse("delivery:mail_list"))
    assert axe_page.get_by_text("StoredMessage(").count() == 0
    axe_page.get_by_role("link", name="Big news").wait_for()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    assert axe_page.evaluate("document.documentElement.scrollHeight") < 6 * WIDTHS[width][1]
    shoot(axe_page, "mail-list")

    axe_page.goto(live_server.url + reverse("delivery:mail_detail", args=[name]))
    axe_page.frame_locator("iframe.mail-frame").get_by_text(
        "Big news from the workshop."
    ).wait_for()
    assert_accessible(axe_page)
    assert_no_horizontal_scroll(axe_page)
    shoot(axe_page, "mail-detail")

    for view in ("text", "headers"):
        axe_page.goto(
            f"{live_server.url}{reverse('delivery:mail_detail', args=[name])}?view={view}"
        )
        assert_accessible(axe_page)
        assert_no_horizontal_scroll(axe_page)
        shoot(axe_page, f"mail-detail-{view}")
