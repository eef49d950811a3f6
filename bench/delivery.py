"""Benchmark: one post to N subscribers, end to end, against the ceiling of the SMTP path; then
a kill run: SIGKILLed workers, counting the messages that arrive twice and the ones never sent.

    .venv/bin/python bench/delivery.py [N] [--workers 2] [--ceiling-messages 20000]
        [--database-url postgres://user@host:port/empty_db]
        [--kill-recipients 5000] [--kills 10] [--kill-sink-delay-ms 3] [--kill-timeout 180]
        [--no-kill-run]

Throughput run. Sets up Django on a temporary SQLite data folder (or the empty PostgreSQL
database given), seeds N active subscribers (default 100,000), starts a counting SMTP server
(aiosmtpd) in its own process, measures the queries per message in this process on a
1,000-recipient send, then creates the newsletter send (INSERT ... SELECT fan-out) and runs
`python -m masthead worker` subprocesses until the server has received every message. The
ceiling is a bare loop pushing one identical pre-built message over one smtplib connection into
the same server: no database, no substitution. Peak memory is each process's VmHWM from /proc.

Kill run (bench/delivery_kill.py; skipped with --no-kill-run). A fresh send to
--kill-recipients readers on new data: a new temporary data folder and SQLite file, or, with
--database-url, a new database on the same PostgreSQL server (CREATE DATABASE, DROP DATABASE
... WITH (FORCE) afterwards), so the throughput run's numbers are untouched. Its own SMTP server
counts what each address received. Two workers; --kills times, a random one of the two is
SIGKILLed (the `masthead worker` Python process itself, started without a shell, its
/proc/PID/cmdline checked) and restarted at once. The moments are random and all inside the
send: kill i comes when the server's count passes a target drawn with random.uniform in the
i-th of --kills equal slices of the first 80% of the messages, at least 100 messages after the
previous kill (the workers are sending again), plus random.uniform(0, 0.1) s; a kill whose send
has already ended is not made. So that ten kills have room in a 5,000-message send (about 3 s
at full speed), the kill run's server answers each message --kill-sink-delay-ms late (3 ms, on
that connection only, like a slower remote server; about 5 s of extra sending per worker). The
server counts a message as soon as its data has arrived, before answering, so a message whose
worker died waiting for the "250" counts as received (the pessimistic count of repeats). After
the last kill it waits until no delivery is queued or being sent (or --kill-timeout seconds:
long enough for claims that only return when a dead worker's heartbeat goes stale), then until
the server's count holds still for a second. Each kill is printed (its moment after the workers
started, the victim's pid, deliveries left, messages received) before the result:
repeats = messages received - distinct recipients received; dup_per_kill = repeats / kills;
lost = recipients never received.

Ends with one line (the last three keys only with the kill run):
RESULT recipients=N delivered=N seconds=S rate=R ceiling_rate=C ratio=R/C worker_peak_mb=M
    dup_per_kill=D lost=L kills=K
Exits 1 when the throughput run delivered fewer than N, or the kill run lost a recipient or
did not finish.
"""

import argparse
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from delivery_kill import (
    free_port,
    kill_run,
    read_sink,
    seed,
    start_sink,
    start_worker,
    stop_sink,
    stop_workers,
)

ROOT = Path(__file__).resolve().parent.parent
KILL_PROGRESS = 100  # messages the sink receives after a kill, at least, before the next one
KILL_SPAN = 0.8  # the kills land within the first 80% of the kill run's messages


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n", 1)[0].split()))
    parser.add_argument("recipients", nargs="?", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ceiling-messages", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default="",
        help="run on this (empty, throwaway) PostgreSQL database instead of a temporary SQLite",
    )
    parser.add_argument("--kill-recipients", type=int, default=5000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument(
        "--kill-sink-delay-ms",
        type=float,
        default=3.0,
        help="the kill run's sink answers each message this late (default: %(default)s)",
    )
    parser.add_argument(
        "--kill-timeout",
        type=float,
        default=180.0,
        help="seconds after the last kill to wait for the send to end (default: %(default)s)",
    )
    parser.add_argument("--no-kill-run", action="store_true", help="only the throughput run")
    options = parser.parse_args()

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
    sink = None
    workers: list[subprocess.Popen] = []
    try:
        sink = start_sink(port, status_file, env)
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
                type(
                    "D",
                    (),
                    {
                        "id": 1,
                        "email": "x@example.com",
                        "subscription_id": 1,
                        "gets_full_post": False,
                    },
                )()
            )
        )
        connection.close()

        started = time.time()
        workers = [start_worker(env) for _ in range(options.workers)]
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
        stop_workers(workers)
        if sink:
            stop_sink(sink)
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
    result = (
        f"RESULT recipients={options.recipients} delivered={delivered} seconds={seconds:.1f} "
        f"rate={rate:.0f} ceiling_rate={ceiling_rate:.0f} ratio={rate / ceiling_rate:.2f} "
        f"worker_peak_mb={max(peaks):.0f}"
    )
    is_ok = delivered == options.recipients
    if not options.no_kill_run:
        print(
            f"kill run: {options.kill_recipients:,} recipients, 2 workers, {options.kills} "
            f"SIGKILLs, sink answering {options.kill_sink_delay_ms:g} ms late ...",
            flush=True,
        )
        killed = kill_run(
            recipients=options.kill_recipients,
            kills=options.kills,
            base_env=env,
            server_url=options.database_url,
            sink_delay_ms=options.kill_sink_delay_ms,
            progress=KILL_PROGRESS,
            span=KILL_SPAN,
            finish_timeout=options.kill_timeout,
        )
        print(
            f"kill run:         send {killed.state}, {killed.left:,} deliveries left, last "
            f"message {killed.seconds:.1f} s after the workers started"
        )
        print(
            f"kill run:         {killed.messages:,} messages to {killed.distinct:,} recipients: "
            f"{killed.repeats:,} repeats ({killed.dup_per_kill:.2f} per kill), {killed.lost:,} "
            f"never received"
        )
        result += (
            f" dup_per_kill={killed.dup_per_kill:.2f} lost={killed.lost} kills={len(killed.kills)}"
        )
        is_ok = is_ok and killed.lost == 0 and killed.left == 0
    print(result)
    return 0 if is_ok else 1


if __name__ == "__main__":
    sys.exit(main())
