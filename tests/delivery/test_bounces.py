"""Bounces and complaints: the service, anymail's webhooks, the mailbox command, the desk page."""

import base64
import json
import mailbox
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from masthead.delivery.bounces import record_bounce
from masthead.delivery.models import (
    Delivery,
    DeliveryState,
    Send,
    Suppression,
    SuppressionReason,
)
from masthead.publications.models import Membership, Role
from tests.factories import make_person, make_publication

DSN = b"""\
From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
To: bounces@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 23 Nov 2026 10:05:00 +0000
Message-ID: <20261123100500.1@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
 boundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: 4AB12345
Arrival-Date: Mon, 23 Nov 2026 10:04:58 +0000

Final-Recipient: rfc822; Gone@Example.com
Original-Recipient: rfc822;Gone@Example.com
Action: failed
Status: 5.1.1
Remote-MTA: dns; mail.example.com
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient address
    rejected: User unknown in local recipient table

Final-Recipient: rfc822; full@example.com
Action: delayed
Status: 4.2.2
Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: The Weekly <weekly@example.org>
To: gone@example.com
Subject: Issue 12: rivers

--B1--
"""

ARF = b"""\
From: Feedback Loop <fbl@isp.example.net>
To: abuse@example.org
Subject: FW: Issue 12: rivers
Date: Mon, 23 Nov 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
 boundary="F1"

--F1
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report for an email message received from IP
192.0.2.1 on Mon, 23 Nov 2026 10:00:00 +0000.

--F1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <bounces@example.org>
Arrival-Date: Mon, 23 Nov 2026 10:00:00 +0000
Reported-Domain: example.org

--F1
Content-Type: message/rfc822
Content-Disposition: inline

From: The Weekly <weekly@example.org>
To: angry@example.com
Subject: Issue 12: rivers
Date: Mon, 23 Nov 2026 10:00:00 +0000

Rivers run.

--F1--
"""

GARBAGE = b"""\
From: someone@example.net
To: bounces@example.org
Subject: Out of office

I am away until Monday.
"""


def make_sent_delivery(publication, email: str) -> Delivery:
    send = Send.objects.create(
        publication=publication,
        sender="weekly@example.org",
        subject="Issue 12",
        html_template="<p>x</p>",
        text_template="x",
    )
    return Delivery.objects.create(
        send=send, email=email, state=DeliveryState.SENT, sent_at=timezone.now()
    )


# record_bounce ------------------------------------------------------------------------------


def test_hard_bounce_suppresses_everywhere_and_marks_the_delivery(publication):
    delivery = make_sent_delivery(publication, "gone@example.com")

    suppression = record_bounce("Gone@Example.com", "hard", detail="550 5.1.1 user unknown")

    assert suppression.publication is None
    assert suppression.reason == SuppressionReason.HARD_BOUNCE
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.BOUNCED
    assert "550 5.1.1" in delivery.last_error


def test_complaint_suppresses_everywhere(publication):
    make_sent_delivery(publication, "angry@example.com")

    record_bounce("angry@example.com", "complaint")

    assert Suppression.objects.get(email="angry@example.com").reason == SuppressionReason.COMPLAINT


def test_soft_bounce_only_notes_the_error(publication):
    delivery = make_sent_delivery(publication, "full@example.com")

    assert record_bounce("full@example.com", "soft", detail="452 mailbox full") is None

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert "mailbox full" in delivery.last_error
    assert not Suppression.objects.exists()


def test_bounce_for_an_unknown_address_still_suppresses(db):
    record_bounce("stranger@example.com", "hard")

    assert Suppression.objects.filter(email="stranger@example.com", publication=None).exists()


# anymail's webhook, end to end ---------------------------------------------------------------


def test_postmark_hard_bounce_webhook_suppresses_the_address(client, settings, publication):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    delivery = make_sent_delivery(publication, "gone@example.com")
    event = {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Description": "The server was unable to deliver your message (ex: unknown user).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": "gone@example.com",
        "From": "weekly@example.org",
        "BouncedAt": "2026-11-23T10:05:00Z",
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Issue 12",
        "Metadata": {},
        "MessageStream": "outbound",
        "Tag": "",
    }
    credentials = base64.b64encode(b"hook:s3cret").decode()

    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        data=json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )

    assert response.status_code == 200
    assert Suppression.objects.get(email="gone@example.com").reason == "hard_bounce"
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.BOUNCED


def test_webhook_without_the_secret_is_refused(client, settings, db):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}

    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        data=json.dumps({"RecordType": "Bounce", "Type": "HardBounce", "Email": "x@example.com"}),
        content_type="application/json",
    )

    assert response.status_code in {400, 401, 403}
    assert not Suppression.objects.exists()


def test_webhook_events_are_ignored_while_no_secret_is_set(client, settings, db):
    settings.ANYMAIL = {}
    event = {"RecordType": "Bounce", "ID": 1, "Type": "HardBounce", "Email": "x@example.com"}

    with pytest.warns(Warning):
        response = client.post(
            "/webhooks/anymail/postmark/tracking/",
            data=json.dumps(event),
            content_type="application/json",
        )

    assert response.status_code == 200
    assert not Suppression.objects.exists()


# process_bounces -----------------------------------------------------------------------------


