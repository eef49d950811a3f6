"""Reading the demo mail sink's folder: the messages Masthead sent, as .eml files."""

import email
import email.policy
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html import escape
from pathlib import Path

from django.conf import settings

NAME_PATTERN = re.compile(r"^[0-9]+-[0-9a-f]{8}\.eml$")


def mail_folder() -> Path:
    return Path(settings.DATA_DIR) / "mail"


@dataclass
class StoredMessage:
    name: str
    message: email.message.EmailMessage

    def header(self, name: str) -> str:
        return str(self.message.get(name, ""))

    @property
    def sent_at(self):
        try:
            return parsedate_to_datetime(self.header("Date"))
        except (TypeError, ValueError):
            return None

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(name, str(value)) for name, value in self.message.items()]


def read_message(name: str) -> StoredMessage | None:
    """The stored message called `name`; None for a name the sink would not have written."""
    if not NAME_PATTERN.match(name):
        return None
    path = mail_folder() / name
    if not path.is_file():
        return None
    with path.open("rb") as file:
        message = email.message_from_binary_file(file, policy=email.policy.default)
    return StoredMessage(name, message)


def message_names() -> list[str]:
    """The stored messages' names, newest first (a name starts with the time it arrived)."""
    folder = mail_folder()
    if not folder.is_dir():
        return []
    return sorted((p.name for p in folder.iterdir() if NAME_PATTERN.match(p.name)), reverse=True)


def read_messages(names: list[str]) -> list[StoredMessage]:
    """The messages called `names`, in that order, leaving out any removed since."""
    return [message for name in names if (message := read_message(name))]


def latest_messages(limit: int = 200) -> list[StoredMessage]:
    """The newest messages first."""
    return read_messages(message_names()[:limit])


# Showing a message as its reader would, without counting an open or a click --------------------

_URL_PART = r"[^\s\"'<>()]"


def _tracking_patterns() -> tuple[re.Pattern, re.Pattern]:
    """The pixel's and the click links' URLs (/t/o/<token>.gif, /t/c/<token>/<index>/) on any
    host a publication answers at, from the same routes the email was built with."""
    from masthead.publications.links import site_path  # noqa: PLC0415 - needs the URLconf

    open_path = site_path("delivery:track_open", "TOKEN").split("TOKEN")
    click_path = site_path("delivery:track_click", "TOKEN", 0).split("TOKEN")
    token = rf"({_URL_PART.replace(']', '/]')}+)"
    pixel = rf"(?:https?://{_URL_PART}*?)?{re.escape(open_path[0])}{token}{re.escape(open_path[1])}"
    click_tail = re.escape(click_path[1]).replace("0", r"(\d+)", 1)
    click = rf"(?:https?://{_URL_PART}*?)?{re.escape(click_path[0])}{token}{click_tail}"
    return re.compile(pixel), re.compile(click)


def _tracked_destination(token: str, index: int) -> str | None:
    """Where a tracked link leads (the send's stored link), read without recording anything."""
    from masthead.delivery.models import Delivery  # noqa: PLC0415 - the sink reader stays light
    from masthead.delivery.tracking import delivery_id_from  # noqa: PLC0415

    delivery_id = delivery_id_from(token)
    if delivery_id is None:
        return None
    links = (
        Delivery.objects.filter(id=delivery_id)
        .values_list("send__tracked_links", flat=True)
        .first()
    )
    if not isinstance(links, list) or not 0 <= index < len(links):
        return None
    destination = str(links[index])
    return destination if destination.startswith(("https://", "http://")) else None


def html_without_tracking(html: str) -> str:
    """The HTML part with its open pixel removed and each tracked link pointing straight at its
    destination (or at nothing, when that is unknown), so looking at it counts nothing."""
    pixel, click = _tracking_patterns()
    html = re.sub(rf"<img\b[^>]*?{pixel.pattern}[^>]*>", "", html, flags=re.I)
    html = pixel.sub("about:blank", html)  # any other mention, in a style for instance

    def unwrap(match: re.Match) -> str:
        destination = _tracked_destination(match.group(1), int(match.group(2)))
        return escape(destination) if destination else "about:blank"

    return click.sub(unwrap, html)
