"""The `masthead` command: everything an operator does, plus Django's own management commands.

masthead demo        set up the demo publication and serve it with its worker and mail sink
masthead serve       the production web server (granian, WSGI)
masthead chatserver  the chat's WebSocket server (granian, ASGI, Channels)
masthead worker      the task worker (django-tasks-db), which also restarts stalled sends
masthead mailsink    a local SMTP server that keeps every message under $DATA_DIR/mail
masthead migrate     apply database migrations
masthead createadmin create the install's superuser (for /admin/ and starting publications)
masthead createpublication --name N --owner EMAIL   start a publication from the shell
masthead <command>   any other Django management command (shell, check, ...)
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ALIASES = {
    "createadmin": "createsuperuser",
    "import-subscribers": "import_subscribers",
    "process-bounces": "process_bounces",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
    data_dir().mkdir(parents=True, exist_ok=True)  # SQLite cannot create its folder
    command = argv[0] if argv else "help"
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        return 0
    if command == "demo":
        return run_demo(argv[1:])
    if command == "serve":
        return run_serve(argv[1:])
    if command == "chatserver":
        return run_chatserver(argv[1:])
    if command == "mailsink":
        return run_mailsink(argv[1:])
    return run_django([ALIASES.get(command, command), *argv[1:]])


def run_django(argv: list[str]) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["masthead", *argv])
    return 0


def data_dir() -> Path:
    return Path(os.environ.get("MASTHEAD_DATA_DIR") or "var").resolve()


def prepare_local_environment() -> None:
    """Defaults for a plain-HTTP install on this machine: a secret kept in the data dir."""
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("MASTHEAD_SECRET_KEY") and not os.environ.get("MASTHEAD_SECRET_KEY_FILE"):
        key_file = folder / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        os.environ["MASTHEAD_SECRET_KEY_FILE"] = str(key_file)
    os.environ.setdefault("MASTHEAD_HTTPS", "0")
    os.environ.setdefault("MASTHEAD_MAIL_VIEWER", "1")


def run_demo(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead demo")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-serve", action="store_true", help="set up the data, then exit")
    options = parser.parse_args(argv)
    prepare_local_environment()
    os.environ.setdefault("MASTHEAD_BASE_URL", f"http://{options.host}:{options.port}")
    # The demo is for trying things out: anyone who signs in may start a publication.
    os.environ.setdefault("MASTHEAD_PUBLICATION_CREATORS", "anyone")
    for step in (["migrate", "--no-input"], ["collectstatic", "--no-input", "-v0"], ["load_demo"]):
        if subprocess.call([sys.executable, "-m", "masthead", *step]) != 0:
            return 1
    if options.no_serve:
        return 0
    sink_port = os.environ.get("MASTHEAD_MAIL_SINK_PORT", "8025")
    # No proxy in the demo: pages (WSGI) on PORT, the chat's sockets on PORT+1, and the pages
    # are told where to connect.
    chat_port = options.port + 1
    os.environ["MASTHEAD_CHAT_PORT"] = str(chat_port)
    return supervise(
        {
            "web": [*serve_command(options.host, options.port, workers=2)],
            "chat": [*chatserver_command(options.host, chat_port, workers=1)],
            "worker": [sys.executable, "-m", "masthead", "worker"],
            "mailsink": [sys.executable, "-m", "masthead", "mailsink"],
        },
        banner=(
            f"\n  Engineering At Scale is live at http://{options.host}:{options.port}/\n"
            f"  Archive:   http://{options.host}:{options.port}/archive/\n"
            f"  Chat:      http://{options.host}:{options.port}/chat/ "
            f"(its sockets on port {chat_port})\n"
            f"  Mail sink: smtp://127.0.0.1:{sink_port}; read what subscribers get at "
            f"http://{options.host}:{options.port}/mail/\n"
            f"  Admin:     http://{options.host}:{options.port}/admin/ "
            "(create a login with `.venv/bin/masthead createadmin`)\n"
            "  Stop with Ctrl-C.\n"
        ),
    )


def serve_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host,
        "--port", str(port), "--workers", str(workers), "--no-ws", "masthead.wsgi:application",
    ]  # fmt: skip


def run_serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead serve")
    parser.add_argument("--host", default=os.environ.get("MASTHEAD_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    options = parser.parse_args(argv)
    if subprocess.call([sys.executable, "-m", "masthead", "collectstatic", "--no-input", "-v0"]):
        return 1
    os.execv(sys.executable, serve_command(options.host, options.port, options.workers))
    return 0  # not reached


# Every open socket is a request in flight for granian, which by default holds backlog/workers
# of them per worker (1,024): raise it, or the 1,025th reader waits for someone to leave.
CHAT_MAX_CONNECTIONS = 50_000


def chatserver_command(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "granian", "--interface", "asginl", "--host", host,
        "--port", str(port), "--workers", str(workers), "--backlog", "4096",
        "--backpressure", str(CHAT_MAX_CONNECTIONS), "--no-access-log", "masthead.chatserver:application",
    ]  # fmt: skip


def run_chatserver(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="masthead chatserver",
        description="Serve the chat's WebSockets (/ws/chat/<publication>/). More than one worker "
        "(or more than one chatserver) needs REDIS_URL, so that they share the rooms.",
    )
    parser.add_argument("--host", default=os.environ.get("MASTHEAD_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("MASTHEAD_CHAT_PORT") or "8001")
    )
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CHAT_WORKERS", "1")))
    options = parser.parse_args(argv)
    if options.workers > 1 and not os.environ.get("REDIS_URL"):
        parser.error("--workers above 1 needs REDIS_URL: without it each worker is its own room")
    os.execv(sys.executable, chatserver_command(options.host, options.port, options.workers))
    return 0  # not reached


def run_mailsink(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead mailsink")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("MASTHEAD_MAIL_SINK_PORT", "8025"))
    )
    options = parser.parse_args(argv)
    from masthead.core.mailsink import serve_forever

    serve_forever(data_dir() / "mail", port=options.port)
    return 0


def supervise(commands: dict[str, list[str]], banner: str) -> int:
    """Run the processes side by side; when one stops (or on Ctrl-C), stop them all."""
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}
    time.sleep(1.5)
    print(banner, flush=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"masthead: {name} stopped (exit {process.returncode}); stopping.")
                    stopping = True
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
