"""Real `masthead worker` processes in conditions of the field: a slow relay, workers in separate
PID namespaces that share a host name (containers with host networking), and the database
refusing writes for half a minute mid-send (a full disk, a database turned read-only).

Each runs on a SQLite file in a temporary folder, or, when the suite runs on PostgreSQL
(DATABASE_URL), on a fresh PostgreSQL database of its own.
"""

import contextlib
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.conftest import require_service
from tests.delivery.worker_processes import (
    STALE_SECONDS,
    CountingSink,
    describe,
    everyone,
    migrate_and_seed,
    postgres_url_of_this_run,
    scratch_database,
    send_state,
    start_worker,
    stop_workers,
    wait_until_done,
    worker_environment,
)


@contextlib.contextmanager
def running(sink: CountingSink, tmp_path: Path):
    sink.controller.start()
    log = (tmp_path / "workers.log").open("w")
    workers: list[subprocess.Popen] = []
    try:
        yield workers, log
    finally:
        stop_workers(workers)
        log.close()
        sink.controller.stop()


def test_a_relay_slower_than_the_stale_limit_gets_every_message_once(tmp_path):
    """1.5 s a message: a batch takes longer than any claim lease or stale limit, so only a live
    worker's heartbeat keeps its claims; with a lease, another worker takes the batch back while
    it is being sent, and repeats it, again and again."""
    recipients = 200
    sink = CountingSink(seconds_per_message=1.5)
    with (
        running(sink, tmp_path) as (workers, log),
        scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query),
    ):
        env = worker_environment(tmp_path, sink, database_url)
        send_id = migrate_and_seed(env, recipients)
        workers += [start_worker(env, log) for _ in range(2)]
        state, left = wait_until_done(query, send_id, seconds=260)
        details = describe(query)

    assert state == "done", f"send {state}, {left} left: {details}"
    assert set(sink.received) == everyone(recipients)
    assert sink.duplicate_count() == 0


def unshare_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "--pid", "--fork", "--kill-child", "true"], capture_output=True, check=False
    )
    return probe.returncode == 0


def test_workers_in_separate_pid_namespaces_never_take_each_others_claims(tmp_path):
    """Both workers see only their own pids (each is pid 1 or 2 in its namespace) and share the
    host name: a pid-based liveness check calls the other one dead and takes its batches."""
    require_service(unshare_available(), "unshare --pid (root) is needed for this test")
    recipients = 3000
    sink = CountingSink()
    with (
        running(sink, tmp_path) as (workers, log),
        scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query),
    ):
        env = worker_environment(tmp_path, sink, database_url)
        send_id = migrate_and_seed(env, recipients)
        namespace = ("unshare", "--pid", "--fork", "--kill-child")
        workers += [start_worker(env, log, prefix=namespace) for _ in range(2)]
        state, left = wait_until_done(query, send_id, seconds=120)
        details = describe(query)
        claimers = query("SELECT COUNT(*) FROM delivery_workerheartbeat")

    assert state == "done", f"send {state}, {left} left: {details}"
    assert claimers[0][0] >= 2, "both workers should have beaten"
    assert set(sink.received) == everyone(recipients)
    assert sink.duplicate_count() == 0


OUTAGE_SECONDS = 30


class SQLiteDiskFull:
    """The data folder on a small tmpfs: a filler file takes every free byte, and a reader
    holding a snapshot keeps the WAL from being reused, so every write needs room it lacks."""

    def __init__(self, tmp_path: Path):
        self.mount = tmp_path / "disk"
        self.mount.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(self.mount)], check=True
        )
        self.filler = self.mount / "filler"
        self.reader: sqlite3.Connection | None = None

    def start(self) -> None:
        self.reader = sqlite3.connect(self.mount / "masthead.sqlite3", timeout=20)
        # An empty WAL file, so that the next writes must grow it (not reuse its old frames).
        self.reader.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        self.reader.execute("BEGIN")
        self.reader.execute("SELECT COUNT(*) FROM delivery_delivery").fetchall()
        with self.filler.open("wb") as filler, contextlib.suppress(OSError):
            block = b"\0" * (1 << 20)
            while True:
                filler.write(block)
                filler.flush()
        with self.filler.open("ab") as filler, contextlib.suppress(OSError):
            while True:  # the last few kilobytes
                filler.write(b"\0" * 4096)
                filler.flush()

    def end(self) -> None:
        self.filler.unlink()
        if self.reader is not None:
            self.reader.rollback()
            self.reader.close()

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.mount)], check=False)


def can_mount_tmpfs(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)], capture_output=True
    )
    if mounted.returncode != 0:
        return False
    subprocess.run(["umount", str(probe)], check=False)
    return True


class PostgresReadOnly:
    """The scratch database turns read-only (as PostgreSQL does for a full disk's writes, or an
    operator for maintenance): every session is cut, and new ones may not write."""

    def __init__(self, server_url: str, database_url: str):
        self.server_url = server_url
        self.name = database_url.rsplit("/", 1)[1]

    def _run(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.server_url, autocommit=True) as db:
            for statement in statements:
                db.execute(statement)

    def _cut_sessions(self) -> str:
        return (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def start(self) -> None:
        self._run(
            f'ALTER DATABASE "{self.name}" SET default_transaction_read_only = on',
            self._cut_sessions(),
        )

    def end(self) -> None:
        self._run(
            f'ALTER DATABASE "{self.name}" RESET default_transaction_read_only',
            self._cut_sessions(),
        )


def test_a_database_that_refuses_writes_for_half_a_minute_repeats_at_most_what_was_in_flight(
    tmp_path,
):
    server_url = postgres_url_of_this_run()
    if not server_url:
        require_service(os.geteuid() == 0 and can_mount_tmpfs(tmp_path), "mounting a tmpfs")
    recipients = 4000
    sink = CountingSink(seconds_per_message=0.002)  # a send of some seconds, to cut into
    disk = None
    data_dir = tmp_path
    try:
        if not server_url:
            disk = SQLiteDiskFull(tmp_path)
            data_dir = disk.mount
        with (
            running(sink, tmp_path) as (workers, log),
            scratch_database(data_dir, server_url) as (database_url, query),
        ):
            env = worker_environment(data_dir, sink, database_url)
            send_id = migrate_and_seed(env, recipients)
            outage = disk or PostgresReadOnly(server_url, database_url)
            workers += [start_worker(env, log) for _ in range(2)]
            deadline = time.monotonic() + 60
            while send_state(query, send_id)[1] > recipients * 0.8:
                assert time.monotonic() < deadline, "the workers never started sending"
                time.sleep(0.05)
            outage.start()
            received_when_full = sum(sink.received.values())
            time.sleep(OUTAGE_SECONDS)
            received_during = sum(sink.received.values()) - received_when_full
            outage.end()
            state, left = wait_until_done(query, send_id, seconds=60 + STALE_SECONDS)
            details = describe(query)
            alive = [worker.poll() is None for worker in workers]
    finally:
        if disk is not None:
            disk.unmount()

    assert state == "done", f"send {state}, {left} left: {details}"
    assert alive == [True, True], "the workers must wait for the database, not exit"
    assert set(sink.received) == everyone(recipients)
    # Each worker stops at the first write it cannot make: at most the message in flight of
    # each is sent during the outage and sent again after it.
    assert received_during <= 2 * 2
    assert sink.duplicate_count() <= 2
