"""A local SMTP server that keeps every message it receives as an .eml file, for the demo."""

import errno
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class SinkPortTaken(Exception):
    """The port is held by another program; the message is the one line to show."""


class SavingHandler:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.rename(self.folder / name)  # atomic: readers never see half a message
        return "250 Message accepted for delivery"


def serve_forever(folder: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
    controller = Controller(SavingHandler(folder), hostname=host, port=port)
    try:
        controller.start()
    except OSError as error:
        # Another demo, Mailpit or MailHog (their web pages use 8025) may hold the port.
        reason = "it is in use" if error.errno == errno.EADDRINUSE else str(error)
        raise SinkPortTaken(
            f"masthead mailsink: cannot listen on {host}:{port} ({reason}); "
            "choose another port with --port N or MASTHEAD_MAIL_SINK_PORT=N."
        ) from None
    print(f"mail sink listening on smtp://{host}:{port}, saving to {folder}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
