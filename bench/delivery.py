"""Benchmark: one post to N subscribers, end to end, against the ceiling of the SMTP path; then
a kill run: SIGKILLed workers, counting the messages that arrive twice and the ones never sent.

    .venv/bin/python bench/delivery.py [N] [--workers 2] [--ceiling-messages 20000]
        [--database-url postgres://user@host:port/empty_db]
        [--kill-recipients 5000] [--kills 10] [--kill-sink-delay-ms 3] [--kill-timeout 180]
        [--no-kill-run] [--c-sink-recipients 20000] [--no-c-sink]

Throughput run. Sets up Django on a temporary SQLite data folder (or the empty PostgreSQL
database given), seeds N active subscribers (default 100,000), starts a counting SMTP server
(aiosmtpd, offering PIPELINING) in its own process, measures the queries per message in this
process on a 1,000-recipient send, then creates the newsletter send (INSERT ... SELECT fan-out) and runs
`python -m masthead worker` subprocesses until the server has received every message. The
ceiling is a bare loop pushing one identical pre-built message over one smtplib connection into
the same server: no database, no substitution. Peak memory is each process's VmHWM from /proc.

C sink run (skipped with --no-c-sink, and skipped with a message when /usr/sbin/smtp-sink, from
Debian's postfix package, is not installed). The same measures against Postfix's smtp-sink, a C
server that is not the bottleneck: `smtp-sink -c -u nobody 127.0.0.1:PORT 1000` (-u: it drops
root after binding; -c: it prints "sess=S quit=Q mesg=M" on stdout at each "." received, which
is how the bench counts what arrived). The ceiling (c_sink_ceiling) is --workers bare smtplib
processes, one connection each, pushing the same pre-built message --ceiling-messages times
each, all started together; the rate (c_sink_rate) is --workers `masthead worker` processes on
a new send to --c-sink-recipients readers (default: 20,000, or N when smaller), from the
workers' start until the sink has counted every message.

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
    dup_per_kill=D lost=L kills=K c_sink_rate=R c_sink_ceiling=C c_sink_ratio=R/C
(the c_sink keys only when the C sink run ran). Exits 1 when the throughput run or the C sink
run delivered fewer than their recipients, or the kill run lost a recipient or did not finish.
"""

import argparse
import os
import re
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


