"""Benchmark: public pages of a large publication under wrk, beside the server's own ceiling.

    make bench-pages        (or: .venv/bin/python bench/pages.py [--small] [--seconds 8]
                             [--workers 2] [--redis-url redis://...] [--keep])

1. Builds the data set of bench/pages_data.py in a temporary data folder (SQLite): one
   publication with 10,000 posts, 100,000 subscribers, a million likes and 100,000 comments,
   beside 100 small publications (`--small`: a twentieth of it). The big publication is the
   primary one (MASTHEAD_PRIMARY_PUBLICATION), so its pages are at "/", "/p/<slug>/", ...
2. Serves it with `masthead serve` (granian WSGI, the page cache's fast path in front of
   Django) and measures with wrk (-t2, --latency, --timeout 10s) the home page, the newest post
   (200 comments), the archive's three tabs, the notes page, and a paying reader signed in (a
   session row written as a sign-in writes it, sent as a cookie) on a paid post and on their
   notes feed: at 50 and 200 connections, warm (after a warm-up) and right after
   `masthead invalidate --publication SLUG`. Each row: requests/s, p50, p99, errors (non-2xx or
   3xx answers plus socket errors, timeouts included); the server's memory (the RSS of all its
   processes) before and after.
3. The same post page with the page cache off (MASTHEAD_PAGE_CACHE=0), for comparison; its
   errors are printed but not counted in the RESULT (they are what the cache is for).
4. The ceiling: a bare ASGI app returning the post page's exact bytes, on granian with the same
   worker count and the same wrk settings, measured right after the warm post page (the
   machine's other load changes by the minute).
5. The storm: 200 connections read the post page for 20 s while one process runs
   `masthead invalidate --publication SLUG --post SLUG` 20 times, one a second; the renders
   are the lines the server appended to MASTHEAD_PAGE_CACHE_RENDER_LOG meanwhile. Then it
   times how long the page takes to be served fresh again (not stuck stale behind a lock).

Then scans the server's output for tracebacks, errors and warnings. Prints the load average
at the start and the end: other programs on the machine lower every number. Needs wrk
(apt install wrk). Ends with one line:
RESULT post_rps=X ceiling_rps=Y ratio=X/Y post_p99_ms=Z errors=E renders_per_invalidation=K scale=full|small
(post_rps and post_p99_ms: the warm post page at 200 connections; errors: all the cached
server's runs and the storm, a run in which no request completed counting as one;
renders_per_invalidation: n/a when the server logged no render; scale: full or small.)
"""

import argparse
import contextlib
import http.client
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
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = (50, 200)
WARM_UP_SECONDS = 2
STORM_INVALIDATIONS = 20
STORM_SECONDS = 20
SMALL_SCALE = 0.05
console = Console(highlight=False, width=150)  # a log file is not 80 columns


@dataclass
class Run:
    page: str
    state: str  # warm, invalidated, uncached, ceiling, storm
    connections: int
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    error_detail: str = ""


