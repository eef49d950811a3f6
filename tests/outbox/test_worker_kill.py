"""SIGKILL the real worker while a webhook is in flight: every committed event still reaches each
endpoint, signed, with the same bytes on a repeat and first arrivals in event order; the change
that rolled back is never announced.

Runs on a SQLite file in a temporary folder, or, when the suite runs on PostgreSQL
(DATABASE_URL), on a fresh PostgreSQL database of its own, dropped afterwards.
"""

import hashlib
import hmac
import json
import signal
import time
from collections import defaultdict
from types import SimpleNamespace

from tests.delivery.worker_processes import (
    migrate,
    postgres_url_of_this_run,
    scratch_database,
    stop_workers,
    worker_environment,
)
from tests.outbox.kill_harness import HoldingReceiver, seed, start_worker

EVENT_COUNT = 30
PATHS = ["/hooks/a", "/hooks/b"]
HOLD_AT = 13  # the receiver holds its 13th request: the worker is killed while sending it
NO_MAIL = SimpleNamespace(port=9)  # the worker needs an SMTP URL; nothing here sends mail


def event_id(arrival) -> str:
    return json.loads(arrival.body)["id"]


def is_signed_by(secret: str, arrival, now: float) -> bool:
    """A receiver's check, written out: HMAC-SHA256 of "<t>.<body>" and a recent timestamp."""
    parts = dict(part.split("=", 1) for part in arrival.signature.split(",") if "=" in part)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > 300:
        return False
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + arrival.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


def wait_until_all_delivered(query, expected: int, seconds: float = 30) -> list:
    """Until every delivery succeeded; the deliveries not done (empty when all are)."""
    deadline = time.monotonic() + seconds
    while True:
        states = query("SELECT state, COUNT(*) FROM outbox_webhookdelivery GROUP BY state")
        if dict(states) == {"succeeded": expected} or time.monotonic() > deadline:
            return [row for row in states if row[0] != "succeeded"]
        time.sleep(0.1)


def test_a_killed_worker_loses_no_committed_webhook_and_repeats_the_same_bytes(tmp_path):
    workers = []
    log = (tmp_path / "workers.log").open("w")
    with (
        HoldingReceiver(hold_at=HOLD_AT) as receiver,
        scratch_database(tmp_path, postgres_url_of_this_run()) as (database_url, query),
    ):
        env = worker_environment(tmp_path, NO_MAIL, database_url)
        env["MASTHEAD_WEBHOOK_ALLOW_PRIVATE_HOSTS"] = "1"  # the receiver is on loopback
        try:
            migrate(env)
            seeded = seed(env, receiver.base_url, PATHS, EVENT_COUNT)
            workers.append(start_worker(env, log))
            assert receiver.is_holding.wait(30), "the worker never sent the request to hold"
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait()
            arrived_before_kill = len(receiver.snapshot())
            in_flight = query(
                "SELECT COUNT(*) FROM outbox_webhookdelivery "
                "WHERE state = 'pending' AND claim_token <> ''"
            )[0][0]
            receiver.release()
            workers.append(start_worker(env, log))
            not_done = wait_until_all_delivered(query, EVENT_COUNT * len(PATHS))
        finally:
            stop_workers(workers)
            log.close()
        arrivals = receiver.snapshot()
    checked_at = time.time()

    assert not not_done, f"deliveries not done: {not_done}; see {tmp_path / 'workers.log'}"
    assert arrived_before_kill == HOLD_AT
    assert in_flight == 1, "the kill did not land while a delivery was claimed and in flight"
    event_ids = seeded["event_ids"]
    assert len(event_ids) == EVENT_COUNT
    secrets = seeded["endpoints"]
    assert set(secrets) == set(PATHS)

    by_path = defaultdict(list)
    for arrival in arrivals:
        by_path[arrival.path].append(arrival)
    assert set(by_path) == set(PATHS)
    held = arrivals[HOLD_AT - 1]
    for path, received in by_path.items():
        ids = [event_id(arrival) for arrival in received]
        first_arrivals = list(dict.fromkeys(ids))
        assert first_arrivals == event_ids, f"{path}: missing, extra or out of order"
        bodies_by_id = defaultdict(set)
        for arrival in received:
            bodies_by_id[event_id(arrival)].add(arrival.body)
        assert all(len(bodies) == 1 for bodies in bodies_by_id.values()), f"{path}: bytes differ"
        unsigned = [a for a in received if not is_signed_by(secrets[path], a, checked_at)]
        assert not unsigned, f"{path}: {len(unsigned)} requests fail the signature check"
    # The request held at the kill was never recorded as sent, so it went again; nothing else did.
    assert [event_id(a) for a in by_path[held.path]].count(event_id(held)) == 2
    assert len(arrivals) == EVENT_COUNT * len(PATHS) + 1
    rolled_back_id = seeded["rolled_back_id"]
    assert rolled_back_id.startswith("evt_")
    assert rolled_back_id not in event_ids
    assert not [a for a in arrivals if rolled_back_id.encode() in a.body]
    assert not [a for a in arrivals if b'"title":"Post 30"' in a.body]  # the rolled-back post
