"""`masthead worker`: django-tasks-db's worker, made to outlive its peers and the database.

On top of `db_worker` it
- has an id of its own (host:pid:random) and a heartbeat thread that records every few seconds
  that it is alive, so other workers, on any host or in any container, can tell when it died;
- restarts stalled sends (services.recovery) when it starts, every --recover-every seconds,
  and when the database comes back: a killed worker leaves no send waiting for a manual resume;
  imports and exports whose worker died are queued again then too (importers.recovery), and
  webhook deliveries that are due are sent (outbox.services.dispatch_pending), subject tests
  whose time has come pick their winner, automation emails now due are queued, and scheduled
  notes whose task was lost are published;
- rebuilds the stats rollups of today and yesterday every STATS_ROLLUP_SECONDS (default 300),
  so the dashboard is current within minutes; a failed rollup is logged and the worker goes on;
- survives losing the database (a PostgreSQL restart, a network cut): instead of crashing on
  the error it closes its connections, waits and carries on; a task cut short by the error is
  marked failed by the next recovery and its send continues.
"""

import contextlib
import logging
import os
import random
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import InterfaceError, InternalError, OperationalError
from django.tasks import TaskResultStatus
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from masthead.automations.services import run_due_automations
from masthead.core.db import close_all_connections
from masthead.delivery.services.departed import skip_departed_readers
from masthead.delivery.services.recovery import recover_sends
from masthead.delivery.services.sending import record
from masthead.delivery.services.subject_tests import decide_due_tests
from masthead.delivery.services.workers import (
    HeartbeatThread,
    adopt_worker_id,
    beat,
    current_worker_id,
    forget_long_dead_workers,
    forget_worker,
)
from masthead.importers.recovery import requeue_abandoned_runs
from masthead.notes.services import publish_due_notes
from masthead.outbox.services import dispatch_pending
from masthead.stats.rollups import rebuild_recent

logger = logging.getLogger("masthead.worker")


# Losing the database, a full disk, a database turned read-only (InternalError on PostgreSQL).
DATABASE_ERRORS = (OperationalError, InterfaceError, InternalError)


class Worker(db_worker.Worker):
    def __init__(self, *, recover_every: float, reconnect_delay: float, **options):
        super().__init__(**options)
        self.recover_every = recover_every
        self.reconnect_delay = reconnect_delay
        self.next_recovery_at = 0.0  # monotonic; recover at once on start
        self.next_rollup_at = 0.0  # monotonic; roll up the stats at once on start

    def run(self) -> None:
        logger.info("Starting worker %s", self.worker_id)
        record(lambda: beat(self.worker_id))
        heartbeat = HeartbeatThread(self.worker_id)
        heartbeat.start()
        try:
            self.work()
        finally:
            heartbeat.stop()
            with contextlib.suppress(*DATABASE_ERRORS):
                forget_worker(self.worker_id)  # its claims are free at once

    def work(self) -> None:
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers started together
        while self.running:
            try:
                if not self.run_once():
                    return
            except DATABASE_ERRORS as error:
                logger.warning(
                    "Lost the database (%s); trying again in %.1f s",
                    str(error).strip() or type(error).__name__,
                    self.reconnect_delay,
                )
                close_all_connections()
                self.next_recovery_at = 0.0  # whatever the error cut short, pick it up
                if self.running:
                    time.sleep(self.reconnect_delay)

    def run_once(self) -> bool:
        """Recover sends if due, then claim and run one task, as db_worker's loop does; False
        when the worker should stop (--batch with nothing left, or --max-tasks reached)."""
        db_worker.close_old_connections()
        if time.monotonic() >= self.next_recovery_at:
            restarted = recover_sends(self.worker_id)
            forget_long_dead_workers()
            if restarted:
                logger.warning("Restarted the task of stalled sends %s", restarted)
            requeued = requeue_abandoned_runs()
            if requeued:
                logger.warning("Queued again the abandoned %s", ", ".join(requeued))
            # Webhook deliveries due (a retry's time came, or a worker died holding one).
            dispatch_pending(time_budget_seconds=5)
            # Nothing more for readers who left; subject tests whose sample has had its time,
            # and automation emails now due.
            skip_departed_readers()
            decide_due_tests()
            run_due_automations()
            publish_due_notes()  # scheduled notes whose task was lost
            self.next_recovery_at = time.monotonic() + self.recover_every
        if time.monotonic() >= self.next_rollup_at:
            self.roll_up_stats()
        task_result, is_retrieved = self.claim_task()
        if task_result is not None:
            self.run_task(task_result)
        if self.batch and is_retrieved and task_result is None:
            return False
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            return False
        db_worker.close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return True

    def roll_up_stats(self) -> None:
        """Rebuild the stats of today and yesterday; a failure waits for the next round."""
        seconds = settings.STATS_ROLLUP_SECONDS
        self.next_rollup_at = time.monotonic() + seconds
        try:
            # Another worker's rollup of the last half period is fresh enough.
            rebuild_recent(skip_fresher_than=seconds / 2)
        except Exception:
            logger.exception("Could not roll up the stats; trying again in %s s", seconds)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == TaskResultStatus.FAILED:
            # It may have been a send task that failed before queueing its successor.
            self.next_recovery_at = 0.0

    def claim_task(self) -> tuple[DBTaskResult | None, bool]:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):  # SQLite busy: try again next round
                return None, False
            raise
        return task_result, True


class Command(db_worker.Command):
    help = (
        "Run the task worker: django-tasks-db's db_worker that also restarts stalled sends and "
        "survives losing the database."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None)
        parser.add_argument(
            "--recover-every",
            type=float,
            default=30.0,
            help="seconds between looks for sends whose tasks died (default: %(default)s)",
        )
        parser.add_argument(
            "--reconnect-delay",
            type=float,
            default=1.0,
            help="seconds to wait after losing the database (default: %(default)s)",
        )

    def handle(self, *, verbosity, queue_name, exclude_queues, reload, **options) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if options["worker_id"]:
            adopt_worker_id(options["worker_id"])
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            excluded_queue_names=excluded_queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=current_worker_id(),
            recover_every=options["recover_every"],
            reconnect_delay=options["reconnect_delay"],
        )
        if reload and not options["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child the reloader runs
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
