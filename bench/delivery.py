"""Benchmark: one post to N subscribers, end to end, against the ceiling of the SMTP path.

    .venv/bin/python bench/delivery.py [N] [--workers 2] [--ceiling-messages 20000]
        [--database-url postgres://user@host:port/empty_db]

Sets up Django on a temporary SQLite data folder (or the empty PostgreSQL database given), seeds N active subscribers (default 100,000),
starts a counting SMTP server (aiosmtpd) in its own process, measures the queries per message
in this process on a 1,000-recipient send, then creates the newsletter send (INSERT ... SELECT
fan-out) and runs `python -m masthead worker` subprocesses until the server has received every
message. The ceiling is a bare loop pushing one identical pre-built message over one smtplib
connection into the same server: no database, no substitution.
Peak memory is each process's VmHWM from /proc. Ends with one line:
RESULT recipients=N delivered=N seconds=S rate=R ceiling_rate=C ratio=R/C worker_peak_mb=M
"""

import argparse
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_sink(port: int, status_file: Path) -> None:
    """The counting SMTP server: writes "count last_arrival_time" to status_file 10 times a
    second."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0
        last = 0.0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.count += len(envelope.rcpt_tos)
            self.last = time.time()
            return "250 OK"

    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    temporary = status_file.with_suffix(".tmp")
    while True:
        temporary.write_text(f"{handler.count} {handler.last}")
        temporary.rename(status_file)
        time.sleep(0.1)


def read_sink(status_file: Path) -> tuple[int, float]:
    try:
        count, last = status_file.read_text().split()
    except (FileNotFoundError, ValueError):
        return 0, 0.0
    return int(count), float(last)


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def seed(count: int, slug: str):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("recipients", nargs="?", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ceiling-messages", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default="",
        help="run on this (empty, throwaway) PostgreSQL database instead of a temporary SQLite",
    )
    parser.add_argument("--sink", nargs=2, metavar=("PORT", "STATUS"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.sink:
        run_sink(int(options.sink[0]), Path(options.sink[1]))
        return 0

    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-delivery-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_SECRET_KEY="bench-only-secret-key",
        MASTHEAD_HTTPS="0",
        MASTHEAD_SMTP_URL=f"smtp://127.0.0.1:{port}?tls=none",
        MASTHEAD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="masthead.settings",
    )
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    os.environ.update(env)
    if not options.database_url:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    status_file = data_dir / "sink-status"
    sink = subprocess.Popen(
        [sys.executable, __file__, "--sink", str(port), str(status_file)], env=env
    )
    workers: list[subprocess.Popen] = []
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from masthead.delivery.messages import MessageTemplate
        from masthead.delivery.models import Send
        from masthead.delivery.services.fan_out import create_send
        from masthead.delivery.services.send_task import work_on_send
        from masthead.delivery.services.sending import SendRenderer

        call_command("migrate", verbosity=0)
        while not status_file.exists():
            time.sleep(0.05)

        # Queries per message, measured here on a small send of its own.
        small_post = seed(1000, "probe")
        small = create_send(small_post)
        with CaptureQueriesContext(connection) as queries:
            while work_on_send(small.id, lambda: type("R", (), {"id": None})()) != "done":
                pass
        queries_per_message = len(queries) / 1000
        while read_sink(status_file)[0] < 1000:
            time.sleep(0.05)
        probe_count = read_sink(status_file)[0]

        # The ceiling: one identical pre-built message, one connection, no database.
        sample = Send.objects.get(id=small.id)
        renderer = SendRenderer(sample)
        raw = MessageTemplate(sample, sample.html_template, sample.text_template).render(
            1, "ceiling@example.com", renderer.unsubscribe_url(None)
        )
        smtp = smtplib.SMTP("127.0.0.1", port)
        started = time.perf_counter()
        for _ in range(options.ceiling_messages):
            smtp.sendmail("masthead@localhost", ["ceiling@example.com"], raw)
        ceiling_seconds = time.perf_counter() - started
        smtp.quit()
        ceiling_rate = options.ceiling_messages / ceiling_seconds
        base_count = probe_count + options.ceiling_messages
        while read_sink(status_file)[0] < base_count:
            time.sleep(0.05)

        print(f"seeding {options.recipients:,} subscribers ...", flush=True)
        started = time.perf_counter()
        post = seed(options.recipients, "reader")
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        send = create_send(post)
        fan_out = time.perf_counter() - started
        message_size = len(
            SendRenderer(send).render(
                type("D", (), {"id": 1, "email": "x@example.com", "subscription_id": 1})()
            )
        )
        connection.close()

        started = time.time()
        command = [sys.executable, "-m", "masthead", "worker", "--interval", "0.2"]
        workers = [
            subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for _ in range(options.workers)
        ]
        peaks = [0.0] * len(workers)
        delivered, last = 0, started
        idle_since = time.time()
        while True:
            count, last_arrival = read_sink(status_file)
            current = count - base_count
            if current != delivered:
                delivered, last, idle_since = current, last_arrival, time.time()
            peaks = [max(p, peak_mb(w.pid)) for p, w in zip(peaks, workers, strict=True)]
            if delivered >= options.recipients or time.time() - idle_since > 30:
                break
            time.sleep(0.2)
        seconds = last - started
        peaks = [max(p, peak_mb(w.pid)) for p, w in zip(peaks, workers, strict=True)]
        sink_peak = peak_mb(sink.pid)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        sink.terminate()
        sink.wait()
        shutil.rmtree(data_dir, ignore_errors=True)

    rate = delivered / seconds if seconds > 0 else 0.0
    print(f"seeding:          {seeded:.1f} s ({options.recipients:,} people and subscriptions)")
    print(f"fan-out:          {fan_out:.2f} s (create_send: render once, INSERT ... SELECT)")
    print(f"message size:     {message_size:,} bytes")
    print(f"queries/message:  {queries_per_message:.3f} (1,000-recipient send, in process)")
    print(f"ceiling:          {ceiling_rate:,.0f} msg/s (one connection, identical bytes)")
    print(
        f"end to end:       {delivered:,} delivered in {seconds:.1f} s from worker start "
        f"= {rate:,.0f} msg/s with {options.workers} workers"
    )
    print(f"peak memory (MB): workers {', '.join(f'{p:.0f}' for p in peaks)}; sink {sink_peak:.0f}")
    print(
        f"RESULT recipients={options.recipients} delivered={delivered} seconds={seconds:.1f} "
        f"rate={rate:.0f} ceiling_rate={ceiling_rate:.0f} ratio={rate / ceiling_rate:.2f} "
        f"worker_peak_mb={max(peaks):.0f}"
    )
    return 0 if delivered == options.recipients else 1


if __name__ == "__main__":
    sys.exit(main())