@dataclass
class Page:
    name: str
    path: str
    cookie: str = ""  # a signed-in reader's session

    def headers(self) -> list[str]:
        return ["-H", f"Cookie: sessionid={self.cookie}"] if self.cookie else []


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path
    memory_mb: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, page: Page, timeout: float = 30) -> tuple[int, bytes, str]:
    """One GET without following redirects: a 302 to the sign-in page must not pass for a 200.
    Returns the status, the body and the page cache's X-Page-Cache (hit, miss, stale or "")."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Cookie": f"sessionid={page.cookie}"} if page.cookie else {}
        connection.request("GET", page.path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("X-Page-Cache", "")
    finally:
        connection.close()


def wait_until_up(port: int, process: subprocess.Popen, log_path: Path, timeout=120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}):\n{tail(log_path)}")
        try:
            fetch(port, Page("up", "/"), timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"no answer on port {port} after {timeout}s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start(command: list[str], env: dict, log_path: Path, cwd: Path | None = None) -> Server:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its workers stop with it
        )  # fmt: skip
    server = Server(process, port, log_path)
    wait_until_up(port, process, log_path)
    return server


def stop(server: Server) -> None:
    try:
        os.killpg(server.process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def memory_mb(server: Server) -> float:
    """The resident memory of every process in the server's process group, in MB."""
    total_kb = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # The command name is in parentheses and may hold spaces: split after it.
            process_group = int(stat.rsplit(")", 1)[1].split()[2])
            if process_group != server.process.pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue  # ended while we looked
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(match[1]) if match else 0
    return total_kb / 1024


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(port: int, page: Page, connections: int, seconds: int) -> tuple[Run, str]:
    url = f"http://127.0.0.1:{port}{page.path}"
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         *page.headers(), url],
        capture_output=True, text=True,
    )  # fmt: skip
    output = result.stdout
    drain(port, page)
    run = Run(page.name, "", connections)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if result.returncode != 0 or rps is None:
        run.errors, run.error_detail = 1, f"wrk failed: {result.stderr.strip() or output[-300:]}"
        return run, output
    run.rps = float(rps[1])
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    run.p50_ms, run.p99_ms = to_ms(latency.get("50", "0ms")), to_ms(latency.get("99", "0ms"))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    details = []
    if non_2xx:
        run.errors += int(non_2xx[1])
        details.append(f"{non_2xx[1]} non-2xx/3xx")
    if sockets:
        for name, count in zip(
            ("connect", "read", "write", "timeout"), sockets.groups(), strict=True
        ):
            if int(count):
                run.errors += int(count)
                details.append(f"{count} {name}")
    if not run.rps:
        run.errors += 1
        details.append("no request completed")
    run.error_detail = ", ".join(details)
    return run, output


def drain(port: int, page: Page) -> None:
    """Wait for the requests wrk left behind: the server answers them after wrk has gone, and
    the next run must not start behind a queue of a slow page."""
    with contextlib.suppress(OSError):  # the run's errors say what went wrong
        fetch(port, page, timeout=120)


def masthead(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "masthead", *arguments], env=env, capture_output=True, text=True
    )


def render_count(path: Path) -> int:
    try:
        with path.open("rb") as log:
            return sum(1 for _ in log)
    except FileNotFoundError:
        return 0


def check_pages(port: int, pages: list[Page]) -> bytes:
    """Every page answers 200 before it is measured; returns the post page's bytes."""
    post_bytes, sizes = b"", []
    for page in pages:
        status, body, _ = fetch(port, page)
        if status != 200:
            raise SystemExit(f"{page.name} ({page.path}) answered {status}, not 200")
        if page.name == "post":
            post_bytes = body
        sizes.append(f"{page.name} {len(body) / 1024:.0f} KB")
    console.print("  page sizes: " + ", ".join(sizes))
    return post_bytes


def load_note() -> str:
    """Other programs on the machine take CPU from the server and from wrk alike."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    busy = f" [red](busy: above {cores} cores, numbers will be low)[/red]" if load > cores else ""
    return f"load average {load:.1f}{busy}"


def measure_pages(server, ceiling, env: dict, pages: list[Page], publication: str, seconds: int):
    """Each page warm and after an invalidation; the ceiling right after the warm post page, so
    that both meet the same load from whatever else runs on the machine."""
    runs, ceiling_runs, can_invalidate = [], [], True
    for page in pages:
        wrk(server.port, page, CONNECTIONS[0], WARM_UP_SECONDS)
        for connections in CONNECTIONS:
            run, _ = wrk(server.port, page, connections, seconds)
            run.state = "warm"
            runs.append(run)
            print_run(run)
        if page.name == "post":
            ceiling_runs = measure_ceiling(ceiling, seconds)
        for connections in CONNECTIONS:
            if not can_invalidate:
                break
            invalidated = masthead(env, "invalidate", "--publication", publication)
            if invalidated.returncode != 0:
                console.print(
                    "[red]masthead invalidate failed; no after-invalidation rows:[/red] "
                    + (invalidated.stderr.strip().splitlines() or ["?"])[-1]
                )
                can_invalidate = False
                break
            run, _ = wrk(server.port, page, connections, seconds)
            run.state = "invalidated"
            runs.append(run)
            print_run(run)
    return runs, ceiling_runs, can_invalidate


STORM_SCRIPT = """
import time
from django.core.management import call_command
print("ready", flush=True)
started = time.monotonic()
for number in range({count}):
    time.sleep(max(0.0, started + number + 1 - time.monotonic()))
    call_command("invalidate", "--publication", {publication!r}, "--post", {post!r})