def run_command(path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("process_bounces", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fill(box: mailbox.Mailbox) -> None:
    for raw in (DSN, ARF, GARBAGE):
        box.add(raw)
    box.flush()


def test_process_bounces_reads_an_mbox(db, tmp_path):
    fill(mailbox.mbox(tmp_path / "bounces.mbox"))

    out, err = run_command(tmp_path / "bounces.mbox")

    assert "hard: 1" in out and "soft: 1" in out and "complaint: 1" in out and "skipped: 1" in out
    assert "Out of office" in err
    reasons = dict(Suppression.objects.values_list("email", "reason"))
    assert reasons == {"gone@example.com": "hard_bounce", "angry@example.com": "complaint"}


def test_process_bounces_reads_a_maildir(db, tmp_path):
    fill(mailbox.Maildir(tmp_path / "Maildir"))

    out, _ = run_command(tmp_path / "Maildir")

    assert "hard: 1" in out and "complaint: 1" in out and "skipped: 1" in out
    assert Suppression.objects.count() == 2


def test_process_bounces_skips_broken_reports(db, tmp_path):
    box = mailbox.mbox(tmp_path / "broken.mbox")
    box.add(b"Content-Type: multipart/report; report-type=delivery-status\n\nnot mime at all")
    box.add(b"\x00\xff\xfe garbage")
    box.flush()

    out, err = run_command(tmp_path / "broken.mbox")

    assert "skipped: 2" in out
    assert not Suppression.objects.exists()


def test_process_bounces_reports_a_missing_path(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run_command(tmp_path / "nowhere")


# The desk page -------------------------------------------------------------------------------


@pytest.fixture
def owner(publication):
    person = make_person()
    Membership.objects.create(publication=publication, person=person, role=Role.OWNER)
    return person


def suppressions_url(publication) -> str:
    return reverse("bounces:desk_suppressions", args=[publication.slug])


def test_suppressions_page_lists_own_and_global_suppressions(client, owner, publication):
    other = make_publication()
    Suppression.objects.create(email="gone@example.com", reason="hard_bounce")
    Suppression.objects.create(publication=publication, email="asked@example.com", reason="manual")
    Suppression.objects.create(publication=other, email="elsewhere@example.com", reason="manual")
    client.force_login(owner)

    response = client.get(suppressions_url(publication))

    assert response.status_code == 200
    body = response.content.decode()
    assert "gone@example.com" in body and "asked@example.com" in body
    assert "elsewhere@example.com" not in body


def test_suppressions_page_searches(client, owner, publication):
    Suppression.objects.create(email="gone@example.com", reason="hard_bounce")
    Suppression.objects.create(email="other@example.net", reason="complaint")
    client.force_login(owner)

    response = client.get(suppressions_url(publication), {"q": "example.net"})

    assert response.status_code == 200
    body = response.content.decode()
    assert "other@example.net" in body and "gone@example.com" not in body


def test_suppressions_page_query_count_is_fixed(
    client, owner, publication, django_assert_max_num_queries
):
    for number in range(30):
        Suppression.objects.create(email=f"gone{number}@example.com", reason="hard_bounce")
    client.force_login(owner)

    with django_assert_max_num_queries(8):
        response = client.get(suppressions_url(publication))

    assert response.status_code == 200


def test_anonymous_visitor_gets_404(client, publication):
    assert client.get(suppressions_url(publication)).status_code == 404


def test_reader_gets_404(client, reader, publication):
    client.force_login(reader)

    assert client.get(suppressions_url(publication)).status_code == 404


def test_author_gets_403(client, publication):
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)

    assert client.get(suppressions_url(publication)).status_code == 403


def remove_url(publication, suppression) -> str:
    return reverse("bounces:desk_remove_suppression", args=[publication.slug, suppression.id])


def test_owner_removes_a_manual_suppression(client, owner, publication):
    suppression = Suppression.objects.create(
        publication=publication, email="asked@example.com", reason="manual"
    )
    client.force_login(owner)

    response = client.post(remove_url(publication, suppression))

    assert response.status_code == 302
    assert not Suppression.objects.filter(id=suppression.id).exists()


def test_bounce_suppressions_cannot_be_removed(client, owner, publication):
    suppression = Suppression.objects.create(email="gone@example.com", reason="hard_bounce")
    client.force_login(owner)

    response = client.post(remove_url(publication, suppression))

    assert response.status_code == 302
    assert Suppression.objects.filter(id=suppression.id).exists()


def test_author_cannot_remove_a_suppression(client, publication):
    suppression = Suppression.objects.create(
        publication=publication, email="asked@example.com", reason="manual"
    )
    author = make_person()
    Membership.objects.create(publication=publication, person=author, role=Role.AUTHOR)
    client.force_login(author)

    response = client.post(remove_url(publication, suppression))

    assert response.status_code == 403
    assert Suppression.objects.filter(id=suppression.id).exists()


def test_postmark_soft_bounce_webhook_only_notes_the_error(client, settings, publication):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    delivery = make_sent_delivery(publication, "full@example.com")
    event = {
        "RecordType": "Bounce",
        "ID": 42,
        "Type": "SoftBounce",
        "TypeCode": 4096,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79484",
        "Description": "The server could not temporarily deliver your message.",
        "Details": "smtp;452 4.2.2 Mailbox full",
        "Email": "full@example.com",
        "BouncedAt": "2026-11-23T10:05:00Z",
    }
    credentials = base64.b64encode(b"hook:s3cret").decode()

    response = client.post(
        "/webhooks/anymail/postmark/tracking/",
        data=json.dumps(event),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )

    assert response.status_code == 200
    assert not Suppression.objects.exists()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert "soft bounce" in delivery.last_error
