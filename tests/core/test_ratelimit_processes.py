"""Rate limits hold across processes: two real processes counting against one limit together
admit exactly the limit, with the counters in the database (the embedded mode, on SQLite or on
PostgreSQL, whichever this run uses) and in Redis (when it is the cache)."""

import os
import subprocess
import sys
import uuid

from tests.conftest import require_service
from tests.delivery.worker_processes import ROOT, postgres_url_of_this_run, scratch_database

SCRIPT = "tests/core/rate_counting_process.py"
REDIS_URL = os.environ.get("MASTHEAD_TEST_REDIS_URL") or os.environ.get("REDIS_URL")
LIMIT = 40
ATTEMPTS_EACH = 60  # together 120 attempts: each process alone could take the whole limit


def environment(tmp_path, database_url: str | None, redis_url: str | None) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MASTHEAD_", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS"))
    }
    env.update(
        MASTHEAD_DATA_DIR=str(tmp_path),
        MASTHEAD_SECRET_KEY="rate-test-secret",
        MASTHEAD_HTTPS="0",
        MASTHEAD_DB_CONN_MAX_AGE="0",
        PYTHONPATH=str(ROOT / "src"),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def admitted_by_two_processes(env, tmp_path) -> list[int]:
    """Start two counting processes, let them go at once, and return what each admitted."""
    subprocess.run(
        [sys.executable, "-m", "masthead", "migrate", "core", "--no-input", "-v0"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    scope, go_file = f"test-{uuid.uuid4().hex}", tmp_path / "go"
    command = [sys.executable, SCRIPT, scope, str(ATTEMPTS_EACH), str(LIMIT), str(go_file)]
    processes = [
        subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready", process.communicate()[1]
        go_file.touch()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            process.kill()
            process.wait()
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    return [int(output.split()[-1]) for output, _ in outputs]


def test_two_processes_admit_exactly_the_limit_counting_in_the_database(tmp_path):
    with scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, _query):
        admitted = admitted_by_two_processes(environment(tmp_path, database_url, None), tmp_path)

    assert sum(admitted) == LIMIT, admitted


def test_two_processes_admit_exactly_the_limit_counting_in_redis(tmp_path):
    require_service(bool(REDIS_URL), "no Redis: set MASTHEAD_TEST_REDIS_URL=redis://host:port/db")

    admitted = admitted_by_two_processes(environment(tmp_path, None, REDIS_URL), tmp_path)

    assert sum(admitted) == LIMIT, admitted
