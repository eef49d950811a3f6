"""The email providers' webhooks: only tracking webhooks exist, and none answers a post with 500."""

import base64
import json

import pytest
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, Suppression

AUTH = {"authorization": "Basic " + base64.b64encode(b"hook:secret").decode()}


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret"}


def test_a_provider_without_its_settings_answers_404_not_500(client, db):
    # Mailgun's view needs MAILGUN_WEBHOOK_SIGNING_KEY before it reads a byte.
    response = client.post("/webhooks/anymail/mailgun/tracking/", {"signature": "x"}, headers=AUTH)

    assert response.status_code == 404


def test_a_provider_whose_library_is_missing_answers_404_not_500(client, db):
    pytest.importorskip("anymail")
    try:
        import boto3  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("boto3 is installed: Amazon SES's webhook works")

    response = client.post(
        "/webhooks/anymail/amazon_ses/tracking/", b"{}", "application/json", headers=AUTH
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/anymail/postmark/inbound/",
        "/webhooks/anymail/mandrill/",
        "/webhooks/anymail/mailjet/tracking/",
    ],
)
def test_only_the_supported_providers_tracking_webhooks_exist(client, db, path):
    response = client.post(path, b"{}", "application/json", headers=AUTH)

    assert response.status_code == 404


def test_a_configured_providers_webhook_still_takes_malformed_posts_without_500(client, db):
    response = client.post(
        "/webhooks/anymail/postmark/tracking/", b"{not json", "application/json", headers=AUTH
    )

    assert response.status_code == 400


def make_sent_delivery(publication, email: str) -> Delivery:
    send = Send.objects.create(
        publication=publication, sender="weekly@example.org", subject="Issue 12"
    )
    return Delivery.objects.create(
        send=send, email=email, state=DeliveryState.SENT, sent_at=timezone.now()
    )


def postmark_bounce(**fields) -> bytes:
    event = {"RecordType": "Bounce", "ID": 1, "Type": "HardBounce", "Email": "gone@example.com"}
    return json.dumps({**event, **fields}).encode()


@pytest.mark.parametrize("email", [12, True, ["gone@example.com"], "x" * 300 + "@example.com"])
def test_a_bounce_for_something_that_is_no_address_is_ignored(client, db, email):
    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        postmark_bounce(Email=email),
        "application/json",
        headers=AUTH,
    )

    assert response.status_code == 200
    assert not Suppression.objects.exists()


def test_a_nul_in_the_providers_detail_is_left_out_of_the_note(client, publication):
    delivery = make_sent_delivery(publication, "gone@example.com")

    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        postmark_bounce(Details="550\x00 no such user"),
        "application/json",
        headers=AUTH,
    )

    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.BOUNCED
    assert delivery.last_error == "hard bounce: Postmark: 550 no such user"