print(f"{{number + 1}} invalidations in {{time.monotonic() - started:.1f}}s", flush=True)
"""


def storm(server: Server, env: dict, page: Page, publication: str, render_log: Path):
    """200 readers on the post page while it is invalidated once a second, 20 times."""
    wrk(server.port, page, CONNECTIONS[-1], WARM_UP_SECONDS)  # the page is in the cache
    script = STORM_SCRIPT.format(
        count=STORM_INVALIDATIONS, publication=publication, post=page.path.strip("/").split("/")[-1]
    )
    invalidator = subprocess.Popen(
        [sys.executable, "-m", "masthead", "shell", "-c", script],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    invalidator.stdout.readline()  # Django is set up: the invalidations fall inside wrk's run
    renders_before = render_count(render_log)
    run, _ = wrk(server.port, page, CONNECTIONS[-1], STORM_SECONDS + 2)
    output, errors = invalidator.communicate(timeout=120)
    time.sleep(0.5)  # a render still under way when wrk stopped
    renders = render_count(render_log) - renders_before
    run.state = "storm"
    is_done = invalidator.returncode == 0
    note = ((output if is_done else errors).strip().splitlines() or ["?"])[-1]
    return run, renders, is_done, f"{note}; {seconds_to_fresh(server.port, page)}"


def seconds_to_fresh(port: int, page: Page, timeout: float = 30) -> str:
    """After the storm the page must come back fresh, not stay stale behind a lost render lock."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        _, _, state = fetch(port, page)
        if state != "stale":
            return f"fresh again after {time.monotonic() - started:.1f}s (X-Page-Cache: {state})"
        time.sleep(0.2)
    return f"[red]still stale {timeout:.0f}s after the storm[/red]"


CEILING_APP = '''"""A bare ASGI app returning the post page's bytes: what the server costs by itself."""
from pathlib import Path

BODY = (Path(__file__).parent / "post_page.html").read_bytes()
HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()),
]


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
'''


def start_ceiling(data_dir: Path, post_bytes: bytes, workers: int, env: dict) -> Server:
    (data_dir / "post_page.html").write_bytes(post_bytes)
    (data_dir / "ceiling_app.py").write_text(CEILING_APP)
    return start(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", str(workers),
         "--host", "127.0.0.1", "--port", "{port}", "--no-ws", "--log-level", "warning",
         "--working-dir", str(data_dir), "ceiling_app:app"],
        env, data_dir / "ceiling.log", cwd=data_dir,
    )  # fmt: skip


def measure_ceiling(ceiling: Server, seconds: int) -> list[Run]:
    page = Page("ceiling (bare ASGI)", "/p/same-bytes/")
    wrk(ceiling.port, page, CONNECTIONS[0], WARM_UP_SECONDS)
    runs = []
    for connections in CONNECTIONS:
        run, _ = wrk(ceiling.port, page, connections, seconds)
        run.state = "ceiling"
        runs.append(run)
        print_run(run)
    return runs


def print_run(run: Run) -> None:
    errors = f"  errors {run.errors} ({run.error_detail})" if run.errors else ""
    console.print(
        f"  {run.page:<18} {run.state:<12} c={run.connections:<4} {run.rps:>9,.0f} req/s"
        f"  p50 {run.p50_ms:>8.1f} ms  p99 {run.p99_ms:>8.1f} ms{errors}"
    )


