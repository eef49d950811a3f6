"""`masthead demo` as a newcomer runs it, in real processes: with 8025 held by another program
it still starts, mail reaches its sink, the banner's sign-in link opens the desk, and every
command the banner prints works as printed."""

import contextlib
import http.cookiejar
import os
import queue
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from masthead.demo.ports import is_port_free

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


def clean_environment(**extra) -> dict:
    """This machine's environment without any Masthead or Django setting the suite set, nor the
    CI's database and Redis: a newcomer's demo runs embedded."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("MASTHEAD_", "DJANGO_"))}
    for name in ("PORT", "DATABASE_URL", "REDIS_URL"):
        keep.pop(name, None)
    return {**keep, **extra}


def free_demo_port() -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if all(is_port_free("127.0.0.1", p) for p in (port, port + 1, port + 2)):
            return port
    raise AssertionError("no three free ports in a row")


@pytest.fixture(scope="module")
def port_8025_taken():
    """Another demo, Mailpit or MailHog on 8025 (or whatever already holds it)."""
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8025))
        held.listen()
    except OSError:
        pass  # already held by something else: just as good
    assert not is_port_free("127.0.0.1", 8025)
    yield
    held.close()


@contextlib.contextmanager
def running_demo(data: Path, *options: str):
    """`masthead demo` in its own process until the block ends: (base URL, its banner)."""
    port = free_demo_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "masthead", "demo", "--port", str(port), *options],
        cwd=REPO,
        env=clean_environment(MASTHEAD_DATA_DIR=str(data)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout], daemon=True
    ).start()
    printed = []
    deadline = time.monotonic() + STARTUP_SECONDS
    while not any("Stop with Ctrl-C" in line for line in printed):
        if time.monotonic() > deadline or process.poll() is not None:
            os.killpg(process.pid, signal.SIGTERM)
            pytest.fail("the demo did not start:\n" + "".join(printed))
        with contextlib.suppress(queue.Empty):
            printed.append(lines.get(timeout=1))
    try:
        yield f"http://127.0.0.1:{port}", "".join(printed)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def demo(port_8025_taken, tmp_path_factory):
    """A running demo: (its base URL, its data folder, the banner it printed)."""
    data = tmp_path_factory.mktemp("demo-data")
    with running_demo(data) as (site, banner):
        yield site, data, banner


def browser():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def post_form(opener, url: str, fields: dict):
    """GET the page, then POST its form with the page's CSRF token, as a browser would."""
    page = opener.open(url).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    return opener.open(urllib.request.Request(url, data=body, headers={"Referer": url}))


def test_the_demo_starts_with_8025_taken_and_its_mail_reaches_its_sink(demo):
    site, data, banner = demo
    assert f"is live at {site}/" in banner
    assert "Traceback" not in banner

    response = post_form(browser(), f"{site}/sign-in/", {"email": "reader01@demo.example.com"})

    assert response.status == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        messages = [path.read_bytes() for path in (data / "mail").glob("*.eml")]
        if any(b"reader01@demo.example.com" in message for message in messages):
            break
        time.sleep(0.5)
    else:
        pytest.fail("the sign-in email never reached the demo's mail sink")


def test_the_banners_sign_in_link_opens_the_writers_desk(demo):
    site, _, banner = demo
    link = re.search(rf"({re.escape(site)}/sign-in/\S+)", banner)[1]
    opener = browser()

    desk = post_form(opener, link, {})

    assert desk.status == 200
    assert desk.geturl().startswith(f"{site}/desk/")
    page = desk.read().decode()
    assert "Engineering At Scale" in page and "View site" in page


def test_every_command_the_banner_prints_works_as_printed(demo):
    _, _, banner = demo
    commands = re.findall(r"`([^`]*masthead [^`]+)`", banner)
    assert any(command.endswith("createadmin") for command in commands)

    for command in commands:
        # createadmin asks for an address and a password; here they come from the environment.
        argv = shlex.split(command) + (["--noinput"] if command.endswith("createadmin") else [])
        assignments = [arg for arg in argv if re.match(r"^[A-Z_]+=", arg)]
        argv = argv[len(assignments) :]
        environment = clean_environment(
            **dict(a.split("=", 1) for a in assignments),
            DJANGO_SUPERUSER_EMAIL="admin@demo.example.com",
            DJANGO_SUPERUSER_PASSWORD="a-long-demo-password-42",
        )
        result = subprocess.run(argv, cwd=REPO, env=environment, capture_output=True, text=True)

        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(("taken", "named"), [(0, "PORT"), (1, "PORT+1")])
def test_a_taken_demo_port_ends_with_one_line_naming_it(tmp_path, taken, named):
    port = free_demo_port()
    with socket.socket() as held:
        held.bind(("127.0.0.1", port + taken))
        held.listen()

        result = subprocess.run(
            [sys.executable, "-m", "masthead", "demo", "--port", str(port)],
            env=clean_environment(MASTHEAD_DATA_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert f"port {port + taken}" in line and f"({named})" in line
    assert "PORT=" in line and "--port" in line


def test_a_taken_port_stops_serve_with_one_line(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]

        result = subprocess.run(
            [sys.executable, "-m", "masthead", "serve", "--port", str(port)],
            env=clean_environment(MASTHEAD_DATA_DIR=str(tmp_path)),
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    assert str(port) in line and "PORT=" in line and "--port" in line
