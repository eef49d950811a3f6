"""The demo's mail viewer (/mail/): a compact list, each message in a sandboxed frame with its
own styles, its text and headers on tabs, and never an open or a click counted for looking."""

import time
import uuid

import pytest

from masthead.delivery.mailbox import mail_folder
from masthead.delivery.models import Delivery, DeliveryEvent, Send
from masthead.posts.models import PostStatus
from masthead.posts.services import publish_post
from tests import factories

pytestmark = pytest.mark.django_db

TARGET = "https://example.com/docs?a=1&b=2"


def raw_mail(subject: str = "Big news", html: str = "<p>Rich <b>words</b></p>") -> bytes:
    return (
        b"From: The Daily Build <masthead@localhost>\r\n"
        b"To: reader@example.com\r\n"
        b"Subject: " + subject.encode() + b"\r\n"
        b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nPlain words\r\n'
        b'--b\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n' + html.encode() + b"\r\n--b--\r\n"
    )  # fmt: skip


def store(raw: bytes) -> str:
    """Saves a message as the demo's sink does; its name."""
    mail_folder().mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    (mail_folder() / name).write_bytes(raw)
    return name


@pytest.fixture
def viewer(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MAIL_VIEWER_ENABLED = True


@pytest.fixture
def stored_message(viewer):
    html = (
        "<html><head><title>Big news title</title><style>p { color: #b4431b; }</style></head>"
        "<body><p>Rich <b>words</b></p><script>alert(1)</script></body></html>"
    )
    return store(raw_mail(html=html))


def test_mail_list_shows_subjects_not_debug_boxes(client, stored_message):
    response = client.get("/mail/")

    assert response.status_code == 200
    assert b"StoredMessage(" not in response.content
    assert b"Big news" in response.content
    assert b"reader@example.com" in response.content
    assert f"/mail/{stored_message}/".encode() in response.content


def test_mail_list_is_paginated_with_a_count(client, viewer):
    for n in range(53):
        store(raw_mail(subject=f"Mail number {n:02d}"))

    first = client.get("/mail/")
    second = client.get("/mail/?page=2")

    assert b"53 messages" in first.content
    assert first.content.count(b'href="/mail/') == 50
    assert b"Mail number 52" in first.content  # newest first
    assert second.content.count(b'href="/mail/') == 3
    assert b"Mail number 00" in second.content
    assert client.get("/mail/?page=nonsense").status_code == 200
    assert client.get("/mail/?page=99999").status_code == 200


def test_mail_detail_embeds_the_html_in_a_sandboxed_frame(client, stored_message):
    response = client.get(f"/mail/{stored_message}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<iframe" in html
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    assert "allow-scripts" not in html and "allow-same-origin" not in html
    assert f'src="/mail/{stored_message}/frame/"' in html
    assert "Big news title" not in html  # the message's <title> is not pasted into the page
    assert "<script>alert(1)" not in html


def test_mail_frame_serves_the_html_as_is_with_its_own_policy(client, stored_message):
    response = client.get(f"/mail/{stored_message}/frame/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<style>p { color: #b4431b; }</style>" in html
    assert "<title>Big news title</title>" in html
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "style-src 'unsafe-inline'" in csp
    assert "img-src * data:" in csp
    assert "frame-ancestors 'self'" in csp
    assert "script-src" not in csp  # scripts fall under default-src 'none'
    assert "sandbox allow-popups" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_mail_detail_text_and_headers_tabs(client, stored_message):
    text = client.get(f"/mail/{stored_message}/?view=text")
    headers = client.get(f"/mail/{stored_message}/?view=headers")
    unknown = client.get(f"/mail/{stored_message}/?view=<script>")

    assert b"Plain words" in text.content and b"<iframe" not in text.content
    assert b"MIME-Version" in headers.content and b"<iframe" not in headers.content
    assert b'aria-current="page">Headers' in headers.content
    assert unknown.status_code == 200 and b"<iframe" in unknown.content


def test_mail_viewer_is_not_found_when_disabled(client, stored_message, settings):
    settings.MAIL_VIEWER_ENABLED = False

    assert client.get("/mail/").status_code == 404
    assert client.get(f"/mail/{stored_message}/").status_code == 404
    assert client.get(f"/mail/{stored_message}/frame/").status_code == 404


def test_mail_viewer_refuses_other_machines_unless_staff(client, stored_message):
    far = {"REMOTE_ADDR": "203.0.113.9"}

    assert client.get("/mail/", **far).status_code == 404
    assert client.get(f"/mail/{stored_message}/frame/", **far).status_code == 404
    staff = factories.make_person(email="staff@example.com")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(f"/mail/{stored_message}/frame/", **far).status_code == 200


def test_mail_viewer_refuses_names_outside_the_mail_folder(client, stored_message):
    assert client.get("/mail/..%2Fsecret_key/").status_code == 404
    assert client.get("/mail/secret_key/").status_code == 404
    assert client.get("/mail/secret_key/frame/").status_code == 404


@pytest.fixture
def tracked_newsletter(publication, subscribers, smtp_sink, run_worker, viewer):
    """A tracked post as reader0 received it, saved in the demo's mail folder; its name."""
    post = factories.make_post(
        publication,
        "Big news",
        status=PostStatus.DRAFT,
        body=f"Read [the docs]({TARGET}) and [more](https://example.org/more).",
    )
    publish_post(post, send_email=True)
    run_worker()
    received = smtp_sink.last_to("reader0@example.com")
    assert "/t/o/" in received.html and "/t/c/" in received.html
    return store(received.raw)


def test_mail_frame_of_a_tracked_newsletter_holds_no_tracking_url(client, tracked_newsletter):
    response = client.get(f"/mail/{tracked_newsletter}/frame/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/t/o/" not in html
    assert "/t/c/" not in html
    assert 'href="https://example.com/docs?a=1&amp;b=2"' in html  # unwrapped to its destination
    assert 'href="https://example.org/more"' in html
    assert Send.objects.get().is_tracked
    assert not Delivery.objects.filter(opened_at__isnull=False).exists()
    assert not DeliveryEvent.objects.exists()
