"""Claiming batches of deliveries: a conditional UPDATE per batch, and taking back the claims
of workers that died."""

import os
import socket
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.limits import claim_lease

# Worker ids are host:pid:random; the task worker's must fit in 64 characters.
HOSTNAME = socket.gethostname()[:40]


@dataclass
class Claimed:
    id: int
    email: str
    subscription_id: int | None
    attempts: int


def new_worker_id() -> str:
    """host:pid:random, so a claim left by a dead process on this host is seen as dead."""
    return f"{HOSTNAME}:{os.getpid()}:{os.urandom(4).hex()}"


def _is_dead_claimer(claimed_by: str, worker_id: str) -> bool:
    return claimed_by != worker_id and is_dead_local_process(claimed_by)


def is_dead_local_process(process_id: str) -> bool:
    """Whether a host:pid:... id names a process of this host that no longer runs. An earlier id
    of this very process counts as dead: that run is over, and the process does something else.
    Ids of other hosts, or of processes that cannot be checked, count as alive."""
    host, _, rest = process_id.partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != HOSTNAME or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_batch(send: Send, worker_id: str, size: int) -> list[Claimed]:
    """Claim up to `size` deliveries of a sending send: abandoned claims first, then queued rows.

    One transaction: on PostgreSQL the rows are locked with SKIP LOCKED so workers never wait
    for each other; on SQLite the immediate transaction makes this worker the only writer.
    """
    now = timezone.now()
    expired_before = now - claim_lease()
    columns = ("id", "email", "subscription_id", "attempts")
    with transaction.atomic():
        rows = Delivery.objects.filter(send_id=send.id, send__state=SendState.SENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        abandoned = [
            row[:4]
            for row in rows.filter(state=DeliveryState.SENDING)
            .order_by("id")
            .values_list(*columns, "claimed_by", "claimed_at")
            if (row[5] is None or row[5] < expired_before) or _is_dead_claimer(row[4], worker_id)
        ][:size]
        queued = []
        if len(abandoned) < size:
            queued = list(
                rows.filter(state=DeliveryState.QUEUED)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("id")
                .values_list(*columns)[: size - len(abandoned)]
            )
        claimed = [Claimed(*row) for row in abandoned + queued]
        if claimed:
            Delivery.objects.filter(id__in=[row.id for row in claimed]).update(
                state=DeliveryState.SENDING, claimed_by=worker_id, claimed_at=now
            )
    return claimed
