"""Reading the demo mail sink's folder: the messages Masthead sent, as .eml files."""

import email
import email.policy
import re
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
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


def latest_messages(limit: int = 200) -> list[StoredMessage]:
    """The newest messages first (the file names start with the time they arrived)."""
    folder = mail_folder()
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if NAME_PATTERN.match(p.name)), reverse=True)
    return [message for name in names[:limit] if (message := read_message(name))]
