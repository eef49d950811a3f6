"""Webhooks against real `masthead worker` processes that get SIGKILLed: a receiver that holds
one chosen request until the test lets it go, the seeding of a publication with endpoints and
committed events (run in a subprocess: `python tests/outbox/kill_harness.py seed ...`), and a
worker with a short claim (`python tests/outbox/kill_harness.py worker ...`).

The scratch database, the environment and migrations come from tests/delivery/worker_processes.
"""

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A killed worker's claim lapses after this long, instead of CLAIM_SECONDS (60 s): short, so
# the test is quick, and still longer than a live request to the receiver takes.
CLAIM_SECONDS = 3
TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Arrival:
    path: str
    signature: str
    body: bytes


class HoldingReceiver:
    """An HTTP server on loopback that records every POST (path, signature header, raw body) as
    it arrives, and holds the `hold_at`-th one (1-based) unanswered until `release()`: the
    worker sending it is then certainly mid-delivery."""

    def __init__(self, hold_at: int):
        self.arrivals: list[Arrival] = []
        self.lock = threading.Lock()
        self.hold_at = hold_at
        self.is_holding = threading.Event()
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.arrivals.append(
                        Arrival(self.path, self.headers.get("Masthead-Signature", ""), body)
                    )
                    is_held = len(receiver.arrivals) == receiver.hold_at
                if is_held:
                    receiver.is_holding.set()
                    receiver.released.wait(30)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the worker was killed while we held its request
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def release(self) -> None:
        self.released.set()

    def snapshot(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release()
        self.server.shutdown()
        self.server.server_close()


def seed(env: dict, base_url: str, paths: list[str], event_count: int) -> dict:
    """Run the seeding below in a subprocess; what it printed (endpoints, event ids)."""
    seeded = subprocess.run(
        [sys.executable, __file__, "seed", base_url, str(event_count), *paths],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return json.loads(seeded.stdout.strip().splitlines()[-1])


def start_worker(env: dict, log) -> subprocess.Popen:
    """A `masthead worker` (recovering, and so sweeping webhooks, twice a second) whose webhook
    claims last CLAIM_SECONDS."""
    return subprocess.Popen(
        [sys.executable, __file__, "worker"], env=env, cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _seed(base_url: str, event_count: int, paths: list[str]) -> None:
    """A publication, one endpoint per path (all events), `event_count` posts published one
    transaction each, then one publication that rolls back. Prints the ids as JSON."""
    _setup_django()
    from django.db import transaction

    from masthead.accounts.models import Person
    from masthead.outbox.events import EVENT_TYPES
    from masthead.outbox.models import Event
    from masthead.outbox.services import create_endpoint
    from masthead.posts.services import create_post, publish_post
    from masthead.publications.models import Publication

    publication = Publication.objects.create(name="Kill Switch", slug="kill-switch")
    author = Person.objects.create_user("writer@example.com")
    endpoints = [
        create_endpoint(publication, f"{base_url}{path}", list(EVENT_TYPES)) for path in paths
    ]
    drafts = [
        create_post(publication, [author], title=f"Post {n}", body_markdown=f"Body {n}.")
        for n in range(event_count + 1)
    ]
    for draft in drafts[:-1]:
        publish_post(draft)

    class RolledBack(Exception):
        pass

    rolled_back_id = ""
    try:
        with transaction.atomic():
            publish_post(drafts[-1])
            rolled_back_id = Event.objects.order_by("-id").values_list("public_id", flat=True)[0]
            raise RolledBack
    except RolledBack:
        pass
    print(
        json.dumps(
            {
                "endpoints": {
                    endpoint.url.removeprefix(base_url): endpoint.secret for endpoint in endpoints
                },
                "event_ids": list(Event.objects.order_by("id").values_list("public_id", flat=True)),
                "rolled_back_id": rolled_back_id,
            }
        ),
        flush=True,
    )


def _work() -> None:
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    # The claim's length is a module constant; set the setting too, for when it becomes one.
    settings.WEBHOOK_CLAIM_SECONDS = CLAIM_SECONDS
    settings.WEBHOOK_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    call_command("worker", "--interval", "0.1", "--no-startup-delay", "--recover-every", "0.5")


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        _seed(sys.argv[2], int(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "worker":
        _work()
