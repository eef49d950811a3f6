"""The transports newsletters leave by: DKIM signing, SMTP, and an ESP's API through anymail."""

import base64
import email
import email.policy
import json
from email.message import EmailMessage

import dkim
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

from masthead.delivery.messages import MessageTemplate
from masthead.delivery.models import Send
from masthead.delivery.transport import (
    RecipientRefused,
    TransportUnavailable,
    open_transport,
    sign,
)
from tests.delivery.sinks import RefusingSink


def build_message(to: str = "reader@example.com") -> bytes:
    message = EmailMessage()
    message["From"] = "The Weekly <weekly@example.org>"
    message["To"] = to
    message["Subject"] = "Issue 12: rivers"
    message["Date"] = "Mon, 23 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = "<d42.s7@example.org>"
    message["List-Unsubscribe"] = "<https://example.org/unsubscribe/abc/>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["List-Id"] = "The Weekly <weekly.example.org>"
    message.set_content("Rivers run.\n")
    message.add_alternative("<p>Rivers run.</p>\n", subtype="html")
    return message.as_bytes(policy=email.policy.SMTP)


# DKIM -------------------------------------------------------------------------------------------


@pytest.fixture
def dkim_key(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    settings.DKIM_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    settings.DKIM_SELECTOR = "mh1"
    settings.DKIM_DOMAIN = "example.org"
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_signed_message_verifies_against_the_published_key(dkim_key):
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return dkim_key

    signed = sign(build_message())

    assert signed.startswith(b"DKIM-Signature:")
    assert dkim.verify(signed, dnsfunc=dns)
    assert looked_up == [b"mh1._domainkey.example.org."]


def test_message_with_bare_newlines_verifies_after_smtp_normalizes_them(dkim_key):
    # smtplib turns bare LF into CRLF on the wire; the signature must still hold there.
    signed = sign(build_message().replace(b"\r\n", b"\n"))
    on_the_wire = signed.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    assert dkim.verify(on_the_wire, dnsfunc=lambda name, timeout=5: dkim_key)


TRICKY_MESSAGES = {
    "folded and encoded headers": (
        b"From: =?utf-8?q?Caf=C3=A9_Weekly?= <weekly@example.org>\r\n"
        b"To: reader@example.com\r\n"
        b"Subject: =?utf-8?q?A_very_long_subject_that_goes_on_and_on_and_on_and_on?=\r\n"
        b" =?utf-8?q?_and_is_folded_onto_a_second_line?=\r\n"
        b"List-Unsubscribe:   <https://example.org/u/1/>,\r\n\t<mailto:u@example.org>  \r\n"
        b"\r\n"
        b"Body line with trailing spaces   \r\n"
        b"Inner   \t whitespace\r\n"
        b"\r\n\r\n\r\n"
    ),
    "empty body": b"From: a@example.org\r\nTo: b@example.com\r\nSubject: empty\r\n\r\n",
    "repeated header": (
        b"From: a@example.org\r\nTo: b@example.com\r\nSubject: one\r\nSubject: two\r\n\r\nx\r\n"
    ),
}


@pytest.mark.parametrize("raw", TRICKY_MESSAGES.values(), ids=TRICKY_MESSAGES.keys())
def test_awkward_messages_verify(dkim_key, raw):
    assert dkim.verify(sign(raw), dnsfunc=lambda name, timeout=5: dkim_key)


def test_signature_covers_the_unsubscribe_headers(dkim_key):
    signed = sign(build_message())
    parsed = email.message_from_bytes(signed, policy=email.policy.default)
    tags = dict(
        part.strip().split("=", 1)
        for part in str(parsed["DKIM-Signature"]).split(";")
        if "=" in part
    )
    signed_headers = {name.strip().lower() for name in tags["h"].replace(" ", "").split(":")}

    assert {"list-unsubscribe", "list-unsubscribe-post", "list-id", "from", "subject"} <= (
        signed_headers
    )


def test_tampered_message_fails_verification(dkim_key):
    signed = sign(build_message()).replace(b"Issue 12", b"Issue 13")

    assert not dkim.verify(signed, dnsfunc=lambda name, timeout=5: dkim_key)


def test_signed_newsletter_still_verifies_after_the_smtp_hop(dkim_key, publication, smtp_sink):
    send = Send(
        id=7,
        publication=publication,
        sender="Caf\u00e9 Weekly <weekly@example.org>",
        subject="Caf\u00e9 \u2014 issue 12, with a subject long enough to be folded in two",
        html_template="<p>Hello   there </p>\n\n<p>\u00e9t\u00e9</p>",
        text_template="Hello   there \n\n\u00e9t\u00e9\n",
    )
    template = MessageTemplate(send, send.html_template, send.text_template)
    raw = template.render(42, "reader@example.com", "https://example.org/unsubscribe/tok/")

    transport = open_transport()
    transport.send("bounces@example.org", "reader@example.com", sign(raw))
    transport.close()

    [received] = smtp_sink.messages
    assert dkim.verify(received.raw, dnsfunc=lambda name, timeout=5: dkim_key)


def test_key_given_on_one_line_with_escaped_newlines_works(dkim_key, settings):
    settings.DKIM_PRIVATE_KEY = settings.DKIM_PRIVATE_KEY.strip().replace("\n", "\\n")

    assert dkim.verify(sign(build_message()), dnsfunc=lambda name, timeout=5: dkim_key)


def test_unreadable_key_stops_with_a_clear_message(settings):
    settings.DKIM_PRIVATE_KEY = "not a key"
    settings.DKIM_SELECTOR = "mh1"
    settings.DKIM_DOMAIN = "example.org"

    with pytest.raises(ImproperlyConfigured, match="DKIM_PRIVATE_KEY"):
        sign(build_message())


def test_message_is_unchanged_without_dkim_settings(settings):
    settings.DKIM_PRIVATE_KEY = ""
    message = build_message()

    assert sign(message) == message


# SMTP -------------------------------------------------------------------------------------------


def use_sink(settings, sink):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }


