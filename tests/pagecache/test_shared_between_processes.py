"""Two processes sharing Redis (or, embedded, the data folder) see one another's pages and
invalidations at once."""

import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import require_service

REDIS_URL = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
PEER = Path(__file__).with_name("shared_cache_peer.py")


@contextmanager
def peer(environment: dict):
    process = subprocess.Popen(
        [sys.executable, str(PEER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=environment, cwd=Path(__file__).parents[2],
    )  # fmt: skip

    def ask(line: str) -> str:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        return process.stdout.readline().strip()

    try:
        yield ask
    finally:
        process.stdin.close()
        process.wait(timeout=30)


def environment_for(tmp_path, redis_url: str | None) -> dict:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")
    }
    environment.update(
        MASTHEAD_DATA_DIR=str(tmp_path), MASTHEAD_SECRET_KEY="peer-test-key", MASTHEAD_HTTPS="0"
    )
    if redis_url:
        environment["REDIS_URL"] = redis_url
    return environment


def check_two_processes(environment: dict) -> None:
    key, dep = uuid.uuid4().hex, f"pub:test-{uuid.uuid4().hex}"
    with peer(environment) as first, peer(environment) as second:
        assert second("look " + key).split()[0] == "missing"
        assert first(f"store {key} {dep}") == "stored"
        state, body = second("look " + key).split()
        assert state == "fresh"  # the second process never rendered it
        assert body == first("look " + key).split()[1]
        assert second("bump " + dep) == "bumped"
        # The first process holds the page in its own memory too: the bump still reaches it.
        assert first("look " + key).split()[0] == "stale"
        assert second("look " + key).split()[0] == "stale"
        assert second(f"store {key} {dep}") == "stored"
        assert first("look " + key).split()[0] == "fresh"


def test_two_processes_sharing_redis(tmp_path):
    require_service(bool(REDIS_URL), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")
    check_two_processes(environment_for(tmp_path, REDIS_URL))


def test_two_embedded_processes_sharing_the_data_folder(tmp_path):
    check_two_processes(environment_for(tmp_path, None))
