"""A local SMTP server that keeps every message it receives as an .eml file, for the demo."""

import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


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
    controller.start()
    print(f"mail sink listening on smtp://{host}:{port}, saving to {folder}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