def server_problems(log_path: Path) -> list[str]:
    """Tracebacks, 500s and warnings the server wrote (granian's start-up advice left out)."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [
        line
        for line in text.splitlines()
        if re.search(r"Traceback|Internal Server Error|Error|ERROR|WARNING", line)
        and "Python threads" not in line
    ]


def environment(data_dir: Path, options, render_log: Path) -> dict:
    drop = ("DATABASE_URL", "REDIS_URL", "MASTHEAD_DEBUG", "MASTHEAD_PAGE_CACHE")
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(
        MASTHEAD_DATA_DIR=str(data_dir),
        MASTHEAD_SECRET_KEY="bench-pages-" + "x" * 40,
        MASTHEAD_HTTPS="0",
        MASTHEAD_ALLOWED_HOSTS="127.0.0.1,localhost",
        MASTHEAD_PRIMARY_PUBLICATION="bench-daily",
        MASTHEAD_PAGE_CACHE_RENDER_LOG=str(render_log),
        MASTHEAD_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="masthead.settings",
        PYTHONUNBUFFERED="1",
    )
    if options.redis_url:
        env["REDIS_URL"] = options.redis_url
    return env


def build_data(env: dict, scale: float) -> dict:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pages_data.py"), "--scale", str(scale)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("BUILT ")]
    if result.returncode != 0 or not lines:
        raise SystemExit(f"building the data set failed:\n{result.stderr[-3000:]}")
    built = json.loads(lines[-1].removeprefix("BUILT "))
    built["total_seconds"] = round(time.perf_counter() - started, 1)
    return built


def summary_table(runs: list[Run], title: str) -> Table:
    table = Table(title=title)
    for column in ("page", "state", "conns", "req/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="left" if column in ("page", "state") else "right")
    for run in runs:
        table.add_row(
            run.page, run.state, str(run.connections), f"{run.rps:,.0f}", f"{run.p50_ms:.1f}",
            f"{run.p99_ms:.1f}", f"{run.errors}" + (f" ({run.error_detail})" if run.errors else ""),
        )  # fmt: skip
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk run")
    parser.add_argument("--small", action="store_true", help="a twentieth of the data set")
    parser.add_argument("--redis-url", default="", help="serve with this Redis as the cache")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    options = parser.parse_args()
    if options.seconds < 1 or options.workers < 1:
        parser.error("--seconds and --workers must be at least 1")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    bench_started = time.perf_counter()
    scale_name = "small" if options.small else "full"
    data_dir = Path(tempfile.mkdtemp(prefix="masthead-bench-pages-"))
    render_log = data_dir / "renders.log"
    env = environment(data_dir, options, render_log)
    servers: list[Server] = []
    try:
        console.print(f"building the {scale_name} data set in {data_dir} ... ({load_note()})")
        built = build_data(env, SMALL_SCALE if options.small else 1.0)
        counts = ", ".join(f"{value:,} {key}" for key, value in built["counts"].items())
        console.print(
            f"built in {built['total_seconds']}s (migrate {built['migrate_seconds']}s, "
            f"rows {built['build_seconds']}s): {counts}"
        )
        publication = built["publication"]
        console.print(
            f"routing: {publication} is the primary publication (MASTHEAD_PRIMARY_PUBLICATION),"
            f" served at / on 127.0.0.1; the post page is /p/{built['post']}/ "
            f"({built['post_comments']} comments, {built['post_likes']} likes)"
        )
        cookie = built["reader_session"]
        pages = [
            Page("home", "/"),
            Page("post", f"/p/{built['post']}/"),
            Page("archive latest", "/archive/"),
            Page("archive top", "/archive/?sort=top"),
            Page("archive discuss", "/archive/?sort=discussions"),
            Page("notes", "/notes/"),
            Page("reader paid post", f"/p/{built['paid_post']}/", cookie),
            Page("reader feed", "/notes/feed/", cookie),
        ]
        post_page = pages[1]
        serve = [
            sys.executable, "-m", "masthead", "serve", "--host", "127.0.0.1", "--port", "{port}",
            "--workers", str(options.workers),
        ]  # fmt: skip

        console.print(
            f"\nmasthead serve, {options.workers} workers, page cache on ({load_note()}):"
        )
        server = start(serve, env, data_dir / "server.log")
        servers.append(server)
        post_bytes = check_pages(server.port, pages)
        server.memory_mb.append(memory_mb(server))
        # The ceiling: idle until the post page has been measured, then measured beside it.
        ceiling = start_ceiling(data_dir, post_bytes, options.workers, env)
        servers.append(ceiling)
        runs, ceiling_runs, can_invalidate = measure_pages(
            server, ceiling, env, pages, publication, options.seconds
        )
        stop(ceiling)
        storm_run, renders, storm_done, storm_note = storm(
            server, env, post_page, publication, render_log
        )
        print_run(storm_run)
        console.print(f"  storm: {renders} renders; invalidator: {storm_note}")
        server.memory_mb.append(memory_mb(server))
        stop(server)

        console.print("\nmasthead serve, page cache off (MASTHEAD_PAGE_CACHE=0):")
        uncached = start(serve, {**env, "MASTHEAD_PAGE_CACHE": "0"}, data_dir / "uncached.log")
        servers.append(uncached)
        uncached.memory_mb.append(memory_mb(uncached))
        uncached_runs = []
        wrk(uncached.port, post_page, CONNECTIONS[0], WARM_UP_SECONDS)
        for connections in CONNECTIONS:
            run, _ = wrk(uncached.port, post_page, connections, options.seconds)
            run.page, run.state = "post", "uncached"
            uncached_runs.append(run)
            print_run(run)
        uncached.memory_mb.append(memory_mb(uncached))
        stop(uncached)

        problems = {
            name: server_problems(data_dir / name) for name in ("server.log", "uncached.log")
        }
    finally:
        for server_started in servers:
            stop(server_started)
        if options.keep:
            console.print(f"kept the data folder: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    console.print()
    console.print(
        summary_table(
            [*runs, storm_run, *uncached_runs, *ceiling_runs],
            f"bench-pages, scale={scale_name}, {options.workers} workers, wrk -t2 "
            f"{options.seconds}s per run",
        )
    )
    console.print(
        f"server memory (RSS of all its processes): cached {server.memory_mb[0]:.0f} MB "
        f"before, {server.memory_mb[-1]:.0f} MB after; uncached {uncached.memory_mb[0]:.0f} MB "
        f"before, {uncached.memory_mb[-1]:.0f} MB after"
    )
    for name, lines in problems.items():
        if lines:
            console.print(f"[red]{name}: {len(lines)} problem lines[/red], the first ones:")
            for line in lines[:10]:
                console.print("  " + line, markup=False)
        else:
            console.print(f"{name}: no traceback, no 5xx")
    if not can_invalidate:
        console.print("[red]masthead invalidate failed: no after-invalidation rows[/red]")

    post = next(r for r in runs if r.page == "post" and r.state == "warm" and r.connections == 200)
    ceiling = next(r for r in ceiling_runs if r.connections == 200)
    errors = sum(run.errors for run in runs) + storm_run.errors
    # n/a: the server logged no render (no page cache yet), or the invalidations failed.
    is_counted = renders and storm_done
    per_invalidation = f"{renders / STORM_INVALIDATIONS:.2f}" if is_counted else "n/a"
    ratio = post.rps / ceiling.rps if ceiling.rps else 0.0
    console.print(f"at the end: {load_note()}")
    console.print(
        f"scale={scale_name} build_s={built['total_seconds']} "
        f"bench_s={time.perf_counter() - bench_started:.0f}"
    )
    print(
        f"RESULT post_rps={post.rps:.0f} ceiling_rps={ceiling.rps:.0f} ratio={ratio:.3f} "
        f"post_p99_ms={post.p99_ms:.1f} errors={errors} "
        f"renders_per_invalidation={per_invalidation} scale={scale_name}"
    )


if __name__ == "__main__":
    main()
