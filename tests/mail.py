"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives, for tests."""

import contextlib
import email
import email.policy
import re
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class ReceivedMessage:
    envelope_from: str
    envelope_to: list[str]
    raw: bytes
    message: email.message.EmailMessage = field(init=False)

    def __post_init__(self):
        self.message = email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def header(self, name: str) -> str:
        return str(self.message.get(name, ""))

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""

    def links(self) -> list[str]:
        return re.findall(r"https?://[^\s<>\"']+", self.text)


class SMTPSink:
    """aiosmtpd on a free loopback port; it advertises SMTPUTF8 (RFC 6531) unless told not to."""

    def __init__(self, *, smtputf8: bool = True):
        self.messages: list[ReceivedMessage] = []
        self.connections: set[tuple] = set()  # the client's (host, port) of each connection
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=smtputf8
        )

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.connections.add(tuple(session.peer))
            self.messages.append(
                ReceivedMessage(
                    envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content
                )
            )
        return "250 OK"

    def to(self, address: str) -> list[ReceivedMessage]:
        with self._lock:
            return [
                m for m in self.messages if address.lower() in [a.lower() for a in m.envelope_to]
            ]

    def last_to(self, address: str) -> ReceivedMessage:
        found = self.to(address)
        assert found, f"no message was received for {address}; got {len(self.messages)} in all"
        return found[-1]


def use_sink(settings, sink: SMTPSink) -> SMTPSink:
    """Point the install's mail at a sink (not started here)."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "masthead.core.smtp_backend.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }
    return sink


@contextlib.contextmanager
def running_sink(settings, sink: SMTPSink):
    """The sink (or any SMTPSink subclass) running, with the install's mail pointed at it."""
    use_sink(settings, sink).controller.start()
    try:
        yield sink
    finally:
        sink.controller.stop()
