import pytest

from masthead.core.mailsink import SavingHandler
from masthead.delivery.mailbox import mail_folder

pytestmark = pytest.mark.django_db

RAW = (
    b"From: The Daily Build <masthead@localhost>\r\n"
    b"To: reader@example.com\r\n"
    b"Subject: Big news\r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    b'--b\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\nPlain words\r\n'
    b'--b\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
    b"<p>Rich <b>words</b></p><script>alert(1)</script>\r\n--b--\r\n"
)


@pytest.fixture
def stored_message(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MAIL_VIEWER_ENABLED = True

    class Envelope:
        original_content = RAW
        content = RAW

    import asyncio

    asyncio.run(SavingHandler(mail_folder()).handle_DATA(None, None, Envelope()))
    return next(mail_folder().glob("*.eml")).name


def test_mail_viewer_lists_the_sinks_messages(client, stored_message):
    response = client.get("/mail/")

    assert response.status_code == 200
    assert b"Big news" in response.content
    assert b"reader@example.com" in response.content
    assert f"/mail/{stored_message}/".encode() in response.content


def test_mail_viewer_shows_html_sanitized_text_and_headers(client, stored_message):
    response = client.get(f"/mail/{stored_message}/")

    assert response.status_code == 200
    assert b"Rich <b>words</b>" in response.content
    assert b"<script>alert(1)" not in response.content
    assert b"Plain words" in response.content
    assert b"MIME-Version" in response.content


def test_mail_viewer_is_not_found_when_disabled(client, stored_message, settings):
    settings.MAIL_VIEWER_ENABLED = False

    assert client.get("/mail/").status_code == 404
    assert client.get(f"/mail/{stored_message}/").status_code == 404


def test_mail_viewer_refuses_other_machines_unless_staff(client, stored_message):
    response = client.get("/mail/", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404


def test_mail_viewer_refuses_names_outside_the_mail_folder(client, stored_message):
    assert client.get("/mail/..%2Fsecret_key/").status_code == 404
    assert client.get("/mail/secret_key/").status_code == 404
