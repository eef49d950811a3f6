"""The `masthead` command: everything an operator does, plus Django's own management commands.

masthead demo        set up the demo publication and serve it with its worker and mail sink
masthead serve       the production web server (granian, WSGI)
masthead chatserver  the chat's WebSocket server (uvicorn, ASGI, Channels)
masthead worker      the task worker (django-tasks-db), which also restarts stalled sends
masthead mailsink    a local SMTP server that keeps every message under $DATA_DIR/mail
masthead migrate     apply database migrations
masthead createadmin create the install's superuser (for /admin/ and starting publications)
masthead createpublication --name N --owner EMAIL   start a publication from the shell
masthead signinlink EMAIL   print a single-use sign-in link for an existing account
masthead import substack|ghost|wordpress FILE... --publication SLUG   move a publication in
masthead import masthead ARCHIVE   restore a publication from a Masthead archive
masthead export --publication SLUG OUT.zip   write everything of a publication to one archive
masthead relink-stripe --publication SLUG   move imported paying readers onto their Stripe subscriptions
masthead <command>   any other Django management command (shell, check, ...)
"""

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

ALIASES = {
    "createadmin": "createsuperuser",
    "import-subscribers": "import_subscribers",
    "process-bounces": "process_bounces",
    "relink-stripe": "relink_stripe",
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
        from masthead.demo.runner import run_demo

        return run_demo(argv[1:])
    if command == "serve":
        return run_serve(argv[1:])
    if command == "chatserver":
        return run_chatserver(argv[1:])
    load_demo_environment()
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


# What `masthead demo` decided (its secret key, address, ports), kept in its data folder so that
# the commands its banner and the README suggest (createadmin, signinlink, shell, worker, ...)
# run beside it with the same settings. Never the servers: serve and chatserver take only the
# environment, so a production install cannot start on a demo's key by accident.
DEMO_ENVIRONMENT_FILE = "demo.env"
DEMO_ENVIRONMENT_KEYS = (
    "MASTHEAD_SECRET_KEY_FILE",
    "MASTHEAD_HTTPS",
    "MASTHEAD_MAIL_VIEWER",
    "MASTHEAD_BASE_URL",
    "MASTHEAD_PUBLICATION_CREATORS",
    "MASTHEAD_CHAT_PORT",
    "MASTHEAD_MAIL_SINK_PORT",
    "MASTHEAD_STRIPE_SECRET_KEY",
    "MASTHEAD_STRIPE_PUBLISHABLE_KEY",
    "MASTHEAD_STRIPE_WEBHOOK_SECRET",
    "MASTHEAD_STRIPE_API_BASE",
)


def write_demo_environment() -> None:
    lines = [f"{key}={os.environ[key]}" for key in DEMO_ENVIRONMENT_KEYS if os.environ.get(key)]
    (data_dir() / DEMO_ENVIRONMENT_FILE).write_text("\n".join(lines) + "\n")


def load_demo_environment() -> None:
    """The demo's settings for this process, under whatever the environment already says."""
    path = data_dir() / DEMO_ENVIRONMENT_FILE
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key not in DEMO_ENVIRONMENT_KEYS or not value:
            continue
        if key == "MASTHEAD_SECRET_KEY_FILE" and os.environ.get("MASTHEAD_SECRET_KEY"):
            continue  # a key given directly wins over the demo's file
        os.environ.setdefault(key, value)


def exit_if_port_taken(program: str, host: str, port: int, setting: str) -> None:
    from masthead.demo.ports import is_port_free

    if not is_port_free(host, port):
        sys.exit(
            f"masthead {program}: port {port} on {host} is in use by another program; "
            f"choose another with {setting}."
        )


# Threads per web worker: pages are mostly CPU (the GIL), so a few threads are enough to overlap
# database waits; hundreds (granian's default allows 256) each hold a database connection and
# starve the one request re-rendering a hot page under a storm.
WEB_THREADS = 8
# Every open socket is a request in flight for granian, which by default holds backlog/workers
# of them per worker (1,024): raise it, or the 1,025th reader waits for someone to leave.
CHAT_MAX_CONNECTIONS = 50_000


def serve_command(host: str, port: int, workers: int, threads: int = WEB_THREADS) -> list[str]:
    """Pages under WSGI, the fast path in front: measured the fastest for stored pages."""
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host,
        "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
        "--no-ws", "masthead.wsgi:application",
    ]  # fmt: skip


def serve_with_chat_command(host: str, port: int, workers: int) -> list[str]:
    """Pages and the chat's sockets on one address (masthead.site_asgi): the same fast path,
    Django in a thread pool (MASTHEAD_WEB_THREADS), Channels for /ws/."""
    return [
        sys.executable, "-m", "granian", "--interface", "asgi", "--host", host,
        "--port", str(port), "--workers", str(workers), "--backlog", "4096",
        "--backpressure", str(CHAT_MAX_CONNECTIONS), "--no-access-log",
        "masthead.site_asgi:application",
    ]  # fmt: skip


def run_serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead serve")
    parser.add_argument("--host", default=os.environ.get("MASTHEAD_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("MASTHEAD_WEB_THREADS") or WEB_THREADS),
        help="threads per worker for Django's requests",
    )
    parser.add_argument(
        "--with-chat",
        action="store_true",
        help="also serve the chat's sockets on the same address (ASGI); more than one worker "
        "needs REDIS_URL, so that the workers share the rooms",
    )
    options = parser.parse_args(argv)
    if options.with_chat and options.workers > 1 and not os.environ.get("REDIS_URL"):
        parser.error(
            "--with-chat with --workers above 1 needs REDIS_URL: each worker would be its own chat room"
        )
    exit_if_port_taken("serve", options.host, options.port, "--port N (or PORT=N)")
    if subprocess.call([sys.executable, "-m", "masthead", "collectstatic", "--no-input", "-v0"]):
        return 1
    if options.with_chat:
        os.environ["MASTHEAD_WEB_THREADS"] = str(options.threads)
        os.environ.pop("MASTHEAD_CHAT_PORT", None)  # the pages' sockets go to their own address
        command = serve_with_chat_command(options.host, options.port, options.workers)
    else:
        command = serve_command(options.host, options.port, options.workers, options.threads)
    os.execv(sys.executable, command)
    return 0  # not reached


def chatserver_command(host: str, port: int, workers: int) -> list[str]:
    # uvicorn with websockets' sans-I/O protocol and no permessage-deflate: about 33 KB a
    # socket against granian's 170 (each compressed socket keeps two zlib contexts); see
    # masthead/chatserver.py and `bench/chat.py --server`.
    return [
        sys.executable, "-m", "uvicorn", "--host", host, "--port", str(port),
        "--workers", str(workers), "--ws", "websockets-sansio", "--ws-per-message-deflate", "false",
        "--loop", "uvloop", "--lifespan", "off", "--backlog", "4096", "--no-access-log",
        "--log-level", "warning", "masthead.chatserver:application",
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
    exit_if_port_taken(
        "chatserver", options.host, options.port, "--port N (or MASTHEAD_CHAT_PORT=N)"
    )
    os.execv(sys.executable, chatserver_command(options.host, options.port, options.workers))
    return 0  # not reached


def run_mailsink(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="masthead mailsink")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("MASTHEAD_MAIL_SINK_PORT", "8025"))
    )
    options = parser.parse_args(argv)
    from masthead.core.mailsink import SinkPortTaken, serve_forever

    try:
        serve_forever(data_dir() / "mail", port=options.port)
    except SinkPortTaken as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
