"""Bounces and complaints: from an ESP's webhooks (anymail) or from DSN/ARF mail in a mailbox.

Hard bounces and complaints suppress the address for every publication and mark its latest sent
delivery bounced; soft bounces are only noted on that delivery, since the next send may work.
"""

import email
import email.policy
import logging
import mailbox
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

from django.core.exceptions import BadRequest
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from masthead.delivery.models import (
    Delivery,
    DeliveryState,
    Send,
    Suppression,
    SuppressionReason,
)
from masthead.delivery.services.fan_out import suppress

logger = logging.getLogger(__name__)

KINDS = ("hard", "soft", "complaint")
SUPPRESSION_REASONS = {
    "hard": SuppressionReason.HARD_BOUNCE,
    "complaint": SuppressionReason.COMPLAINT,
}


@dataclass(frozen=True)
class Bounce:
    email: str
    kind: str  # one of KINDS
    detail: str = ""


@transaction.atomic
def record_bounce(email: str, kind: str, publication=None, detail: str = "") -> Suppression | None:
    """Note a bounce or complaint for an address; returns the suppression it caused, if any.

    `publication` narrows which delivery is marked (the latest sent one of that publication);
    the suppression itself always covers all publications.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    address = email.strip().lower() if isinstance(email, str) else ""
    if not _could_be_sent_to(address):
        # A report about something no delivery went to (a provider's malformed event, a
        # mangled DSN): nothing to mark, and nothing the database could store.
        logger.warning("ignoring a %s bounce for %r: not an address", kind, email)
        return None
    detail = str(detail).replace("\x00", "")  # PostgreSQL stores no NUL
    deliveries = Delivery.objects.filter(email__iexact=address, state=DeliveryState.SENT)
    if publication is not None:
        deliveries = deliveries.filter(send__publication=publication)
    latest = deliveries.order_by("-sent_at", "-id").first()
    note = f"{kind} bounce: {detail}".strip() if kind != "complaint" else f"complaint: {detail}"
    if kind == "soft":
        logger.info("soft bounce for %s: %s", address, detail)
        if latest is not None:
            Delivery.objects.filter(id=latest.id).update(last_error=note[:2000])
        return None
    logger.info("%s for %s: %s; suppressing", kind, address, detail)
    if latest is not None:
        _mark_bounced(latest, note)
    return suppress(address, reason=SUPPRESSION_REASONS[kind], publication=None)


def _could_be_sent_to(address: str) -> bool:
    return 0 < len(address) <= 254 and "@" in address and "\x00" not in address


def _mark_bounced(delivery: Delivery, note: str) -> None:
    """A sent delivery becomes bounced, and leaves its send's sent count: a bounced message is
    counted once, as bounced."""
    changed = Delivery.objects.filter(id=delivery.id, state=DeliveryState.SENT).update(
        state=DeliveryState.BOUNCED, last_error=note[:2000]
    )
    if changed:
        Send.objects.filter(id=delivery.send_id, sent_count__gt=0).update(
            sent_count=F("sent_count") - 1
        )


# Webhooks: anymail's normalized tracking events ------------------------------------------------


def kind_of_tracking_event(event) -> str | None:
    """hard, soft, complaint, or None for events that say nothing about deliverability."""
    esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
    if event.event_type == "complained":
        return "complaint"
    if event.event_type == "deferred":
        return "soft"
    if event.event_type == "bounced":
        # Some ESPs (Postmark) report soft bounces as "bounced" too.
        if esp_event.get("Type") == "SoftBounce" or str(event.mta_response or "").startswith("4"):
            return "soft"
        return "hard"
    if event.event_type == "rejected":
        return "hard"
    return None


def handle_tracking_event(sender, event, esp_name, **kwargs) -> None:
    # Without WEBHOOK_SECRET, anymail accepts (with a warning) posts from anyone; anyone could
    # then suppress any address. ESPs whose webhooks carry their own signature are exempt.
    from anymail.utils import get_anymail_setting

    has_secret = bool(get_anymail_setting("webhook_secret", default=None))
    if getattr(sender, "warn_if_no_basic_auth", True) and not has_secret:
        logger.warning(
            "ignoring an unauthenticated %s webhook: set ANYMAIL WEBHOOK_SECRET", esp_name
        )
        return
    kind = kind_of_tracking_event(event)
    if kind is None or not event.recipient:
        return
    detail = event.mta_response or event.description or event.reject_reason or ""
    record_bounce(event.recipient, kind, detail=f"{esp_name}: {detail}")


# What a provider's parser raises on a body that is not what the provider sends.
MALFORMED_BODY_ERRORS = (ValueError, LookupError, TypeError, AttributeError)


def tracking_webhook(view_class):
    """anymail's tracking webhook view for one provider, answering 4xx, never 500, to posts that
    are not the provider's.

    anymail reads a provider's settings and imports its library when the view is made, on every
    request, so a provider this install does not use (Mailgun without its signing key, Amazon SES
    without boto3) is a 404. Its parsers trust the body once the password matched, so a body they
    choke on is a 400; errors in our own handling of the events still answer 500, which providers
    take as "try again later".
    """
    from anymail.exceptions import AnymailConfigurationError

    class TolerantView(view_class):
        def run_validators(self, request):
            try:
                super().run_validators(request)
            except MALFORMED_BODY_ERRORS:
                raise BadRequest(f"This is not a {self.esp_name} webhook.") from None

        def parse_events(self, request):
            try:
                return list(super().parse_events(request))
            except MALFORMED_BODY_ERRORS:
                raise BadRequest(f"This is not a {self.esp_name} webhook.") from None

    view = TolerantView.as_view()

    @csrf_exempt  # the provider posts with basic auth or its own signature, never a CSRF token
    def webhook(request):
        try:
            TolerantView()
        except AnymailConfigurationError as error:
            logger.warning("%s webhook called but not set up: %s", view_class.esp_name, error)
            raise Http404("No webhook for this provider here.") from None
        return view(request)

    return webhook


def connect_tracking_signals() -> None:
    """Hook into anymail's tracking webhooks; call once from DeliveryConfig.ready()."""
    from anymail.signals import tracking

    tracking.connect(handle_tracking_event, dispatch_uid="masthead.delivery.bounces")


