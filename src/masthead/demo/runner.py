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
from masthead.demo.ports import PortTaken, check_demo_ports, choose_sink_port

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
    write_demo_environment()
    print(f"Setting up the demo in {data_dir()} ...", flush=True)
    for step in SETUP_STEPS:
        if subprocess.call([sys.executable, "-m", "masthead", *step]) != 0:
            return 1
    if options.no_serve:
        return 0
    web = serve_command(host, port, workers=2)
    # Few threads for one person trying it out, which also spares them granian's warning about
    # more threads than cores.
    web[-1:-1] = ["--blocking-threads", str(2 * (os.cpu_count() or 1) + 1)]
    commands = {
        "web": web,
        "chat": chatserver_command(host, port + 1, workers=1),
        "worker": [sys.executable, "-m", "masthead", "worker"],
    }
    if has_sink:
        commands["mailsink"] = [sys.executable, "-m", "masthead", "mailsink"]
    return supervise(commands, host, port, lambda: banner(host, port, has_sink))


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


def banner(host: str, port: int, has_sink: bool) -> str:
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
        "  Stop with Ctrl-C.\n"
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


def supervise(commands: dict[str, list[str]], host: str, port: int, make_banner) -> int:
    """Run the processes side by side; when one stops (or on Ctrl-C), stop them all."""
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}
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
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return 1 if failed else 0
