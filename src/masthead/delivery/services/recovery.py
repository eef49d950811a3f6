"""Keeping sends going after the workers that carried them died: the worker runs this when it
starts, every little while, and after losing the database.

A worker is dead when its heartbeat is stale (see workers), wherever it ran. Delivery rows need
little help: claim_batch takes back a dead worker's claims by itself; here they go back to the
queue so that any worker takes them at once. Task rows need more: django-tasks-db leaves a task
whose worker was killed RUNNING for ever, and a send whose every task chain ended that way, or
failed before queueing its successor (the database went away), would wait for someone to run
`masthead sends --resume`. Here each sending send gets back the chains it lacks.
"""

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import Delivery, DeliveryState, Send, SendKind, SendState
from masthead.delivery.services.claiming import dead_claimers
from masthead.delivery.services.limits import task_chains
from masthead.delivery.services.workers import current_worker_id, dead_workers

WORKER_DIED = "masthead.delivery.services.recovery.WorkerDied"


def recover_sends(me: str | None = None) -> list[int]:
    """Fail the task rows of dead workers, put their claims back in the queue, then queue the
    send task again for every sending send with fewer live task chains than it should have;
    returns those sends' ids.

    Run it in a worker between tasks: this process's own running tasks (`me`, by default this
    process's id) count as dead, since it is not running any.
    """
    me = me or current_worker_id()
    fail_orphaned_tasks(me)
    release_dead_claims(me)
    restarted = []
    for send_id in Send.objects.filter(state=SendState.SENDING).values_list("id", flat=True):
        if restart_missing_chains(send_id, me):
            restarted.append(send_id)
    return restarted


def _last_worker(worker_ids) -> str:
    return worker_ids[-1] if worker_ids else ""


def fail_orphaned_tasks(me: str | None = None) -> int:
    """Mark failed the RUNNING task rows whose worker is dead."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    owners = {
        task_id: _last_worker(worker_ids)
        for task_id, worker_ids in running.values_list("id", "worker_ids")
    }
    dead = dead_workers(owners.values(), me=me or current_worker_id())
    orphaned = [task_id for task_id, owner in owners.items() if owner in dead]
    if not orphaned:
        return 0
    return running.filter(id__in=orphaned).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=WORKER_DIED,
        traceback="The worker running this task died before it finished.",
    )


def release_dead_claims(me: str | None = None) -> int:
    """Put back in the queue the deliveries that dead workers had claimed."""
    claims = Delivery.objects.filter(send__state=SendState.SENDING, state=DeliveryState.SENDING)
    dead = dead_claimers(claims, me=me or current_worker_id())
    if not dead:
        return 0
    return claims.filter(claimed_by__in=dead).update(
        state=DeliveryState.QUEUED, claimed_by="", claimed_at=None
    )


@transaction.atomic
def restart_missing_chains(send_id: int, me: str | None = None) -> int:
    """Queue as many send tasks as the send lacks live chains; returns how many were queued.

    The send's row is locked first (on SQLite the immediate transaction does it), so two workers
    recovering at once count each other's tasks and never queue a chain twice.
    """
    from masthead.delivery.tasks import run_send

    send = (
        Send.objects.select_for_update()
        .filter(id=send_id, state=SendState.SENDING)
        .only("id", "kind")
        .first()
    )
    if send is None:
        return 0
    wanted = 1 if send.kind == SendKind.TEST else task_chains()
    missing = wanted - live_chain_count(send_id, run_send.module_path, me)
    for _ in range(missing):
        run_send.enqueue(send_id)
    return max(missing, 0)


def live_chain_count(send_id: int, task_path: str, me: str | None = None) -> int:
    """The send's task rows that will run or are running: each stands for one chain. A running
    task counts while its worker is alive."""
    rows = [
        (status, _last_worker(worker_ids))
        for args_kwargs, status, worker_ids in DBTaskResult.objects.filter(
            task_path=task_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
        ).values_list("args_kwargs", "status", "worker_ids")
        if args_kwargs.get("args") == [send_id]
    ]
    dead = dead_workers(
        {owner for status, owner in rows if status == TaskResultStatus.RUNNING},
        me=me or current_worker_id(),
    )
    return sum(1 for status, owner in rows if status == TaskResultStatus.READY or owner not in dead)


def run_waiting_chains_now(send_id: int) -> int:
    """Bring the send's postponed task rows forward to now (a subject test was decided, so its
    held deliveries can go); returns how many."""
    from masthead.delivery.tasks import run_send

    waiting = [
        task_id
        for task_id, args_kwargs in DBTaskResult.objects.filter(
            task_path=run_send.module_path,
            status=TaskResultStatus.READY,
            run_after__gt=timezone.now(),
        ).values_list("id", "args_kwargs")
        if args_kwargs.get("args") == [send_id]
    ]
    return DBTaskResult.objects.filter(id__in=waiting, status=TaskResultStatus.READY).update(
        run_after=timezone.now()
    )
