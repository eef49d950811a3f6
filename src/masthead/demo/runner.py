"""`masthead demo`: set up the demo publication, then run the site, chat, worker and mail sink
side by side, and tell a newcomer where everything is (and how to sign in as its writer)."""

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from masthead.cli import (
    chatserver_command,
    data_dir,
    prepare_local_environment,
    serve_command,
    write_demo_environment,
)
from masthead.demo import content
from masthead.demo.ports import PortTaken, any_free_port, check_demo_ports, choose_sink_port

SETUP_STEPS = (
    ["migrate", "--no-input", "-v0"],
    ["collectstatic", "--no-input", "-v0"],
    ["load_demo"],
)


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead demo")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or "8000"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="set up the data, then exit")
    parser.add_argument(
        "--paid", action="store_true", help="paid plans on a local Stripe stand-in (localstripe)"
    )
    options = parser.parse_args(argv)
    host, port = options.host, options.port
    prepare_local_environment()
    os.environ.setdefault("MASTHEAD_BASE_URL", f"http://{host}:{port}")
    # The demo is for trying things out: anyone who signs in may start a publication.
    os.environ.setdefault("MASTHEAD_PUBLICATION_CREATORS", "anyone")
    has_sink = not os.environ.get("MASTHEAD_SMTP_URL")
    if not options.no_serve:
        try:
            check_demo_ports(host, port)
            if has_sink:
                configured = os.environ.get("MASTHEAD_MAIL_SINK_PORT", "")
                sink_port = choose_sink_port("127.0.0.1", port, configured)
                # Every process (web, worker) and every command beside them sends mail here.
                os.environ["MASTHEAD_MAIL_SINK_PORT"] = str(sink_port)
        except PortTaken as error:
            print(error, file=sys.stderr)
            return 1
        # No proxy in the demo: pages (WSGI) on PORT, the chat's sockets on PORT+1, and the
        # pages are told where to connect.
        os.environ["MASTHEAD_CHAT_PORT"] = str(port + 1)
    started = {}
    if options.paid:
        stand_in = start_stripe_stand_in()
        if stand_in is None:
            return 1
        started["stripe"] = stand_in
    write_demo_environment()
    print(f"Setting up the demo in {data_dir()} ...", flush=True)
    steps = [*SETUP_STEPS, *([["load_demo_paid", f"http://{host}:{port}"]] if options.paid else [])]
    for step in steps:
        if subprocess.call([sys.executable, "-m", "masthead", *step]) != 0:
            stop_all(started)
            return 1
    if options.no_serve:
        stop_all(started)
        return 0
    web = serve_command(host, port, workers=2)
    commands = {
        "web": web,
        "chat": chatserver_command(host, port + 1, workers=1),
        "worker": [sys.executable, "-m", "masthead", "worker"],
    }
    if has_sink:
        commands["mailsink"] = [sys.executable, "-m", "masthead", "mailsink"]
    return supervise(
        commands, host, port, lambda: banner(host, port, has_sink, options.paid), started
    )


# The demo's stand-in keys: localstripe takes any key that looks like Stripe's.
DEMO_STRIPE = {
    "MASTHEAD_STRIPE_SECRET_KEY": "sk_test_masthead_demo",
    "MASTHEAD_STRIPE_PUBLISHABLE_KEY": "pk_test_masthead_demo",
    "MASTHEAD_STRIPE_WEBHOOK_SECRET": "whsec_masthead_demo",
}


def start_stripe_stand_in() -> subprocess.Popen | None:
    """localstripe on a free loopback port, and every process pointed at it; None (with one line
    saying what to do) when it is not installed or does not start."""
    try:
        import localstripe  # noqa: F401
    except ImportError:
        print(
            "masthead: the paid demo needs localstripe: run `make demo PAID=1`, which installs "
            "it, or `pip install localstripe`.",
            file=sys.stderr,
        )
        return None
    port = any_free_port("127.0.0.1")
    process = subprocess.Popen(
        [sys.executable, "-m", "masthead.demo.localstripe_server", "--port", str(port)]
    )
    deadline = time.monotonic() + 20
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        print("masthead: localstripe did not start.", file=sys.stderr)
        stop_all({"stripe": process})
        return None
    os.environ.update(DEMO_STRIPE)
    os.environ["MASTHEAD_STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
    return process


def stop_all(processes: dict) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def masthead_command(*args: str) -> str:
    """A `masthead ...` command line as the reader can paste it: from where they are, with the
    data folder named when it is not the default one."""
    script = Path(sys.executable).parent / "masthead"
    try:
        shown = str(script.relative_to(Path.cwd()))
    except ValueError:
        shown = str(script)
    prefix = ""
    if os.environ.get("MASTHEAD_DATA_DIR"):
        prefix = f"MASTHEAD_DATA_DIR={shlex.quote(str(data_dir()))} "
    return prefix + shlex.join([shown, *args])


def writer_sign_in_url() -> str:
    """A fresh link for the demo's writer (made by `masthead signinlink`, in its own process,
    because this one never loads Django)."""
    result = subprocess.run(
        [sys.executable, "-m", "masthead", "signinlink", content.AUTHOR["email"]],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"(none: {result.stderr.strip().splitlines()[-1:]})"
    return result.stdout.strip()


def banner(host: str, port: int, has_sink: bool, is_paid: bool = False) -> str:
    site = f"http://{host}:{port}"
    if has_sink:
        sink_port = os.environ["MASTHEAD_MAIL_SINK_PORT"]
        mail = (
            f"  Mail:      every message goes to the local sink (smtp://127.0.0.1:{sink_port}); "
            f"read them at {site}/mail/\n"
        )
    else:
        mail = "  Mail:      sent through MASTHEAD_SMTP_URL\n"
    return (
        f"\n  {content.PUBLICATION['name']} is live at {site}/\n"
        f"  Archive:   {site}/archive/\n"
        f"  Chat:      {site}/chat/ (its sockets on port {port + 1})\n"
        f"{mail}"
        f"  Desk:      sign in as the writer, {content.AUTHOR['name']}, with this link "
        "(single use, 15 minutes):\n"
        f"             {writer_sign_in_url()}\n"
        f"             another one: `{masthead_command('signinlink', content.AUTHOR['email'])}`\n"
        f"  Admin:     {site}/admin/ (make a login with `{masthead_command('createadmin')}`)\n"
        + (
            f"  Paid:      plans at {site}/subscribe/ on a local Stripe stand-in "
            f"({os.environ.get('MASTHEAD_STRIPE_API_BASE')}); pay with card 4242 4242 4242 4242, "
            "any future date, any CVC\n"
            if is_paid
            else ""
        )
        + "  Stop with Ctrl-C.\n"
    )


def wait_for_web(host: str, port: int, processes, timeout: float = 30.0) -> bool:
    """True once the site answers connections; False if a process stopped first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes.values()):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return True  # slow, not dead: the loop below notices if it dies


def supervise(
    commands: dict[str, list[str]], host: str, port: int, make_banner, started=None
) -> int:
    """Run the processes side by side (with any `started` already); when one stops (or on
    Ctrl-C), stop them all."""
    processes = dict(started or {})
    processes.update({name: subprocess.Popen(command) for name, command in commands.items()})
    stopping = False
    failed = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        if wait_for_web(host, port, processes):
            print(make_banner(), flush=True)
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None and not stopping:
                    print(f"masthead: {name} stopped (exit {process.returncode}); stopping.")
                    stopping = failed = True
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop_all(processes)
    return 1 if failed else 0
