"""Reading one cell of an export: a subscriber's status, the date they subscribed, their tags.

Every function here takes any text and never raises: a value it cannot read gives a reason to
skip the row (statuses) or falls back to a default (dates, labels).

Part of the import described in masthead.subscriptions.importing.
"""

import csv
import datetime as dt
import re

from django.utils import timezone

from masthead.subscriptions.models import SubscriptionStatus

ACTIVE = SubscriptionStatus.ACTIVE
UNSUBSCRIBED = SubscriptionStatus.UNSUBSCRIBED

NEVER_CONFIRMED = "never confirmed their address"
BOUNCED = "mail to this address bounced"
COMPLAINED = "they marked your email as spam"
BLOCKED = "the address is blocklisted"

# Keys are the status lowercased with everything but letters and digits removed ("past_due" →
# "pastdue"). A status gives the status of the imported subscription, or the reason to skip.
# Unsubscribed readers are imported as unsubscribed: never mailed, and a later import of an
# older file finds them on the list and leaves them unsubscribed.
STATUS_OUTCOMES: dict[str, tuple[str, str]] = {
    **dict.fromkeys(
        (
            "active",
            "subscribed",
            "enabled",
            "confirmed",
            "regular",
            "premium",
            "gifted",
            "trialed",
            "churning",
            "pastdue",
            "validating",
        ),
        (ACTIVE, ""),
    ),
    **dict.fromkeys(
        ("unsubscribed", "cancelled", "canceled", "inactive", "churned", "disabled", "removed"),
        (UNSUBSCRIBED, ""),
    ),
    "cleaned": ("", BOUNCED),
    "bounced": ("", BOUNCED),
    "undeliverable": ("", BOUNCED),
    "complained": ("", COMPLAINED),
    "spammy": ("", COMPLAINED),
    "blocklisted": ("", BLOCKED),
    "blacklisted": ("", BLOCKED),
    "blocked": ("", BLOCKED),
    **dict.fromkeys(("pending", "unactivated", "unconfirmed"), ("", NEVER_CONFIRMED)),
}

# Dates before this are placeholders (Unix time zero, "0001-01-01"), not sign-ups.
EARLIEST_DATE = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)
MAX_DATE_LENGTH = 64
TIMEZONE_NAME_SUFFIX = re.compile(r"\s*(UTC|GMT|Z)$", re.IGNORECASE)
OTHER_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M %p",
)

MAX_LABELS = 20
MAX_LABEL_LENGTH = 40
MAX_LABEL_CELL = 4000
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def judge_status(value: str) -> tuple[str, str]:
    """(SubscriptionStatus to import with, "") or ("", why the row is skipped)."""
    key = "".join(ch for ch in value.lower() if ch.isalnum())
    if not key:
        return "", "the status is empty; not imported"
    if key in STATUS_OUTCOMES:
        status, reason = STATUS_OUTCOMES[key]
        return status, reason and f"status “{value.strip()[:30]}”: {reason}; not imported"
    return "", f"the status “{value.strip()[:30]}” is not one we know; not imported"


def parse_date(value: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """An aware UTC datetime, or None when the text is not a plausible past date.

    Dates without a time zone are taken as UTC, as the products these files come from write them.
    """
    text = TIMEZONE_NAME_SUFFIX.sub("", value.strip()[:MAX_DATE_LENGTH]).strip()
    if not text:
        return None
    parsed = _parse_iso(text) or _parse_other(text) or _parse_unix_time(text)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    parsed = parsed.astimezone(dt.UTC)
    if not EARLIEST_DATE <= parsed <= (now or timezone.now()):
        return None
    return parsed


def _parse_iso(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _parse_other(text: str) -> dt.datetime | None:
    for date_format in OTHER_DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def _parse_unix_time(text: str) -> dt.datetime | None:
    if not (text.isascii() and text.isdigit() and len(text) in (10, 13)):
        return None
    seconds = int(text) / (1000 if len(text) == 13 else 1)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def parse_labels(value: str) -> list[str]:
    """Tags as labels: from `a,b`, `"a","b"` or `["a", "b"]`; trimmed, without repeats, capped."""
    text = CONTROL_CHARACTERS.sub(" ", value[:MAX_LABEL_CELL]).strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].replace("'", '"')
    separator = "," if "," in text or ";" not in text else ";"
    try:
        items = next(csv.reader([text], delimiter=separator, skipinitialspace=True), [])
    except csv.Error:
        items = text.split(separator)
    labels: dict[str, str] = {}
    for item in items:
        label = " ".join(item.strip(" \"'").split())
        label = label[:MAX_LABEL_LENGTH].strip()
        if label:
            labels.setdefault(label.casefold(), label)
        if len(labels) == MAX_LABELS:
            break
    return list(labels.values())
