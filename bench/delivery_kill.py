"""Parts of bench/delivery.py: the counting SMTP sink, seeding, and the kill run.

Run as a script only by bench/delivery.py:
    python bench/delivery_kill.py sink PORT STATUS_FILE [DELAY_MS [COUNTS_FILE]]
    python bench/delivery_kill.py seed N    (migrate, seed N readers and one send; print its id)

The kill run: a fresh send to N recipients (a new temporary data folder with its own SQLite
file, or a new PostgreSQL database on the server of --database-url, dropped afterwards), two
`masthead worker` processes, K SIGKILLs of a random one of the two at random moments while
the send is going on, the killed worker restarted at once each time, then a wait until the send
is done. The sink counts what each address received; repeats = messages - distinct addresses,
lost = recipients never received.
"""

import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORKER_COMMAND = [sys.executable, "-m", "masthead", "worker", "--interval", "0.2"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The sink ------------------------------------------------------------------------------------


def run_sink(port: int, status_file: Path, delay_ms: float = 0.0, counts_file: str = "") -> None:
    """The counting SMTP server. Counts every message per recipient address as soon as its data
    has arrived (before answering, so a message whose sender dies waiting for the "250" still
    counts: the pessimistic count of repeats), then waits delay_ms before answering, on that
    connection only (a slower server; other connections go on). Writes "count last_arrival" to
    status_file 10 times a second; on SIGTERM writes {address: times received} as JSON to
    counts_file (when given) and exits. It offers PIPELINING (RFC 2920), as Postfix does."""
    from aiosmtpd.controller import Controller

    delay = delay_ms / 1000

    class Counting:
        def __init__(self):
            self.count, self.last, self.received = 0, 0.0, Counter()

        async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
            # Offered like Postfix does, so the workers' pipelined path is what is measured and
            # killed (aiosmtpd reads pipelined commands one after another as they come).
            session.host_name = hostname
            return [*responses[:-1], "250-PIPELINING", responses[-1]]

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.received.update(envelope.rcpt_tos)
            self.count += len(envelope.rcpt_tos)
            self.last = time.time()
            if delay:
                await asyncio.sleep(delay)
            return "250 OK"

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    temporary = status_file.with_suffix(".tmp")
    while not stopping:
        temporary.write_text(f"{handler.count} {handler.last}")
        temporary.rename(status_file)
        time.sleep(0.1)
    controller.stop()
    if counts_file:
        Path(counts_file).write_text(json.dumps(dict(handler.received)))


def start_sink(port: int, status_file: Path, env: dict, delay_ms: float = 0.0, counts_file=None):
    command = [sys.executable, __file__, "sink", str(port), str(status_file), str(delay_ms)]
    if counts_file:
        command.append(str(counts_file))
    sink = subprocess.Popen(command, env=env)
    while not status_file.exists():
        if sink.poll() is not None:
            raise RuntimeError(f"the SMTP sink exited with {sink.returncode}")
        time.sleep(0.05)
    return sink


def read_sink(status_file: Path) -> tuple[int, float]:
    try:
        count, last = status_file.read_text().split()
    except (FileNotFoundError, ValueError):
        return 0, 0.0
    return int(count), float(last)


def stop_sink(sink: subprocess.Popen) -> None:
    sink.terminate()
    try:
        sink.wait(timeout=30)
    except subprocess.TimeoutExpired:
        sink.kill()
        sink.wait()


# Seeding -------------------------------------------------------------------------------------


def seed(count: int, slug: str):
    """N active subscribers {slug}{n}@example.com of a new publication, and a post to them."""
    from django.utils import timezone

    from masthead.accounts.models import Person
    from masthead.posts.services import create_post
    from masthead.publications.models import Publication
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    publication = Publication.objects.create(name=f"Bench {slug}", slug=slug)
    now = timezone.now()
    for start in range(0, count, 5000):
        people = Person.objects.bulk_create(
            Person(email=f"{slug}{n}@example.com", display_name=f"Reader {n}")
            for n in range(start, min(start + 5000, count))
        )
        Subscription.objects.bulk_create(
            Subscription(
                publication=publication, person=person, status=SubscriptionStatus.ACTIVE,
                confirmed_at=now,
            )
            for person in people
        )  # fmt: skip
    author = Person.objects.create_user(f"writer-{slug}@example.com")
    body = "\n\n".join(
        f"Paragraph {n}: a newsletter of ordinary length, with **some** emphasis and a "
        f"[link](https://example.com/{n})."
        for n in range(12)
    )
    return create_post(publication, [author], title="The weekly build", body_markdown=body)


def seed_send_here(count: int) -> None:
    """In a subprocess with the kill run's environment: migrate, seed, create the send."""
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from masthead.delivery.services.fan_out import create_send

    call_command("migrate", verbosity=0)
    send = create_send(seed(count, "reader"))
    print(send.id, flush=True)


# The kill run --------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(data_dir: Path, server_url: str):
    """(DATABASE_URL for the processes or "" for SQLite under data_dir, a query function).

    With a PostgreSQL server_url: a new database on that server, dropped afterwards."""
    if not server_url:

        def query(sql, params=()):
            with contextlib.closing(
                sqlite3.connect(data_dir / "masthead.sqlite3", timeout=30)
            ) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()

        yield "", query
        return
    import psycopg

    name = f"masthead_bench_kill_{uuid.uuid4().hex[:8]}"
    scratch_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))

    def run_on(url, sql, params=()):
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as db:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    run_on(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield scratch_url, lambda sql, params=(): run_on(scratch_url, sql, params)
    finally:
        run_on(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def send_state(query, send_id: int) -> tuple[str, int]:
    """The send's state and how many of its deliveries are not finished (queued or sending)."""
    state = query("SELECT state FROM delivery_send WHERE id = %s", [send_id])[0][0]
    left = query(
        "SELECT COUNT(*) FROM delivery_delivery WHERE send_id = %s "
        "AND state IN ('queued', 'sending')",
        [send_id],
    )[0][0]
    return state, left


@dataclass
class Kill:
    moment: float  # seconds since the workers started
    pid: int
    left: int  # deliveries queued or being sent just before the kill
    received: int  # messages the sink had received just before the kill


@dataclass
class KillRun:
    recipients: int
    kills: list[Kill] = field(default_factory=list)
    state: str = ""
    left: int = 0
    seconds: float = 0.0  # workers' start to the last message received
    messages: int = 0
    distinct: int = 0
    lost: int = 0

    @property
    def repeats(self) -> int:
        return self.messages - self.distinct

    @property
    def dup_per_kill(self) -> float:
        return self.repeats / len(self.kills) if self.kills else 0.0


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        WORKER_COMMAND, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def sigkill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker process itself (Popen without a shell: its pid is the Python process
    running `masthead worker`), and reap it so its pid is gone."""
    cmdline = Path(f"/proc/{worker.pid}/cmdline").read_bytes().split(b"\0")
    if b"worker" not in cmdline:
        raise RuntimeError(f"pid {worker.pid} is not a masthead worker: {cmdline}")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def wait_for(condition, seconds: float, every: float = 0.02) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def kill_run(
    *,
    recipients: int,
    kills: int,
    base_env: dict,
    server_url: str,
    sink_delay_ms: float,
    progress: int,
    span: float,
    finish_timeout: float,
) -> KillRun:
    """See the module docstring. The kills are spread over the first `span` (a fraction) of the
    messages: kill i comes when the sink's count passes a target drawn with random.uniform in
    the i-th of `kills` equal slices of them, yet at least `progress` messages after the
    previous kill, then random.uniform(0, 0.1) s later; only while deliveries are left."""
    result = KillRun(recipients)
    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-kill-"))
    port = free_port()
    status_file, counts_file = data_dir / "sink-status", data_dir / "sink-counts.json"
    env = {k: v for k, v in base_env.items() if k != "DATABASE_URL"}
    env.update(
        MASTHEAD_DATA_DIR=str(data_dir), MASTHEAD_SMTP_URL=f"smtp://127.0.0.1:{port}?tls=none"
    )
    workers: list[subprocess.Popen] = []
    try:
        with scratch_database(data_dir, server_url) as (database_url, query):
            if database_url:
                env["DATABASE_URL"] = database_url
            sink = start_sink(port, status_file, env, sink_delay_ms, counts_file)
            try:
                seeded = subprocess.run(
                    [sys.executable, __file__, "seed", str(recipients)],
                    env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
                )  # fmt: skip
                if seeded.returncode:
                    raise RuntimeError(f"seeding the kill run failed:\n{seeded.stderr}")
                send_id = int(seeded.stdout.split()[-1])
                started = time.time()
                workers = [start_worker(env) for _ in range(2)]
                slot, previous = span * recipients / kills, 0
                polls = itertools.count(1)

                def has_ended() -> bool:  # asks the database on one poll in 25 only
                    return next(polls) % 25 == 0 and send_state(query, send_id)[1] == 0

                for number in range(1, kills + 1):
                    target = random.uniform((number - 1) * slot, number * slot)
                    target = max(target, previous + progress)
                    wait_for(
                        lambda t=target: read_sink(status_file)[0] >= t or has_ended(),
                        120,
                    )
                    time.sleep(random.uniform(0.0, 0.1))
                    received = read_sink(status_file)[0]
                    left = send_state(query, send_id)[1]
                    if left == 0:
                        print(f"kill {number}: not made, the send had ended", flush=True)
                        break
                    index = random.randrange(len(workers))
                    victim = workers[index]
                    kill = Kill(time.time() - started, victim.pid, left, received)
                    sigkill(victim)
                    previous = received
                    workers[index] = start_worker(env)
                    result.kills.append(kill)
                    print(
                        f"kill {number}: at {kill.moment:.2f} s, worker pid {kill.pid} (SIGKILL), "
                        f"{kill.left:,} deliveries left, {kill.received:,} messages received",
                        flush=True,
                    )
                wait_for(lambda: send_state(query, send_id)[1] == 0, finish_timeout, 0.25)
                # Messages still in flight: until the count holds still for a second.
                before, count = -1, read_sink(status_file)[0]
                while count != before:
                    time.sleep(1.0)
                    before, count = count, read_sink(status_file)[0]
                result.state, result.left = send_state(query, send_id)
                result.seconds = read_sink(status_file)[1] - started
            finally:
                stop_workers(workers)
                stop_sink(sink)
    finally:
        counts = json.loads(counts_file.read_text()) if counts_file.exists() else {}
        shutil.rmtree(data_dir, ignore_errors=True)
    everyone = {f"reader{n}@example.com" for n in range(recipients)}
    result.messages = sum(counts.values())
    result.distinct = len(counts)
    result.lost = len(everyone - set(counts))
    return result


if __name__ == "__main__":
    if sys.argv[1] == "sink":
        run_sink(int(sys.argv[2]), Path(sys.argv[3]), *map(float, sys.argv[4:5]), *sys.argv[5:6])
    elif sys.argv[1] == "seed":
        seed_send_here(int(sys.argv[2]))
