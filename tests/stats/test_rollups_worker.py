"""The worker rebuilds the recent rollups every STATS_ROLLUP_SECONDS, and survives a failure."""

import pytest

from masthead.delivery.management.commands import worker as worker_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(monkeypatch):
    # Only the timer is under test: recovery and task claiming do nothing here.
    for name in ("recover_sends", "requeue_abandoned_runs"):
        monkeypatch.setattr(worker_command, name, lambda *args: [])
    monkeypatch.setattr(worker_command, "forget_long_dead_workers", lambda: None)
    monkeypatch.setattr(worker_command, "dispatch_pending", lambda **kwargs: None)
    monkeypatch.setattr(worker_command.db_worker, "close_old_connections", lambda: None)
    instance = worker_command.Worker(
        queue_names=["default"],
        excluded_queue_names=[],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        recover_every=30.0,
        reconnect_delay=0.0,
    )
    monkeypatch.setattr(instance, "claim_task", lambda: (None, True))
    return instance


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(worker_command.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(worker_command.time, "sleep", lambda seconds: None)
    return now


def test_the_worker_rolls_up_at_start_then_when_due(worker, clock, monkeypatch, settings):
    settings.STATS_ROLLUP_SECONDS = 120
    calls = []
    monkeypatch.setattr(
        worker_command, "rebuild_recent", lambda **options: calls.append((clock[0], options)) or 0
    )

    worker.run_once()
    clock[0] += 119
    worker.run_once()
    clock[0] += 1
    worker.run_once()

    # Another worker's rollup of the last half period counts as fresh.
    assert calls == [(1000.0, {"skip_fresher_than": 60}), (1120.0, {"skip_fresher_than": 60})]


def test_a_failing_rollup_is_logged_and_the_worker_goes_on(worker, clock, monkeypatch, caplog):
    def fail(**options):
        raise RuntimeError("broken rollup")

    monkeypatch.setattr(worker_command, "rebuild_recent", fail)

    assert worker.run_once() is True
    assert "Could not roll up the stats" in caplog.text
    assert worker.next_rollup_at == 1300.0  # the default 300 s
