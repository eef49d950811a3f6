"""Who is working: one id per process, and a heartbeat row that says it is alive.

A claim on deliveries, or a running task, belongs to a worker id. Another worker may take it
back only when that worker's heartbeat is older than DELIVERY_WORKER_STALE_SECONDS. Nothing
here asks the local kernel about a pid: two containers with host networking (or Kubernetes
hostNetwork pods) share a host name but not a PID namespace, so a pid that is invisible here
may be a live worker next door.
"""

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections
from django.utils import timezone

from masthead.core.db import close_quietly
from masthead.delivery.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HOSTNAME = socket.gethostname()[:40]
_identity: dict[str, object] = {"pid": None, "id": ""}


def current_worker_id() -> str:
    """This process's id, host:pid:random (at most 64 characters); a forked child gets its own."""
    pid = os.getpid()
    if _identity["pid"] != pid:
        _identity["pid"] = pid
        _identity["id"] = f"{HOSTNAME}:{pid}:{os.urandom(6).hex()}"
    return str(_identity["id"])


def adopt_worker_id(worker_id: str) -> None:
    """Use an id given by the operator (`masthead worker --worker-id`) for this process."""
    _identity["pid"] = os.getpid()
    _identity["id"] = worker_id[:64]


def heartbeat_interval() -> float:
    return float(settings.DELIVERY_HEARTBEAT_SECONDS)


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DELIVERY_WORKER_STALE_SECONDS)


def beat(worker_id: str | None = None) -> None:
    """Record that the worker is alive now (creating its row on the first beat)."""
    worker_id = worker_id or current_worker_id()
    now = timezone.now()
    if WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now):
        return
    try:
        WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=now, beat_at=now)
    except IntegrityError:  # another thread of this process created it meanwhile
        WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)


def live_workers(worker_ids) -> set[str]:
    """The ids among `worker_ids` whose heartbeat is fresh, in one query."""
    worker_ids = {worker_id for worker_id in worker_ids if worker_id}
    if not worker_ids:
        return set()
    return set(
        WorkerHeartbeat.objects.filter(
            worker_id__in=worker_ids, beat_at__gte=timezone.now() - stale_after()
        ).values_list("worker_id", flat=True)
    )


def dead_workers(worker_ids, *, me: str | None = None) -> set[str]:
    """The ids among `worker_ids` that are not alive (an empty id, no worker, counts as dead).
    `me` counts as dead too: this process asks between runs, so whatever it left claimed or
    running is over."""
    worker_ids = set(worker_ids)
    return worker_ids - live_workers(worker_ids - {me})


def forget_worker(worker_id: str) -> None:
    """A worker stopping cleanly: its claims become free at once, not after the stale limit."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def forget_long_dead_workers(older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - older_than).delete()
    return deleted


class HeartbeatThread(threading.Thread):
    """Beats for a worker process every few seconds, whatever its main thread is doing (a slow
    relay, a long batch), so a live worker never loses its claims. Database errors (the database
    restarting, a full disk) are logged and the beat is tried again next time."""

    def __init__(self, worker_id: str):
        super().__init__(name="masthead-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    close_old_connections()
                    beat(self.worker_id)
                except DatabaseError as error:
                    logger.warning("Heartbeat of %s not recorded: %s", self.worker_id, error)
                    close_quietly()
                self.stopped.wait(heartbeat_interval())
        finally:
            close_quietly()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=heartbeat_interval() + 5)