# Mailboxes: RFC 3464 delivery status notifications and RFC 5965 abuse reports ------------------


def parse_report(message: Message) -> list[Bounce]:
    """The bounces a DSN or ARF message reports; raises ValueError when it is neither."""
    if message.get_content_type() != "multipart/report":
        raise ValueError(f"not a report: {message.get_content_type()}")
    report_type = (message.get_param("report-type") or "").lower()
    if report_type == "delivery-status":
        return _parse_dsn(message)
    if report_type == "feedback-report":
        return _parse_arf(message)
    raise ValueError(f"unknown report type {report_type!r}")


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the email package splits delivery-status into blocks
        return [block for block in payload if isinstance(block, Message)]
    raw = payload if isinstance(payload, str) else part.get_payload(decode=True).decode()
    text = raw.replace("\r\n", "\n").strip()
    return [HeaderParser().parsestr(block + "\n") for block in text.split("\n\n") if block]


def _address(value: str | None) -> str:
    """`rfc822; someone@example.com` -> someone@example.com"""
    value = str(value or "").strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    return value.strip().strip("<>").lower()


def _parse_dsn(message: Message) -> list[Bounce]:
    status_parts = [
        part for part in message.walk() if part.get_content_type() == "message/delivery-status"
    ]
    if not status_parts:
        raise ValueError("delivery-status report without a message/delivery-status part")
    bounces = []
    for block in _field_blocks(status_parts[0]):
        recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
        status = str(block.get("Status", "")).strip()
        action = str(block.get("Action", "")).strip().lower()
        if not recipient or not status or action in {"delivered", "relayed", "expanded"}:
            continue  # the per-message block, or a recipient that was fine
        if status.startswith("5"):
            kind = "hard"
        elif status.startswith("4"):
            kind = "soft"
        else:
            continue
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        bounces.append(Bounce(recipient, kind, f"{status} {diagnostic}".strip()))
    if not bounces:
        raise ValueError("delivery-status report names no failed recipient")
    return bounces


def _parse_arf(message: Message) -> list[Bounce]:
    recipient = ""
    feedback_type = "abuse"
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/feedback-report":
            for block in _field_blocks(part):
                feedback_type = str(block.get("Feedback-Type", feedback_type)).strip()
                recipient = recipient or _address(block.get("Original-Rcpt-To"))
        elif content_type in {"message/rfc822", "text/rfc822-headers"} and not recipient:
            original = part.get_payload(0) if part.is_multipart() else None
            if original is None:
                original = HeaderParser().parsestr(part.get_payload(decode=True).decode())
            recipient = email.utils.parseaddr(str(original.get("To", "")))[1].lower()
    if not recipient:
        raise ValueError("feedback report names no recipient")
    return [Bounce(recipient, "complaint", f"feedback-type {feedback_type}")]


@dataclass
class MailboxSummary:
    counts: dict[str, int]
    skipped: list[str]  # a line per message that could not be read as a report


def open_mailbox(path: Path) -> mailbox.Mailbox:
    if path.is_dir():
        return mailbox.Maildir(path, factory=None, create=False)
    if path.is_file():
        return mailbox.mbox(path, create=False)
    raise FileNotFoundError(f"no mbox file or Maildir folder at {path}")


def process_mailbox(path: Path) -> MailboxSummary:
    """Record every bounce and complaint reported in an mbox file or a Maildir folder."""
    box = open_mailbox(path)
    summary = MailboxSummary(counts=dict.fromkeys(KINDS, 0), skipped=[])
    for key in box.iterkeys():
        try:
            message = email.message_from_bytes(box.get_bytes(key), policy=email.policy.compat32)
            bounces = parse_report(message)
        except Exception as error:  # noqa: BLE001 - a bad message is reported, never fatal
            subject = _subject_of(box, key)
            summary.skipped.append(f"{key} ({subject}): {error}")
            continue
        for bounce in bounces:
            record_bounce(bounce.email, bounce.kind, detail=bounce.detail)
            summary.counts[bounce.kind] += 1
    return summary


def _subject_of(box: mailbox.Mailbox, key) -> str:
    try:
        return str(email.message_from_bytes(box.get_bytes(key)).get("Subject", "no subject"))
    except Exception:  # noqa: BLE001
        return "unreadable"


# The desk -----------------------------------------------------------------------------------------


def suppressions_for(publication, search: str = ""):
    """Suppressions that keep mail of this publication from someone: its own and global ones."""
    from django.db.models import Q

    rows = Suppression.objects.filter(Q(publication=publication) | Q(publication__isnull=True))
    if search.strip():
        rows = rows.filter(email__icontains=search.strip())
    return rows.order_by("-created_at", "-id")


def remove_suppression(publication, suppression_id: int) -> bool:
    """Lift a suppression the publication added by hand; bounces and complaints stay, and so do
    suppressions for every publication, which are the whole install's business."""
    deleted, _ = Suppression.objects.filter(
        id=suppression_id, publication=publication, reason=SuppressionReason.MANUAL
    ).delete()
    return deleted > 0
