"""Benchmark: the demo archive page served by granian under WSGI and under ASGI.

    make bench-serve        (or: .venv/bin/python bench/serve_pages.py [--seconds 10])

Loads the demo publication into a temporary data folder, then for each interface starts
`granian` with two workers on a free port, loads /archive/ with wrk (2 threads, 50
connections) and prints requests per second and latency. Needs wrk (apt install wrk).
Ends with one line: RESULT wsgi_rps=... asgi_rps=... ratio=...
"""

import argparse
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

PATH = "/archive/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def measure(interface: str, env: dict, seconds: int) -> tuple[float, str]:
    port = free_port()
    app = "masthead.wsgi:application" if interface == "wsgi" else "masthead.asgi:application"
    interface = "asginl" if interface == "asgi" else interface  # Django has no lifespan
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", interface, "--workers", "2",
         "--port", str(port), "--no-ws", "--log-level", "warning", app],
        env=env,
        start_new_session=True,  # its own process group, so its workers stop with it
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}{PATH}"
        wait_until_up(url)
        subprocess.run(["wrk", "-t2", "-c50", "-d2s", url], capture_output=True)  # warm up
        output = subprocess.run(
            ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    p50 = re.search(r"50%\s+(\S+)", output)[1]
    p99 = re.search(r"99%\s+(\S+)", output)[1]
    return rps, f"p50={p50} p99={p99}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    data_dir = tempfile.mkdtemp(prefix="masthead-bench-")
    env = {
        # Its own SQLite database and in-process cache, never the database of the shell.
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "MASTHEAD_DATA_DIR": data_dir,
        "MASTHEAD_SECRET_KEY": "bench-" + "x" * 40,
        "MASTHEAD_HTTPS": "0",
        "DJANGO_SETTINGS_MODULE": "masthead.settings",
    }
    try:
        subprocess.run(
            [sys.executable, "-m", "masthead", "demo", "--no-serve"], env=env, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        results = {}
        for interface in ("wsgi", "asgi"):
            rps, latency = measure(interface, env, options.seconds)
            results[interface] = rps
            print(
                f"{interface}: {rps:,.0f} requests/s on {PATH} ({latency}), granian, 2 workers",
                flush=True,
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    ratio = results["wsgi"] / results["asgi"]
    print(f"RESULT wsgi_rps={results['wsgi']:.0f} asgi_rps={results['asgi']:.0f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