C_SINK = Path("/usr/sbin/smtp-sink")
C_SINK_COUNTER = re.compile(rb"mesg=(\d+)\r")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a live process has used (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# The C sink ----------------------------------------------------------------------------------


def start_c_sink(port: int, output: Path) -> subprocess.Popen:
    """Postfix's smtp-sink on 127.0.0.1:port, its running counters written to `output`."""
    command = [str(C_SINK), "-c"]
    if os.geteuid() == 0:  # it refuses to run as root without a user to switch to
        command += ["-u", "nobody"]
    command += [f"127.0.0.1:{port}", "1000"]
    sink = subprocess.Popen(command, stdout=output.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while True:  # ready once it accepts a connection
        if sink.poll() is not None:
            raise RuntimeError(f"smtp-sink exited with {sink.returncode}: {output.read_text()}")
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return sink
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def read_c_sink(output: Path) -> int:
    """Messages smtp-sink has received: its last "mesg=N" counter (-c prints one per ".")."""
    with output.open("rb") as stream:
        stream.seek(max(0, output.stat().st_size - 256))
        counts = C_SINK_COUNTER.findall(stream.read())
    return int(counts[-1]) if counts else 0


def push_here(port: int, message_file: str, count: int) -> None:
    """A ceiling process: connect, say "ready", wait for a line on stdin, push the message
    `count` times on this one connection, print when it started and ended (time.time())."""
    raw = Path(message_file).read_bytes()
    smtp = smtplib.SMTP("127.0.0.1", port)
    smtp.ehlo()
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    for _ in range(count):
        smtp.sendmail("masthead@localhost", ["ceiling@example.com"], raw)
    ended = time.time()
    cpu = time.process_time()
    smtp.quit()
    print(started, ended, cpu, flush=True)


def push_ceiling(
    port: int, raw: bytes, processes: int, each: int, scratch: Path
) -> tuple[float, float]:
    """Messages a second that `processes` bare smtplib processes push together, one connection
    each, the same pre-built bytes: from the first one's start to the last one's end; and their
    CPU time per message (the measure that holds when other work shares the machine)."""
    message_file = scratch / "ceiling-message.eml"
    message_file.write_bytes(raw)
    command = [sys.executable, __file__, "push", str(port), str(message_file), str(each)]
    pushers = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    for pusher in pushers:
        if pusher.stdout.readline().strip() != "ready":
            raise RuntimeError("a ceiling process could not connect to smtp-sink")
    for pusher in pushers:
        pusher.stdin.write("go\n")
        pusher.stdin.flush()
    spans, cpu = [], 0.0
    for pusher in pushers:
        started, ended, used = map(float, pusher.stdout.readline().split())
        spans.append((started, ended))
        cpu += used
        pusher.wait()
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    return processes * each / seconds, cpu / (processes * each)


def wait_for_c_sink(output: Path, target: int, workers, peaks: list[float]) -> tuple[int, float]:
    """Poll until smtp-sink has counted `target` messages (or nothing arrived for 30 s): the
    count and the moment it was reached, and each worker's peak memory meanwhile."""
    count, reached, idle_since = 0, time.time(), time.time()
    while True:
        current = read_c_sink(output)
        if current != count:
            count, reached, idle_since = current, time.time(), time.time()
        peaks[:] = [max(p, peak_mb(w.pid)) for p, w in zip(peaks, workers, strict=True)]
        if count >= target or time.time() - idle_since > 30:
            return count, reached
        time.sleep(0.02)


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
    parser.add_argument("--no-kill-run", action="store_true", help="no kill run")
    parser.add_argument(
        "--c-sink-recipients",
        type=int,
        default=0,
        help="recipients of the C sink run (default: 20,000, or N when smaller)",
    )
    parser.add_argument("--no-c-sink", action="store_true", help="no run against smtp-sink")
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
        stop_workers(workers)
        workers = []

        c_sink = None
        if options.no_c_sink:
            print("C sink run:       skipped (--no-c-sink)")
        elif not C_SINK.exists():
            print(f"C sink run:       skipped: {C_SINK} is not installed (Debian: apt-get install "
                  "postfix)")  # fmt: skip
        else:
            c_recipients = options.c_sink_recipients or min(20_000, options.recipients)
            c_port = free_port()
            c_output = data_dir / "smtp-sink.out"
            c_sink_process = start_c_sink(c_port, c_output)
            try:
                c_ceiling, c_ceiling_cpu = push_ceiling(
                    c_port, raw, options.workers, options.ceiling_messages, data_dir
                )
                c_base = options.workers * options.ceiling_messages
                while read_c_sink(c_output) < c_base:
                    time.sleep(0.05)
                print(f"seeding {c_recipients:,} subscribers for the C sink run ...", flush=True)
                create_send(seed(c_recipients, "creader"))
                connection.close()
                c_env = {**env, "MASTHEAD_SMTP_URL": f"smtp://127.0.0.1:{c_port}?tls=none"}
                c_started = time.time()
                workers = [start_worker(c_env) for _ in range(options.workers)]
                c_peaks = [0.0] * len(workers)
                c_count, c_last = wait_for_c_sink(c_output, c_base + c_recipients, workers, c_peaks)
                c_cpu = sum(cpu_seconds(worker.pid) for worker in workers)
                stop_workers(workers)
                workers = []
                c_delivered = c_count - c_base
                c_seconds = c_last - c_started
                c_sink = (c_recipients, c_delivered, c_seconds, c_ceiling, c_peaks)
                c_cpu_us = (c_cpu / max(c_delivered, 1) * 1e6, c_ceiling_cpu * 1e6)
            finally:
                c_sink_process.terminate()
                c_sink_process.wait()
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
    if c_sink:
        c_recipients, c_delivered, c_seconds, c_ceiling, c_peaks = c_sink
        c_rate = c_delivered / c_seconds if c_seconds > 0 else 0.0
        print(f"C sink ceiling:   {c_ceiling:,.0f} msg/s ({options.workers} smtplib processes)")
        print(
            f"C sink:           {c_delivered:,} delivered in {c_seconds:.1f} s from worker start "
            f"= {c_rate:,.0f} msg/s with {options.workers} workers, ratio "
            f"{c_rate / c_ceiling:.2f}; worker peak MB {', '.join(f'{p:.0f}' for p in c_peaks)}"
        )
        print(
            f"C sink CPU:       {c_cpu_us[0]:,.0f} µs per message in the workers (start-up "
            f"included), {c_cpu_us[1]:,.0f} µs in the ceiling's processes"
        )
        is_ok = is_ok and c_delivered == c_recipients
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
    if c_sink:
        result += (
            f" c_sink_rate={c_rate:.0f} c_sink_ceiling={c_ceiling:.0f} "
            f"c_sink_ratio={c_rate / c_ceiling:.2f}"
        )
    print(result)
    return 0 if is_ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["push"]:
        push_here(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        sys.exit(0)
    sys.exit(main())