def test_smtp_transport_delivers_the_bytes(smtp_sink):
    transport = open_transport()
    transport.send("bounces@example.org", "reader@example.com", build_message())
    transport.close()

    assert len(smtp_sink.messages) == 1
    received = smtp_sink.messages[0]
    assert received.envelope_from == "bounces@example.org"
    assert received.envelope_to == ["reader@example.com"]
    assert received.subject == "Issue 12: rivers"


def test_a_line_starting_with_a_dot_arrives_whole_and_the_wait_hook_runs_once(smtp_sink):
    """The transport speaks DATA itself (to run a hook while the relay decides): dot-stuffing
    must give the reader the message as written."""
    message = build_message().replace(b"\r\n\r\n", b"\r\n\r\n.hidden line\r\n..two dots\r\n", 1)
    waits = []
    transport = open_transport()
    transport.send(
        "bounces@example.org", "reader@example.com", message, while_waiting=lambda: waits.append(1)
    )
    transport.close()

    body = smtp_sink.messages[0].raw
    assert b"\n.hidden line" in body and b"\n..two dots" in body
    assert waits == [1]


def test_smtp_refused_recipient_raises_recipient_refused(settings):
    sink = RefusingSink(refused={"gone@example.com"})
    sink.controller.start()
    try:
        use_sink(settings, sink)
        transport = open_transport()
        with pytest.raises(RecipientRefused) as caught:
            transport.send("bounces@example.org", "gone@example.com", build_message())
        transport.send("bounces@example.org", "reader@example.com", build_message())
        transport.close()
    finally:
        sink.controller.stop()

    assert caught.value.reason.startswith("550")
    assert [m.envelope_to for m in sink.messages] == [["reader@example.com"]]


