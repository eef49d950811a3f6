"""Two real chat servers (`masthead chatserver`, granian) sharing one database and one Redis:
a thread posted through one reaches a reader connected to the other, and the count of who is
here covers both.

Runs on a SQLite file in a temporary folder, or, when the suite runs on PostgreSQL
(DATABASE_URL), on a fresh PostgreSQL database of its own, dropped afterwards. Needs a Redis:
MASTHEAD_TEST_REDIS_URL (or REDIS_URL).
"""

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
WAIT = 15  # seconds a server may take to start, or a frame to arrive

# Run by a subprocess on the scratch database: a publication with a writer and a subscriber,
# each signed in (a session row, as signing in makes); prints their session keys.
SEED = """
import json
import django
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from masthead.accounts.models import Person
from masthead.publications.models import Membership, Publication, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus

def signed_in(person):
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return session.session_key

publication = Publication.objects.create(name="Scale Out", slug="scale-out")
writer = Person.objects.create_user("writer@example.com", display_name="Wendy Writer")
Membership.objects.create(publication=publication, person=writer, role=Role.OWNER)
reader = Person.objects.create_user("reader@example.com", display_name="Rita Reader")
Subscription.objects.create(
    publication=publication, person=reader, status=SubscriptionStatus.ACTIVE
)
print(json.dumps({"writer": signed_in(writer), "reader": signed_in(reader)}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def scratch_database_url(tmp_path: Path):
    """DATABASE_URL for the subprocesses: None (SQLite in MASTHEAD_DATA_DIR), or a fresh
    PostgreSQL database when the suite runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None
        return
    import psycopg

    name = f"masthead_chat_{uuid.uuid4().hex[:8]}"
    scratch_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield scratch_url
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"chat server exited ({server.returncode}): {log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    pytest.fail(f"chat server did not listen on {port}: {log.read_text()}")


async def next_frame(connection, frame_type: str, **fields) -> dict:
    """The next frame of this type (and these fields); other frames before it are skipped."""
    async with asyncio.timeout(WAIT):
        while True:
            frame = json.loads(await connection.recv())
            if frame["type"] == frame_type and all(frame.get(k) == v for k, v in fields.items()):
                return frame


async def thread_crosses_servers(port_a: int, port_b: int, sessions: dict) -> None:
    from websockets.asyncio.client import connect

    def open_socket(port, session_key):
        return connect(
            f"ws://127.0.0.1:{port}/ws/chat/scale-out/",
            origin="http://127.0.0.1:8000",
            additional_headers={"Cookie": f"sessionid={session_key}"},
        )

    async with (
        open_socket(port_a, sessions["writer"]) as writer,
        open_socket(port_b, sessions["reader"]) as reader,
    ):
        await next_frame(writer, "welcome")
        await next_frame(reader, "welcome")
        # Each server counts both people: the rows are in the shared database.
        await next_frame(reader, "presence", count=2)
        await writer.send(
            json.dumps(
                {
                    "type": "post",
                    "client_id": "scale-out-1",
                    "body": "Hello from A",
                    "thread_id": None,
                }
            )
        )
        ack = await next_frame(writer, "ack")
        event = await next_frame(reader, "event")
        assert event["message"]["id"] == ack["message_id"]
        assert "Hello from A" in event["message"]["html"]
        # And back: a reply through B reaches the writer on A.
        await reader.send(
            json.dumps(
                {
                    "type": "post",
                    "client_id": "scale-out-2",
                    "body": "Hello from B",
                    "thread_id": ack["message_id"],
                }
            )
        )
        reply = await next_frame(writer, "event", kind="posted", id=event["id"] + 1)
        assert "Hello from B" in reply["message"]["html"]


def server_env(tmp_path: Path, redis_url: str | None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MASTHEAD_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        MASTHEAD_DATA_DIR=str(tmp_path),
        MASTHEAD_SECRET_KEY="chat-server-test-secret",
        MASTHEAD_HTTPS="0",
        MASTHEAD_DB_CONN_MAX_AGE="0",
        DJANGO_SETTINGS_MODULE="masthead.settings",
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextlib.contextmanager
def chat_servers(tmp_path: Path, count: int, redis_url: str | None):
    """Start `count` real chat servers on one seeded scratch database; yields (ports, the
    writer's and the reader's session keys)."""
    env = server_env(tmp_path, redis_url)
    servers = []
    with scratch_database_url(tmp_path) as database_url:
        if database_url:
            env["DATABASE_URL"] = database_url
        try:
            subprocess.run(
                [sys.executable, "-m", "masthead", "migrate", "--no-input", "-v0"],
                env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
            )  # fmt: skip
            seeded = subprocess.run(
                [sys.executable, "-c", SEED],
                env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            sessions = json.loads(seeded.stdout.strip().splitlines()[-1])
            ports = [free_port() for _ in range(count)]
            for port in ports:
                log = tmp_path / f"chatserver-{port}.log"
                server = subprocess.Popen(
                    [sys.executable, "-m", "masthead", "chatserver", "--port", str(port)],
                    env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
                )  # fmt: skip
                servers.append(server)
                wait_for_port(port, server, log)
            yield ports, sessions
        finally:
            for server in servers:
                server.terminate()
            for server in servers:
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def test_a_message_sent_through_one_server_reaches_a_reader_on_another(tmp_path):
    require_service(bool(REDIS_URL), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")
    with chat_servers(tmp_path, 2, REDIS_URL) as (ports, sessions):
        asyncio.run(thread_crosses_servers(*ports, sessions))
