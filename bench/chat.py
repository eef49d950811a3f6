"""Benchmark: N readers with the chat open on one chat server, writers posting threads, and the
time from a post's send to the last reader's receipt of it. Then the same on two servers
sharing Redis.

    make bench-chat [CLIENTS=5000]
    .venv/bin/python bench/chat.py [N] [--messages 50] [--interval 0.2] [--client-processes 2]
        [--redis-url redis://127.0.0.1:6379/0] [--no-redis] [--server chatserver|granian|uvicorn|...]

Sets up a scratch SQLite database (a publication, N subscribers and a few writers, each signed
in with a session row), starts `masthead chatserver` on loopback (or, with --server, another
server on masthead.chatserver's application, to compare them), and opens the N
sockets from separate client processes (asyncio, the `websockets` package) so the clients are
not the bottleneck. Memory per connection is the server worker's RSS after all N sockets are
open and welcomed minus before, over N. Fan-out latency of a message is the time from the
writer's send to the last reader's receipt; p50 and p99 are over the messages. Writers post
in turn (the rate limit is per person). The server's CPU time per message is printed too:
when the machine is busy with other work, latency measures the machine, CPU time the server.

The two-server run uses REDIS_URL, MASTHEAD_BENCH_REDIS_URL or --redis-url, or starts a
redis-server of its own on a free port; it is skipped when there is none.
Ends with one line, the one-server figures:
RESULT clients=N held=N p50_ms=X p99_ms=Y kb_per_conn=Z
"""

import argparse
import asyncio
import datetime as dt
import json
import math
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = "bench-chat"
ORIGIN = "http://127.0.0.1:8000"
POSTS_PER_WRITER = 25  # under the per-person limit of 30 messages a minute
CONNECT_AT_ONCE = 200  # sockets each client process opens concurrently


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# Setting up -----------------------------------------------------------------------------------


