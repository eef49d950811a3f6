"""One run of the send task: a slice of sending, after queueing its successor, and when to
look again when there is nothing to do yet."""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from masthead.delivery import rate
from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.limits import sized_batch, slice_seconds, smtp_retry_delay
from masthead.delivery.services.progress import finish_send_if_complete, unfinished_deliveries
from masthead.delivery.services.sending import SendRenderer, asynchronous_commits, deliver_batch
from masthead.delivery.services.workers import current_worker_id, stale_after
from masthead.delivery.transport import TransportUnavailable, open_transport

logger = logging.getLogger(__name__)


def next_due_at(send_id: int):
    """When work that is not claimable yet may become claimable: a retry falling due, or, while
    other workers hold claims, a look a little later in case one of them died."""
    now = timezone.now()
    retry_at = (
        Delivery.objects.filter(send_id=send_id, state=DeliveryState.QUEUED, is_held=False)
        .aggregate(at=Min("next_attempt_at"))
        .get("at")
    )
    recheck_at = None
    if Delivery.objects.filter(send_id=send_id, state=DeliveryState.SENDING).exists():
        recheck_at = now + dt.timedelta(seconds=settings.DELIVERY_RECHECK_SECONDS)
    moments = [moment for moment in (retry_at, recheck_at, _held_until(send_id, now)) if moment]
    return max(min(moments, default=now + stale_after()), now)


def _held_until(send_id: int, now):
    """When a subject test's held deliveries may go: its decision time, or, when that has passed
    and the decision is late, a little later (the decision brings the chain forward itself)."""
    if not Delivery.objects.filter(
        send_id=send_id, state=DeliveryState.QUEUED, is_held=True
    ).exists():
        return None
    decide_at = Send.objects.filter(id=send_id).values_list("test_decide_at", flat=True).first()
    later = now + dt.timedelta(seconds=settings.DELIVERY_RECHECK_SECONDS)
    return max(decide_at, later) if decide_at else later


def work_on_send(send_id: int, enqueue_successor) -> str:
    """One slice of a send's work, run by the send task.

    The successor task is written first, so that whatever happens to this process the send goes
    on; it is postponed when there is nothing to do yet (SMTP down, retries not due).
    """
    send = Send.objects.select_related("publication").filter(id=send_id).first()
    if send is None or send.state != SendState.SENDING:
        return "not sending"
    if not unfinished_deliveries(send_id).exists():
        finish_send_if_complete(send_id)
        return "done"
    successor = enqueue_successor()
    try:
        smtp = open_transport()
    except TransportUnavailable as error:
        logger.warning("Send %s waits for the mail server: %s", send_id, error)
        _postpone(successor, timezone.now() + smtp_retry_delay())
        return "smtp unavailable"
    worker_id = current_worker_id()
    renderer = SendRenderer(send)
    deadline = time.monotonic() + slice_seconds()
    claimed_any = False
    try:
        with asynchronous_commits():
            claimed_any = _send_for_a_while(send, worker_id, smtp, renderer, deadline, successor)
    except _SliceEnded as ended:
        return ended.outcome
    except TransportUnavailable as error:
        logger.warning("Send %s lost the mail server: %s", send_id, error)
        _postpone(successor, timezone.now() + smtp_retry_delay())
        return "smtp unavailable"
    finally:
        smtp.close()
    if finish_send_if_complete(send_id):
        return "done"
    if not claimed_any:
        _postpone(successor, next_due_at(send_id))
    return "waiting"


class _SliceEnded(Exception):
    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def _send_for_a_while(send, worker_id, smtp, renderer, deadline, successor) -> bool:
    """Batches until the slice's deadline or the send has nothing claimable; whether any was
    claimed. Raises _SliceEnded when the slice ends early (rate limit, slice over)."""
    pace = None  # seconds per message, measured
    claimed_any = False
    while time.monotonic() < deadline:
        allowed = rate.reserve_slots(sized_batch(pace))
        if not allowed:
            _postpone(successor, rate.next_minute())
            raise _SliceEnded("rate limited")
        result = deliver_batch(send, worker_id, allowed, smtp=smtp, renderer=renderer)
        rate.give_back(allowed - result.claimed)
        if not result.claimed:
            return claimed_any
        claimed_any = True
        if result.handled:
            measured = result.seconds / result.handled
            pace = measured if pace is None else 0.5 * pace + 0.5 * measured
    raise _SliceEnded("slice over")


def _postpone(task_result, moment) -> None:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_result.id, status=TaskResultStatus.READY).update(
        run_after=moment
    )
