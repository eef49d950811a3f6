"""Keeping sends going after the workers that carried them died: the worker runs this when it
starts, every little while, and after losing the database.

Delivery rows need little help: claims expire (see claiming); here the claims of dead
processes of this host go back to the queue at once. Task rows need more: django-tasks-db leaves a
task whose worker was killed RUNNING for ever, and a send whose every task chain ended that way,
or failed before queueing its successor (the database went away), would wait for someone to
run `masthead sends --resume`. Here each sending send gets back the chains it lacks.
"""

import datetime as dt

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import Delivery, DeliveryState, Send, SendKind, SendState
from masthead.delivery.services.claiming import is_dead_local_process
from masthead.delivery.services.limits import claim_lease, slice_seconds, task_chains

WORKER_DIED = "masthead.delivery.services.recovery.WorkerDied"


def recover_sends() -> list[int]:
    """Fail the task rows of dead local workers, then queue the send task again for every
    sending send with fewer live task chains than it should have; returns those sends' ids.

    Run it in a worker between tasks: this process's own running tasks count as dead.
    """
    fail_orphaned_tasks()
    release_dead_claims()
    restarted = []
    for send_id in Send.objects.filter(state=SendState.SENDING).values_list("id", flat=True):
        if restart_missing_chains(send_id):
            restarted.append(send_id)
    return restarted


def fail_orphaned_tasks() -> int:
    """Mark failed the RUNNING task rows whose worker was a process of this host that is gone."""
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    orphaned = [
        task_id
        for task_id, worker_ids in running.values_list("id", "worker_ids")
        if worker_ids and is_dead_local_process(worker_ids[-1])
    ]
    if not orphaned:
        return 0
    return running.filter(id__in=orphaned).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=WORKER_DIED,
        traceback="The worker running this task died before it finished.",
    )


def release_dead_claims() -> int:
    """Put back in the queue the deliveries that dead processes of this host had claimed, so
    any worker takes them at once (claim_batch would, but only in a run of this very process
    or once the lease ends, for a worker that lost the database but lives on)."""
    claims = Delivery.objects.filter(send__state=SendState.SENDING, state=DeliveryState.SENDING)
    dead = [
        delivery_id
        for delivery_id, claimed_by in claims.values_list("id", "claimed_by")
        if is_dead_local_process(claimed_by)
    ]
    if not dead:
        return 0
    return claims.filter(id__in=dead).update(
        state=DeliveryState.QUEUED, claimed_by="", claimed_at=None
    )


@transaction.atomic
def restart_missing_chains(send_id: int) -> int:
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
    missing = wanted - live_chain_count(send_id, run_send.module_path)
    for _ in range(missing):
        run_send.enqueue(send_id)
    return max(missing, 0)


def live_chain_count(send_id: int, task_path: str) -> int:
    """The send's task rows that will run or are running: each stands for one chain.

    A running task counts unless its worker is a dead process of this host, or it started
    longer ago than any slice of sending lasts (a worker on another host that died)."""
    started_after = timezone.now() - claim_lease() - dt.timedelta(seconds=slice_seconds())
    rows = DBTaskResult.objects.filter(
        task_path=task_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    ).values_list("args_kwargs", "status", "worker_ids", "started_at")
    count = 0
    for args_kwargs, status, worker_ids, started_at in rows:
        if args_kwargs.get("args") != [send_id]:
            continue
        if status == TaskResultStatus.RUNNING and (
            (worker_ids and is_dead_local_process(worker_ids[-1]))
            or started_at is None
            or started_at < started_after
        ):
            continue
        count += 1
    return count