def server_env(data_dir: Path, redis_url: str | None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MASTHEAD_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env.update(
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_SECRET_KEY="bench-chat-secret",
        MASTHEAD_HTTPS="0",
        MASTHEAD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="masthead.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def seed(env: dict, readers: int, writers: int) -> dict:
    """Migrate and seed the scratch database in this process; returns the session keys."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from masthead.accounts.models import Person
    from masthead.publications.models import Membership, Publication, Role
    from masthead.subscriptions.models import Subscription, SubscriptionStatus

    call_command("migrate", "--no-input", verbosity=0)
    with transaction.atomic():
        publication = Publication.objects.create(name="Bench Chat", slug=SLUG)
        people = []
        for n in range(writers + readers):
            person = Person(email=f"person{n}@bench.example", display_name=f"Person {n}")
            person.set_unusable_password()
            people.append(person)
        Person.objects.bulk_create(people, batch_size=500)
        people = list(Person.objects.order_by("id"))
        Membership.objects.bulk_create(
            Membership(publication=publication, person=p, role=Role.OWNER) for p in people[:writers]
        )
        Subscription.objects.bulk_create(
            (
                Subscription(publication=publication, person=p, status=SubscriptionStatus.ACTIVE)
                for p in people[writers:]
            ),
            batch_size=500,
        )
        store = SessionStore()
        expires = timezone.now() + dt.timedelta(days=1)
        sessions = [
            Session(
                session_key=get_random_string(32),
                session_data=store.encode(
                    {
                        SESSION_KEY: str(p.pk),
                        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: p.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for p in people
        ]
        Session.objects.bulk_create(sessions, batch_size=500)
    keys = [s.session_key for s in sessions]
    return {"writers": keys[:writers], "readers": keys[writers:]}


def reset_room() -> None:
    """Between runs: no messages, events or presence rows left from the last one."""
    from masthead.chat.models import ChatEvent, ChatMessage, ChatPresence

    ChatEvent.objects.all().delete()
    ChatMessage.objects.all().delete()
    ChatPresence.objects.all().delete()


APP = "masthead.chatserver:application"
UVICORN = [
    "-m", "uvicorn", "--host", "127.0.0.1", "--lifespan", "off", "--no-access-log",
    "--log-level", "warning", "--backlog", "4096",
]  # fmt: skip
NO_DEFLATE = ["--ws-per-message-deflate", "false"]
# The servers --server can compare; "chatserver" is whatever `masthead chatserver` runs.
SERVERS = {
    "chatserver": ["-m", "masthead", "chatserver"],
    "granian": ["-m", "granian", "--interface", "asginl", "--backlog", "4096",
                "--backpressure", "50000", "--no-access-log", APP],
    "uvicorn": [*UVICORN, "--ws", "websockets-sansio", "--loop", "uvloop", *NO_DEFLATE, APP],
    "uvicorn-asyncio": [*UVICORN, "--ws", "websockets-sansio", "--loop", "asyncio", *NO_DEFLATE,
                        APP],
    "uvicorn-deflate": [*UVICORN, "--ws", "websockets-sansio", "--loop", "uvloop", APP],
    "uvicorn-websockets": [*UVICORN, "--ws", "websockets", "--loop", "uvloop", *NO_DEFLATE, APP],
    "uvicorn-wsproto": [*UVICORN, "--ws", "wsproto", "--loop", "uvloop", *NO_DEFLATE, APP],
    "hypercorn": ["-m", "hypercorn", "--log-level", "warning", APP],
}  # fmt: skip


def server_command(kind: str, port: int) -> list[str]:
    if kind == "hypercorn":
        return [sys.executable, *SERVERS[kind], "--bind", f"127.0.0.1:{port}"]
    return [sys.executable, *SERVERS[kind], "--port", str(port)]


def start_server(env: dict, port: int, log: Path, kind: str = "chatserver") -> subprocess.Popen:
    server = subprocess.Popen(
        server_command(kind, port),
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"chat server exited: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"chat server did not listen on {port}: {log.read_text()}")


def stop(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The processes holding the sockets: a supervisor's workers (granian, hypercorn), or the
    server itself when it has none (uvicorn with one worker)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return [int(pid) for pid in children] or [server.pid]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def servers_rss_kb(servers) -> int:
    return sum(rss_kb(pid) for server in servers for pid in worker_pids(server))


def servers_cpu_seconds(servers) -> float:
    """CPU time the server workers have used: the fan-out's cost even when the machine is
    busy with other work (latency then measures the machine, not the server)."""
    ticks = 0
    for server in servers:
        for pid in worker_pids(server):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# The client processes -------------------------------------------------------------------------


def run_clients(pipe, urls: list[str], session_keys: list[str]) -> None:
    """One client process: open a socket per session key (spread over the urls), report,
    then record when each bench message arrives until told to stop."""
    raise_fd_limit()
    asyncio.run(clients_main(pipe, urls, session_keys))


async def clients_main(pipe, urls, session_keys) -> None:
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    received: list[tuple[int, float]] = []  # (message number, monotonic time)
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    sockets = []
    failures: list[str] = []

    async def open_one(number: int, key: str):
        async with gate:
            try:
                connection = await connect(
                    urls[number % len(urls)],
                    origin=ORIGIN,
                    additional_headers={"Cookie": f"sessionid={key}"},
                    open_timeout=60,
                    ping_interval=None,  # the server is under test, not the keep-alive
                    max_queue=None,
                    compression=None,
                )
                while True:  # up to the welcome
                    frame = json.loads(await connection.recv())
                    if frame["type"] == "welcome":
                        break
                    if frame["type"] == "error":
                        raise RuntimeError(frame["message"])
            except Exception as error:
                failures.append(repr(error))
                return
            sockets.append(connection)

    async def listen(connection):
        try:
            async for text in connection:
                now = time.monotonic()
                # Cheaper than parsing: the clients must not be the bottleneck.
                at = text.find('"client_id": "bench-')
                if at >= 0 and text.startswith('{"type": "event"'):
                    received.append((int(text[at + 20 : at + 26]), now))
        except Exception:
            pass

    await asyncio.gather(*(open_one(n, key) for n, key in enumerate(session_keys)))
    listeners = [asyncio.create_task(listen(s)) for s in sockets]
    pipe.send(("connected", len(sockets), failures[:3], len(failures)))
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    held = sum(1 for s in sockets if s.state.name == "OPEN")
    pipe.send(("done", held, received))
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


# A run ----------------------------------------------------------------------------------------


async def write(url: str, writer_keys: list[str], messages: int, interval: float) -> dict:
    """Post the bench messages, writers taking turns; returns {number: monotonic send time}."""
    from websockets.asyncio.client import connect

    writers = []
    for key in writer_keys:
        connection = await connect(
            url, origin=ORIGIN, additional_headers={"Cookie": f"sessionid={key}"}
        )
        writers.append(connection)
    sent = {}
    acks = 0
    for number in range(messages):
        connection = writers[number // POSTS_PER_WRITER]
        sent[number] = time.monotonic()
        await connection.send(
            json.dumps(
                {
                    "type": "post",
                    "client_id": f"bench-{number:06d}",
                    "body": f"Bench message {number}",
                    "thread_id": None,
                }
            )
        )
        await asyncio.sleep(interval)
    await asyncio.sleep(2)  # the last messages' fan-out
    for connection in writers:
        while True:  # count acks; anything else (errors) is reported
            try:
                frame = json.loads(await asyncio.wait_for(connection.recv(), 0.2))
            except TimeoutError:
                break
            if frame["type"] == "ack":
                acks += 1
            elif frame["type"] == "error":
                print(f"  writer error: {frame['message']}")
        await connection.close()
    return {"sent": sent, "acks": acks}


def one_run(label, urls, servers, sessions, writer_keys, args) -> dict:
    readers = sessions["readers"]
    context = multiprocessing.get_context("spawn")
    # Warm the servers up (imports, templates, the first queries), then measure RSS before.
    asyncio.run(warm_up(urls, writer_keys[0]))
    rss_before = servers_rss_kb(servers)
    pids = [pid for server in servers for pid in worker_pids(server)]
    print(f"  server worker pids (for py-spy): {pids}", flush=True)
    processes = []
    count = args.client_processes
    started = time.monotonic()
    for part in range(count):
        parent, child = context.Pipe()
        keys = readers[part::count]
        process = context.Process(target=run_clients, args=(child, urls, keys), daemon=True)
        process.start()
        processes.append((process, parent))
    connected, failed, reasons = 0, 0, []
    for _, parent in processes:
        _, ok, some_reasons, failures = parent.recv()
        connected += ok
        failed += failures
        reasons += some_reasons
    connect_seconds = time.monotonic() - started
    time.sleep(1.5)  # presence flushes settle
    rss_after = servers_rss_kb(servers)
    cpu_before = servers_cpu_seconds(servers)
    outcome = asyncio.run(write(urls[0], writer_keys, args.messages, args.interval))
    cpu_ms_per_message = (servers_cpu_seconds(servers) - cpu_before) * 1000 / args.messages
    received: list[tuple[int, float]] = []
    held = 0
    for process, parent in processes:
        parent.send("stop")
        _, process_held, process_received = parent.recv()
        held += process_held
        received += process_received
        process.join(timeout=30)
    sent = outcome["sent"]
    last: dict[int, float] = {}
    deliveries: dict[int, int] = {}
    latencies = []
    for number, at in received:
        if number not in sent:
            continue
        last[number] = max(last.get(number, 0.0), at)
        deliveries[number] = deliveries.get(number, 0) + 1
        latencies.append((at - sent[number]) * 1000)
    fan_out = sorted((last[n] - sent[n]) * 1000 for n in last)
    complete = sum(1 for n in sent if deliveries.get(n, 0) == connected)
    result = {
        "clients": len(readers),
        "connected": connected,
        "held": held,
        "failed": failed,
        "connect_s": connect_seconds,
        "messages": len(sent),
        "acks": outcome["acks"],
        "complete": complete,
        "p50_ms": percentile(fan_out, 50),
        "p99_ms": percentile(fan_out, 99),
        "max_ms": fan_out[-1] if fan_out else float("nan"),
        "delivery_p50_ms": percentile(sorted(latencies), 50),
        "delivery_p99_ms": percentile(sorted(latencies), 99),
        "kb_per_conn": (rss_after - rss_before) / max(connected, 1),
        "rss_before_mb": rss_before / 1024,
        "rss_after_mb": rss_after / 1024,
        "cpu_ms_per_message": cpu_ms_per_message,
    }
    print(
        f"{label}: {result['connected']}/{result['clients']} connected in "
        f"{connect_seconds:.1f} s ({failed} failed{': ' + reasons[0] if reasons else ''}), "
        f"{held} held to the end\n"
        f"  {result['messages']} messages, {result['acks']} acked, {complete} reached every "
        f"reader; fan-out (send to last reader) p50 {result['p50_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms; per delivery p50 "
        f"{result['delivery_p50_ms']:.1f} ms, p99 {result['delivery_p99_ms']:.1f} ms\n"
        f"  server RSS {result['rss_before_mb']:.0f} MB before, {result['rss_after_mb']:.0f} MB "
        f"with the sockets open: {result['kb_per_conn']:.1f} KB per connection; server CPU "
        f"{cpu_ms_per_message:.0f} ms per message (its fan-out included)",
        flush=True,
    )
    return result


async def warm_up(urls: list[str], key: str) -> None:
    from websockets.asyncio.client import connect

    for url in urls:
        async with connect(
            url, origin=ORIGIN, additional_headers={"Cookie": f"sessionid={key}"}
        ) as c:
            await c.send(json.dumps({"type": "hello", "after": 0}))
            while json.loads(await c.recv())["type"] != "caught_up":
                pass


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(pct) - 1]


def find_redis(args, folder: Path):
    """(url, the redis-server process this script started or None), or (None, None)."""
    url = (
        args.redis_url or os.environ.get("MASTHEAD_BENCH_REDIS_URL") or os.environ.get("REDIS_URL")
    )
    if url or args.no_redis:
        return url, None
    binary = shutil.which("redis-server")
    if binary is None:
        return None, None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return f"redis://127.0.0.1:{port}/0", process
        except OSError:
            time.sleep(0.1)
    process.kill()
    return None, None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clients", nargs="?", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between posts")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--redis-url")
    parser.add_argument("--no-redis", action="store_true", help="skip the two-server run")
    parser.add_argument(
        "--server",
        choices=sorted(SERVERS),
        default="chatserver",
        help="the server to measure (default: what `masthead chatserver` runs)",
    )
    args = parser.parse_args()
    limit = raise_fd_limit()
    if limit < args.clients + 500:
        print(f"warning: the open-file limit is {limit}; {args.clients} sockets need more")
    folder = Path(tempfile.mkdtemp(prefix="masthead-bench-chat-"))
    print(
        f"Chat fan-out: {args.clients} readers, {args.messages} posts {args.interval} s apart, "
        f"{args.client_processes} client processes, server {args.server}; data in {folder}",
        flush=True,
    )
    redis_url, redis_process = find_redis(args, folder)
    servers = []
    try:
        # Each run has writers of its own: the rate limit counts per person, in Redis too.
        writers = math.ceil(args.messages / POSTS_PER_WRITER)
        sessions = seed(server_env(folder, None), args.clients, 2 * writers)
        first_writers, second_writers = sessions["writers"][:writers], sessions["writers"][writers:]

        port = free_port()
        servers = [start_server(server_env(folder, None), port, folder / "chat-1.log", args.server)]
        url = f"ws://127.0.0.1:{port}/ws/chat/{SLUG}/"
        single = one_run(
            "One server (in-memory channel layer)", [url], servers, sessions, first_writers, args
        )
        stop(servers)
        servers = []

        if redis_url:
            reset_room()
            ports = [free_port(), free_port()]
            env = server_env(folder, redis_url)
            servers = [
                start_server(env, p, folder / f"chat-redis-{p}.log", args.server) for p in ports
            ]
            urls = [f"ws://127.0.0.1:{p}/ws/chat/{SLUG}/" for p in ports]
            double = one_run(
                "Two servers sharing Redis", urls, servers, sessions, second_writers, args
            )
            print(
                f"TWO-SERVERS clients={double['clients']} held={double['held']} "
                f"p50_ms={double['p50_ms']:.1f} p99_ms={double['p99_ms']:.1f} "
                f"kb_per_conn={double['kb_per_conn']:.1f}"
            )
        else:
            print("Two servers sharing Redis: skipped (no REDIS_URL and no redis-server)")
    finally:
        stop(servers)
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"RESULT clients={single['clients']} held={single['held']} "
        f"p50_ms={single['p50_ms']:.1f} p99_ms={single['p99_ms']:.1f} "
        f"kb_per_conn={single['kb_per_conn']:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