def test_smtp_server_down_raises_transport_unavailable(settings):
    sink = RefusingSink(refused=set())  # picks a free port; never started
    use_sink(settings, sink)

    with pytest.raises(TransportUnavailable):
        open_transport()


def test_smtp_connection_dropped_mid_batch_raises_transport_unavailable(smtp_sink):
    transport = open_transport()
    transport.smtp.close()  # as when the server drops the connection

    with pytest.raises(TransportUnavailable):
        transport.send("bounces@example.org", "reader@example.com", build_message())
    transport.close()


# Postmark through anymail, with only the HTTP call replaced ----------------------------------


@pytest.fixture
def postmark(settings, monkeypatch):
    """Captures what Postmark's API would receive; answers with `reply` (status, JSON body)."""
    settings.EMAIL_PROVIDER = "postmark"
    settings.EMAIL_PROVIDER_API_KEY = "server-token-123"

    class Postmark:
        calls: list[dict] = []
        reply: tuple[int, dict] | Exception = (
            200,
            {
                "To": "reader@example.com",
                "SubmittedAt": "2026-11-23T10:00:00.0000000-05:00",
                "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
                "ErrorCode": 0,
                "Message": "OK",
            },
        )

    def request(session, method, url, **kwargs):
        Postmark.calls.append({"method": method, "url": url, **kwargs})
        if isinstance(Postmark.reply, Exception):
            raise Postmark.reply
        status, body = Postmark.reply
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
        response.encoding = "utf-8"
        response.url = url
        return response

    monkeypatch.setattr(requests.Session, "request", request)
    return Postmark


def test_postmark_receives_the_message_fields_and_headers(postmark):
    transport = open_transport()
    transport.send("bounces@example.org", "reader@example.com", build_message())
    transport.close()

    [call] = postmark.calls
    assert call["method"] == "POST"
    assert call["url"] == "https://api.postmarkapp.com/email"
    assert call["headers"]["X-Postmark-Server-Token"] == "server-token-123"
    payload = json.loads(call["data"])
    assert payload["From"] == "The Weekly <weekly@example.org>"
    assert payload["To"] == "reader@example.com"
    assert payload["Subject"] == "Issue 12: rivers"
    assert payload["TextBody"] == "Rivers run.\n"
    assert payload["HtmlBody"] == "<p>Rivers run.</p>\n"
    headers = {header["Name"]: header["Value"] for header in payload["Headers"]}
    assert headers["List-Unsubscribe"] == "<https://example.org/unsubscribe/abc/>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Id"] == "The Weekly <weekly.example.org>"


def test_postmark_inactive_recipient_raises_recipient_refused(postmark):
    postmark.reply = (
        422,
        {
            "ErrorCode": 406,
            "Message": "You tried to send to recipient(s) that have been marked as inactive.\n"
            "Found inactive addresses: gone@example.com.\n"
            "Inactive recipients are ones that have generated a hard bounce, a spam "
            "complaint, or a manual suppression.",
        },
    )
    transport = open_transport()

    with pytest.raises(RecipientRefused) as caught:
        transport.send("bounces@example.org", "gone@example.com", build_message("gone@example.com"))

    assert "rejected" in caught.value.reason


def test_postmark_server_error_raises_transport_unavailable(postmark):
    postmark.reply = (503, {"ErrorCode": 100, "Message": "Service unavailable"})
    transport = open_transport()

    with pytest.raises(TransportUnavailable):
        transport.send("bounces@example.org", "reader@example.com", build_message())


def test_postmark_connection_error_raises_transport_unavailable(postmark):
    postmark.reply = requests.ConnectionError("connection refused")
    transport = open_transport()

    with pytest.raises(TransportUnavailable):
        transport.send("bounces@example.org", "reader@example.com", build_message())


def test_postmark_invalid_address_raises_recipient_refused(postmark):
    transport = open_transport()

    with pytest.raises(RecipientRefused):
        transport.send("bounces@example.org", "not an address", build_message())

    assert postmark.calls == []
