"""Real `masthead worker` processes against a database of their own, for the fault tests: a
counting SMTP sink, a scratch database (a SQLite file, or a fresh PostgreSQL database dropped
afterwards), the environment, and queries the test runs while the workers send."""

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aiosmtpd.controller import Controller

from tests.mail import SMTPSink

ROOT = Path(__file__).resolve().parents[2]
BATCH_SIZE = 100  # DELIVERY_BATCH_SIZE's default: the most a worker can have in flight
TASKS = "django_tasks_database_dbtaskresult"
STALE_SECONDS = 10


class CountingSink:
    """An SMTP server on loopback counting what each address received; `seconds_per_message`
    makes it a slow relay (each connection waits that long before accepting a message)."""

    def __init__(self, seconds_per_message: float = 0.0):
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        self.seconds_per_message = seconds_per_message
        self.port = SMTPSink().port  # a free port
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.seconds_per_message:
            await asyncio.sleep(self.seconds_per_message)
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"

    def duplicate_count(self) -> int:
        with self.lock:
            return sum(count - 1 for count in self.received.values())


@contextlib.contextmanager
def scratch_database(tmp_path: Path, server_url: str | None):
    """(DATABASE_URL for the subprocesses or None for SQLite, a function running one query).

    On PostgreSQL the query function retries while the server is away (it may be restarting)."""
    if not server_url:

        def query(sql, params=()):
            with sqlite3.connect(tmp_path / "masthead.sqlite3", timeout=20) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()

        yield None, query
        return
    import psycopg

    name = f"masthead_fault_{uuid.uuid4().hex[:8]}"
    scratch_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))

    def run_on(url, sql, params=()):
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=5) as db:
                    cursor = db.execute(sql, params)
                    return cursor.fetchall() if cursor.description else []
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    run_on(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield scratch_url, lambda sql, params=(): run_on(scratch_url, sql, params)
    finally:
        run_on(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_url_of_this_run() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def worker_environment(tmp_path: Path, sink: CountingSink, database_url: str | None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MASTHEAD_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS"))
    }
    env.update(
        MASTHEAD_DATA_DIR=str(tmp_path),
        MASTHEAD_SECRET_KEY="fault-test-secret",
        MASTHEAD_HTTPS="0",
        MASTHEAD_SMTP_URL=f"smtp://127.0.0.1:{sink.port}?tls=none",
        MASTHEAD_LOG_LEVEL="WARNING",
        MASTHEAD_DB_CONN_MAX_AGE="0",
        # A killed worker's claims go back after its heartbeat is this old (30 s in production).
        MASTHEAD_DELIVERY_WORKER_STALE_SECONDS=str(STALE_SECONDS),
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(env, *args):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def migrate(env) -> None:
    run(env, "-m", "masthead", "migrate", "--no-input", "-v0")


def seed(env, recipients: int, *options: str) -> int:
    """Seed a send of a new post to `recipients` readers (see seed_send.py); returns its id."""
    seeded = run(env, "tests/delivery/seed_send.py", str(recipients), *options)
    return int(seeded.stdout.split()[-1])


def migrate_and_seed(env, recipients: int) -> int:
    migrate(env)
    return seed(env, recipients)


def start_worker(env, log, *options: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen:
    """A `masthead worker` process; `prefix` runs it under another command (e.g. unshare)."""
    command = ["-m", "masthead", "worker", "--interval", "0.2", "--no-startup-delay", *options]
    return subprocess.Popen(
        [*prefix, sys.executable, *command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_workers(workers) -> None:
    for worker in workers:
        worker.kill()
        worker.wait()


def send_state(query, send_id: int) -> tuple[str, int]:
    """The send's state and how many of its deliveries are not finished."""
    state = query("SELECT state FROM delivery_send WHERE id = %s", [send_id])
    left = query(
        "SELECT COUNT(*) FROM delivery_delivery WHERE send_id = %s AND state IN "
        "('queued', 'sending')",
        [send_id],
    )
    return state[0][0], left[0][0]


def wait_for_progress(query, send_id: int, left_before: int) -> None:
    """Until more than a batch was sent since `left_before` deliveries were left."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if send_state(query, send_id)[1] < left_before - BATCH_SIZE:
            return
        time.sleep(0.05)


def wait_until_done(query, send_id: int, seconds: float = 60) -> tuple[str, int]:
    deadline = time.monotonic() + seconds
    while True:
        state, left = send_state(query, send_id)
        if state == "done" or time.monotonic() > deadline:
            return state, left
        time.sleep(0.25)


def describe(query) -> str:
    """What the database holds, for a failure message."""
    tasks = query(
        f"SELECT status, run_after, worker_ids FROM {TASKS} ORDER BY enqueued_at DESC LIMIT 8"
    )  # noqa: S608
    deliveries = query("SELECT state, claimed_by, COUNT(*) FROM delivery_delivery GROUP BY 1, 2")
    return f"tasks (newest first): {tasks}; deliveries: {deliveries}"


def everyone(recipients: int) -> set[str]:
    return {f"reader{n}@example.com" for n in range(recipients)}
