"""SIGKILL the real workers mid-send, three times: every reader still gets the post, and the
only repeats are messages that were in flight when a worker died.

Runs on a SQLite file in a temporary folder, or, when the suite runs on PostgreSQL
(DATABASE_URL), on a fresh PostgreSQL database of its own, dropped afterwards.
"""

import contextlib
import os
import random
import signal
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
RECIPIENTS = 12000
BATCH_SIZE = 100  # DELIVERY_BATCH_SIZE's default: the most a killed worker can leave in flight
KILLS = 3


class CountingSink:
    def __init__(self):
        self.received: Counter = Counter()
        self.lock = threading.Lock()
        self.port = SMTPSink().port  # a free port
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.received.update(envelope.rcpt_tos)
        return "250 OK"


@contextlib.contextmanager
def scratch_database(tmp_path: Path):
    """(DATABASE_URL for the subprocesses or None for SQLite, a function running one query)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):

        def query(sql, params=()):
            with sqlite3.connect(tmp_path / "masthead.sqlite3", timeout=20) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()

        yield None, query
        return
    import psycopg

    name = f"masthead_fault_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(url)
    scratch_url = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:

        def query(sql, params=()):
            with psycopg.connect(scratch_url, autocommit=True) as db:
                return db.execute(sql, params).fetchall()

        yield scratch_url, query
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        timeout=120, **kwargs,
    )  # fmt: skip


def start_worker(env, log):
    command = ["-m", "masthead", "worker", "--interval", "0.2", "--no-startup-delay"]
    return subprocess.Popen(
        [sys.executable, *command], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )


def describe(query) -> str:
    """What the database holds, for a failure message."""
    tasks = query(
        "SELECT status, run_after, worker_ids FROM django_tasks_database_dbtaskresult "
        "ORDER BY enqueued_at DESC LIMIT 8"
    )
    deliveries = query("SELECT state, claimed_by, COUNT(*) FROM delivery_delivery GROUP BY 1, 2")
    return f"tasks (newest first): {tasks}; deliveries: {deliveries}"


def send_state(query, send_id: int) -> tuple[str, int]:
    state = query("SELECT state FROM delivery_send WHERE id = %s", [send_id])
    left = query(
        "SELECT COUNT(*) FROM delivery_delivery WHERE send_id = %s AND state IN "
        "('queued', 'sending')",
        [send_id],
    )
    return state[0][0], left[0][0]


def wait_for_progress(query, send_id: int, left_before: int | None) -> None:
    """Until some deliveries were sent since the last kill (the new worker is at work)."""
    before = left_before if left_before is not None else RECIPIENTS
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if send_state(query, send_id)[1] < before - BATCH_SIZE:
            return
        time.sleep(0.05)


def test_killed_workers_lose_nothing_and_repeat_only_messages_in_flight(tmp_path):
    sink = CountingSink()
    sink.controller.start()
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
        PYTHONPATH=str(ROOT),
    )
    workers = []
    log = (tmp_path / "workers.log").open("w")
    with scratch_database(tmp_path) as (database_url, query):
        if database_url:
            env["DATABASE_URL"] = database_url
        try:
            run(env, "-m", "masthead", "migrate", "--no-input", "-v0")
            seeded = run(env, "tests/delivery/seed_send.py", str(RECIPIENTS))
            send_id = int(seeded.stdout.split()[-1])
            workers = [start_worker(env, log) for _ in range(2)]
            randomness = random.Random()
            kills, left_at_kills = 0, []
            while kills < KILLS:
                # Wait until the workers are sending, then kill one at a random moment.
                wait_for_progress(query, send_id, left_at_kills[-1] if left_at_kills else None)
                time.sleep(randomness.uniform(0.0, 0.6))
                left_at_kills.append(send_state(query, send_id)[1])
                victim = randomness.choice(workers)
                victim.send_signal(signal.SIGKILL)
                victim.wait()  # reaped, so its pid is gone and its claims are seen as abandoned
                kills += 1
                workers[workers.index(victim)] = start_worker(env, log)
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                state, left = send_state(query, send_id)
                if state == "done":
                    break
                time.sleep(0.25)
            details = describe(query)
        finally:
            for worker in workers:
                worker.kill()
                worker.wait()
            log.close()
            sink.controller.stop()

    expected = {f"reader{n}@example.com" for n in range(RECIPIENTS)}
    assert state == "done", f"send {state}, {left} left, kills at {left_at_kills}: {details}"
    assert set(sink.received) == expected
    duplicates = sum(count - 1 for count in sink.received.values())
    assert duplicates <= BATCH_SIZE * KILLS
    assert all(left_at_kills), f"a kill came after the send ended: {left_at_kills}"
    print(f"deliveries left at each kill: {left_at_kills}; duplicates: {duplicates}")
