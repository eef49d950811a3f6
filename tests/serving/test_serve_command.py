"""`masthead serve`: WSGI by default, pages and chat on one address with --with-chat."""

import os
import subprocess
import sys

from masthead.cli import serve_command, serve_with_chat_command


def test_serve_runs_the_fast_path_under_wsgi_with_a_few_threads():
    command = serve_command("127.0.0.1", 8123, workers=2, threads=6)
    assert command[command.index("--interface") + 1] == "wsgi"
    assert command[command.index("--blocking-threads") + 1] == "6"
    assert command[-1] == "masthead.wsgi:application"


def test_serve_with_chat_runs_one_asgi_app_for_pages_and_sockets():
    command = serve_with_chat_command("127.0.0.1", 8123, workers=1)
    assert command[command.index("--interface") + 1] == "asgi"
    assert command[-1] == "masthead.site_asgi:application"


def test_serve_with_chat_refuses_two_workers_without_redis(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    environment.update(MASTHEAD_DATA_DIR=str(tmp_path), MASTHEAD_SECRET_KEY="serve-test-key")
    result = subprocess.run(
        [sys.executable, "-m", "masthead", "serve", "--with-chat", "--workers", "2", "--port", "1"],
        env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "needs REDIS_URL" in result.stderr
