"""Restart the PostgreSQL server under two real workers, twice, mid-send: the workers live on,
every reader gets the post, and the only repeats are the messages in flight at a restart.

Needs a PostgreSQL server of its own, which the test restarts (.ci/run starts one):
MASTHEAD_TEST_RESTARTABLE_POSTGRES_URL and MASTHEAD_TEST_POSTGRES_RESTART, a shell command that
stops that server, waits $PG_DOWN_SECONDS and starts it again. The test's own database is left
alone. The wait matters: a server back within a fraction of a second hides what a worker does
when its queries fail for a while (django-tasks-db's own worker crashes).
"""

import os
import subprocess

from tests.conftest import require_service
from tests.delivery.worker_processes import (
    CountingSink,
    describe,
    everyone,
    migrate_and_seed,
    scratch_database,
    send_state,
    start_worker,
    stop_workers,
    wait_for_progress,
    wait_until_done,
    worker_environment,
)

RECIPIENTS = 4000
RESTARTS = 2
WORKERS = 2
DOWN_SECONDS = "2"


def test_workers_survive_postgres_restarting_mid_send(tmp_path):
    server_url = os.environ.get("MASTHEAD_TEST_RESTARTABLE_POSTGRES_URL", "")
    restart_command = os.environ.get("MASTHEAD_TEST_POSTGRES_RESTART", "")
    require_service(
        bool(server_url and restart_command),
        "MASTHEAD_TEST_RESTARTABLE_POSTGRES_URL and MASTHEAD_TEST_POSTGRES_RESTART are not set "
        "(a PostgreSQL server this test may restart, and the shell command restarting it)",
    )
    sink = CountingSink()
    sink.controller.start()
    workers = []
    log_path = tmp_path / "workers.log"
    log = log_path.open("w")
    with scratch_database(tmp_path, server_url) as (database_url, query):
        env = worker_environment(tmp_path, sink, database_url)
        try:
            send_id = migrate_and_seed(env, RECIPIENTS)
            workers = [start_worker(env, log, "--recover-every", "2") for _ in range(WORKERS)]
            left_at_restarts = []
            while len(left_at_restarts) < RESTARTS:
                before = left_at_restarts[-1] if left_at_restarts else RECIPIENTS
                wait_for_progress(query, send_id, before)
                left_at_restarts.append(send_state(query, send_id)[1])
                subprocess.run(
                    restart_command, shell=True, check=True, timeout=60,  # noqa: S602
                    env={**os.environ, "PG_DOWN_SECONDS": DOWN_SECONDS},
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            state, left = wait_until_done(query, send_id, seconds=90)
            details = describe(query)
            exits = [worker.poll() for worker in workers]
        finally:
            stop_workers(workers)
            log.close()
            sink.controller.stop()

    worker_log = log_path.read_text()
    assert exits == [None] * WORKERS, f"a worker died: {exits}\n{worker_log[-3000:]}"
    # The restarts did reach the workers: in their task loop, or while recording a message.
    assert "Lost the database" in worker_log or "Cannot write to the database" in worker_log
    assert all(left_at_restarts), f"a restart came after the send ended: {left_at_restarts}"
    assert state == "done", f"send {state}, {left} left: {details}\n{worker_log[-3000:]}"
    assert set(sink.received) == everyone(RECIPIENTS)
    # Each message is recorded as it is accepted: a restart repeats at most those in flight.
    assert sink.duplicate_count() <= RESTARTS * WORKERS
