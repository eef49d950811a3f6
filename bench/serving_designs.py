"""Benchmark: the ways `masthead serve` could serve pages, side by side on the demo data.

    .venv/bin/python bench/serving_designs.py [--seconds 8] [--workers 2] [--rounds 2]

Loads the demo publication into a temporary data folder (SQLite, files for the page cache),
then serves it each way with two workers and loads three pages with wrk (-t2, --latency) at 50
and 200 connections: the newest post and the home page as an anonymous reader (stored pages)
and the post signed in (a session row, as a sign-in writes it, sent as a cookie: Django renders).

  wsgi      granian --interface wsgi, masthead.wsgi:application (today's `masthead serve`)
  asgi      granian --interface asgi, masthead.site_asgi:application (pages and chat sockets)
  uvicorn   uvicorn, masthead.site_asgi:application
  uncached  granian --interface wsgi with MASTHEAD_PAGE_CACHE=0
  ceiling   a bare ASGI app on granian returning the post page's bytes

Other programs on the machine lower every number: each design is measured --rounds times,
one round after the other, and every round is printed. Needs wrk (apt install wrk). Ends with
RESULT wsgi_fast_rps=... asgi_fast_rps=... uvicorn_fast_rps=... uncached_rps=... ceiling_rps=...
(the post page, anonymous, 50 connections, best round).
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CONNECTIONS = (50, 200)
WARM_UP_SECONDS = 2

SESSION_SCRIPT = """
import json, django
django.setup()
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from masthead.accounts.models import Person
from masthead.posts.models import Post
post = Post.objects.filter(status="published", kind="post").order_by("-published_at").first()
reader = Person.objects.order_by("pk").first()
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(reader.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
session.save()
print("BUILT " + json.dumps({"post": post.slug, "session": session.session_key}))
"""

CEILING_APP = """
from pathlib import Path
BODY = (Path(__file__).parent / "post_page.html").read_bytes()
HEADERS = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, cookie: str = "") -> tuple[int, bytes, dict]:
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return r.status, r.read(), {k.lower(): v for k, v in r.headers.items()}


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped before answering {url}")
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def command_for(design: str, port: int, workers: int, data_dir: Path) -> list[str]:
    granian = [sys.executable, "-m", "granian", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning", "--no-access-log"]  # fmt: skip
    if design in ("wsgi", "uncached"):
        return [*granian, "--interface", "wsgi", "--no-ws", "masthead.wsgi:application"]
    if design == "asgi":
        return [*granian, "--interface", "asgi", "masthead.site_asgi:application"]
    if design == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--log-level", "warning", "--no-access-log",
                "masthead.site_asgi:application"]  # fmt: skip
    return [*granian, "--interface", "asgi", "--working-dir", str(data_dir), "ceiling_app:app"]


def wrk(url: str, connections: int, seconds: int, cookie: str = "") -> dict:
    headers = ["-H", f"Cookie: sessionid={cookie}"] if cookie else []
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         *headers, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, re.M)[1],
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.M)[1],
        "errors": errors + (int(non_2xx[1]) if non_2xx else 0),
    }


def measure(design, env, data_dir, pages, workers, seconds) -> dict:
    port = free_port()
    env = {**env, "MASTHEAD_PAGE_CACHE": "0" if design == "uncached" else "1"}
    server = subprocess.Popen(
        command_for(design, port, workers, data_dir), env=env, cwd=data_dir,
        stdout=subprocess.DEVNULL, start_new_session=True,  # its workers stop with it
    )  # fmt: skip
    results = {}
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + pages[0][1], server)
        state = fetch(base + pages[0][1])[2].get("x-page-cache", "none")
        print(f"  {design:<9} the anonymous post page after one request: {state}", flush=True)
        for name, path, cookie in pages:
            if design == "ceiling" and name != "post":
                continue
            wrk(base + path, 50, WARM_UP_SECONDS, cookie)
            for connections in CONNECTIONS:
                run = wrk(base + path, connections, seconds, cookie)
                results[(name, connections)] = run
                print(
                    f"  {design:<9} {name:<12} c={connections:<4} {run['rps']:>9,.0f} req/s"
                    f"  p50 {run['p50']:>9}  p99 {run['p99']:>9}  errors {run['errors']}",
                    flush=True,
                )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return results


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--designs", default="wsgi,asgi,uvicorn,uncached,ceiling")
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    data_dir = Path(tempfile.mkdtemp(prefix="masthead-designs-"))
    drop = ("DATABASE_URL", "REDIS_URL", "MASTHEAD_DEBUG", "MASTHEAD_PAGE_CACHE")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_SECRET_KEY="bench-designs-" + "x" * 40,
        MASTHEAD_HTTPS="0",
        MASTHEAD_ALLOWED_HOSTS="127.0.0.1,localhost",
        MASTHEAD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="masthead.settings",
    )
    try:
        subprocess.run(
            [sys.executable, "-m", "masthead", "demo", "--no-serve"], env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        built = subprocess.run(
            [sys.executable, "-c", SESSION_SCRIPT], env=env, check=True, capture_output=True,
            text=True,
        ).stdout  # fmt: skip
        built = json.loads(built.split("BUILT ", 1)[1])
        pages = [
            ("post", f"/p/{built['post']}/", ""),
            ("home", "/", ""),
            ("post signed", f"/p/{built['post']}/", built["session"]),
        ]
        (data_dir / "ceiling_app.py").write_text(CEILING_APP)
        print(f"demo post /p/{built['post']}/; load average {load_average()}", flush=True)
        rounds = []
        for round_number in range(1, options.rounds + 1):
            print(f"round {round_number}", flush=True)
            results = {}
            for design in options.designs.split(","):
                if design == "ceiling":
                    port_probe = measure_post_bytes(env, data_dir, pages, options.workers)
                    (data_dir / "post_page.html").write_bytes(port_probe)
                results[design] = measure(
                    design, env, data_dir, pages, options.workers, options.seconds
                )
            rounds.append(results)
        print(f"load average {load_average()}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print_table(rounds)

    def best(design, page="post", connections=50):
        return max(r[design][(page, connections)]["rps"] for r in rounds if design in r)

    designs = options.designs.split(",")
    names = {"wsgi": "wsgi_fast", "asgi": "asgi_fast", "uvicorn": "uvicorn_fast",
             "uncached": "uncached", "ceiling": "ceiling"}  # fmt: skip
    print("RESULT " + " ".join(f"{names[d]}_rps={best(d):.0f}" for d in designs))


def measure_post_bytes(env, data_dir, pages, workers) -> bytes:
    """The post page's bytes as an anonymous reader gets them, for the ceiling to return."""
    port = free_port()
    server = subprocess.Popen(
        command_for("wsgi", port, workers, data_dir), env=env, cwd=data_dir,
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}{pages[0][1]}"
        wait_until_up(url, server)
        return fetch(url)[1]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def print_table(rounds: list[dict]) -> None:
    keys = [key for key in rounds[0].get("wsgi", next(iter(rounds[0].values())))]
    header = f"{'page':<12} {'c':>4} | " + " | ".join(f"{d:>17}" for d in rounds[0])
    print("\nrequests/s, one round after the other (p50 and p99 are in the lines above)")
    print(header)
    for page, connections in keys:
        cells = []
        for design in rounds[0]:
            runs = [r[design].get((page, connections)) for r in rounds]
            runs = [run for run in runs if run]
            if not runs:
                cells.append(f"{'-':>17}")
                continue
            rps = "/".join(f"{run['rps']:,.0f}" for run in runs)
            cells.append(f"{rps:>17}")
        print(f"{page:<12} {connections:>4} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
