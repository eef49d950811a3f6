"""SIGKILL the real workers mid-send: every reader still gets the post, the only repeats are
the messages not yet recorded when a worker died (two per kill at most), and no one has to resume the
send by hand.

Runs on a SQLite file in a temporary folder, or, when the suite runs on PostgreSQL
(DATABASE_URL), on a fresh PostgreSQL database of its own, dropped afterwards.
"""

import random
import signal
import time

from tests.delivery.worker_processes import (
    STALE_SECONDS,
    TASKS,
    CountingSink,
    describe,
    everyone,
    migrate,
    migrate_and_seed,
    postgres_url_of_this_run,
    scratch_database,
    seed,
    send_state,
    start_worker,
    stop_workers,
    wait_for_progress,
    wait_until_done,
    worker_environment,
)

RECIPIENTS = 12000
KILLS = 3


def test_killed_workers_lose_nothing_and_repeat_only_messages_in_flight(tmp_path):
    sink = CountingSink()
    sink.controller.start()
    workers = []
    log = (tmp_path / "workers.log").open("w")
    with scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query):
        env = worker_environment(tmp_path, sink, database_url)
        try:
            send_id = migrate_and_seed(env, RECIPIENTS)
            workers = [start_worker(env, log) for _ in range(2)]
            randomness = random.Random()
            left_at_kills = []
            while len(left_at_kills) < KILLS:
                # Wait until the workers are sending, then kill one at a random moment.
                wait_for_progress(
                    query, send_id, left_at_kills[-1] if left_at_kills else RECIPIENTS
                )
                time.sleep(randomness.uniform(0.0, 0.6))
                left_at_kills.append(send_state(query, send_id)[1])
                victim = randomness.choice(workers)
                victim.send_signal(signal.SIGKILL)
                victim.wait()  # reaped, so its pid is gone and its claims are seen as abandoned
                workers[workers.index(victim)] = start_worker(env, log)
            state, left = wait_until_done(query, send_id, seconds=45 + STALE_SECONDS)
            details = describe(query)
        finally:
            stop_workers(workers)
            log.close()
            sink.controller.stop()

    assert state == "done", f"send {state}, {left} left, kills at {left_at_kills}: {details}"
    assert set(sink.received) == everyone(RECIPIENTS)
    # Each message is recorded while the next is sent: a kill repeats at most those two.
    assert sink.duplicate_count() <= 2 * KILLS
    assert all(left_at_kills), f"a kill came after the send ended: {left_at_kills}"


def wait_for_running_task(query) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if query(f"SELECT 1 FROM {TASKS} WHERE status = 'RUNNING'"):  # noqa: S608
            return
        time.sleep(0.05)


def test_a_send_whose_task_chains_all_died_goes_on_when_a_worker_starts(tmp_path):
    recipients = 3000
    sink = CountingSink()
    sink.controller.start()
    workers = []
    log = (tmp_path / "workers.log").open("w")
    with scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query):
        env = worker_environment(tmp_path, sink, database_url)
        try:
            send_id = migrate_and_seed(env, recipients)
            workers = [start_worker(env, log)]
            wait_for_progress(query, send_id, recipients)
            wait_for_running_task(query)
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            # The worst moment to die, for every chain: after starting its task and before
            # queueing the next one. Only the killed task's row is left, RUNNING for ever.
            query(f"DELETE FROM {TASKS} WHERE status = 'READY'")  # noqa: S608
            orphaned = query(f"SELECT id FROM {TASKS} WHERE status = 'RUNNING'")  # noqa: S608
            left_at_kill = send_state(query, send_id)[1]
            workers = [start_worker(env, log, "--recover-every", "1")]
            state, left = wait_until_done(query, send_id)
            details = describe(query)
            # The dead worker's task is failed once its heartbeat is stale.
            deadline = time.monotonic() + STALE_SECONDS + 15
            while True:
                orphans_now = query(
                    f"SELECT status FROM {TASKS} WHERE id IN ({', '.join(['%s'] * len(orphaned))})",  # noqa: S608
                    [row[0] for row in orphaned],
                )
                if orphans_now == [("FAILED",)] or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        finally:
            stop_workers(workers)
            log.close()
            sink.controller.stop()

    assert left_at_kill > 0, "the send ended before the kill"
    assert len(orphaned) == 1
    assert state == "done", f"send {state}, {left} left: {details}"
    assert set(sink.received) == everyone(recipients)
    assert sink.duplicate_count() <= 2
    assert orphans_now == [("FAILED",)]


def test_a_running_worker_picks_up_a_send_whose_tasks_were_lost(tmp_path):
    recipients = 500
    sink = CountingSink()
    sink.controller.start()
    workers = []
    log = (tmp_path / "workers.log").open("w")
    with scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query):
        env = worker_environment(tmp_path, sink, database_url)
        try:
            migrate(env)
            workers = [start_worker(env, log, "--recover-every", "0.5")]
            send_id = seed(env, recipients, "--without-tasks")
            state, left = wait_until_done(query, send_id)
            details = describe(query)
        finally:
            stop_workers(workers)
            log.close()
            sink.controller.stop()

    assert state == "done", f"send {state}, {left} left: {details}"
    assert set(sink.received) == everyone(recipients)
    assert sink.duplicate_count() == 0
