"""`masthead chatserver` on its own, as the demo runs it: one real granian process with the
in-memory channel layer (no Redis), real WebSocket clients, the page's origin on another port."""

import asyncio
import subprocess
import sys

from tests.chat.test_scale_out import ROOT, chat_servers, server_env, thread_crosses_servers


def test_one_chat_server_without_redis_serves_the_room(tmp_path):
    with chat_servers(tmp_path, 1, redis_url=None) as (ports, sessions):
        # Writer and reader on the same server: the in-memory layer is enough.
        asyncio.run(thread_crosses_servers(ports[0], ports[0], sessions))


def test_more_than_one_worker_without_redis_is_refused(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-m", "masthead", "chatserver", "--workers", "2"],
        env=server_env(tmp_path, None), cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert finished.returncode == 2
    assert "--workers above 1 needs REDIS_URL" in finished.stderr
