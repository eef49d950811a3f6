"""Recovering sends whose workers died: orphaned task rows, dead claims, missing task chains.

The end-to-end proof, with real workers killed, is in test_fault_tolerance.py."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState, WorkerHeartbeat
from masthead.delivery.services.claiming import claim_batch
from masthead.delivery.services.control import pause_send
from masthead.delivery.services.fan_out import create_send
from masthead.delivery.services.recovery import recover_sends
from masthead.delivery.services.workers import beat
from masthead.posts.models import PostStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(publication, subscribers):
    return create_send(factories.make_post(publication, "Hello", status=PostStatus.DRAFT))


LIVE_WORKER = "other-host:123:abcd"


@pytest.fixture
def dead_worker_id(settings):
    """A worker whose last heartbeat is older than the stale limit: on this host or not, with a
    pid this process may or may not see, it does not matter."""
    worker_id = "same-host:1:dead"
    beat(worker_id)
    stale = dt.timedelta(seconds=settings.DELIVERY_WORKER_STALE_SECONDS + 1)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=timezone.now() - stale)
    return worker_id


def send_tasks(send):
    return DBTaskResult.objects.filter(args_kwargs__args=[send.id])


def run_as(task, worker_id):
    DBTaskResult.objects.filter(id=task.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=[worker_id], started_at=task.enqueued_at
    )


def test_a_send_whose_tasks_are_gone_gets_its_chains_back(send):
    send_tasks(send).delete()

    restarted = recover_sends()

    assert restarted == [send.id]
    assert send_tasks(send).filter(status=TaskResultStatus.READY).count() == 2


def test_a_send_with_live_chains_gets_no_more_tasks(send):
    first, _ = send_tasks(send)
    beat(LIVE_WORKER)
    run_as(first, LIVE_WORKER)

    restarted = recover_sends()

    assert restarted == []
    assert send_tasks(send).count() == 2


def test_a_task_of_a_dead_worker_is_failed_and_its_chain_replaced(send, dead_worker_id):
    first, second = send_tasks(send)
    run_as(first, dead_worker_id)

    restarted = recover_sends()

    first.refresh_from_db()
    assert first.status == TaskResultStatus.FAILED
    assert restarted == [send.id]
    live = send_tasks(send).filter(status=TaskResultStatus.READY)
    assert live.count() == 2
    assert live.filter(id=second.id).exists()


def test_a_task_of_a_worker_that_never_beat_counts_as_dead(send):
    first, _ = send_tasks(send)
    run_as(first, "an-old-worker:42:beef")

    recover_sends()

    first.refresh_from_db()
    assert first.status == TaskResultStatus.FAILED


def test_claims_of_a_dead_worker_go_back_to_the_queue(send, settings):
    claim_batch(send, "same-host:1:dead", 2)
    claim_batch(send, LIVE_WORKER, 1)
    stale = dt.timedelta(seconds=settings.DELIVERY_WORKER_STALE_SECONDS + 1)
    WorkerHeartbeat.objects.filter(worker_id="same-host:1:dead").update(
        beat_at=timezone.now() - stale
    )

    recover_sends()

    states = dict(Delivery.objects.values_list("claimed_by", "state").distinct())
    assert states == {"": DeliveryState.QUEUED, LIVE_WORKER: DeliveryState.SENDING}


def test_a_paused_send_is_left_alone(send):
    send_tasks(send).delete()
    pause_send(send.id)

    restarted = recover_sends()

    assert restarted == []
    assert not send_tasks(send).exists()
    assert Send.objects.get(id=send.id).state == SendState.PAUSED
