"""Claiming batches of deliveries with a conditional UPDATE, and taking back the claims of
workers whose heartbeat stopped (see workers)."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send, SendState
from masthead.delivery.services.workers import beat, dead_workers


@dataclass
class Claimed:
    id: int
    email: str
    subscription_id: int | None
    attempts: int
    gets_full_post: bool = False
    variant: int | None = None  # a subject test's line for a delivery in its sample


COLUMNS = ("id", "email", "subscription_id", "attempts", "gets_full_post", "variant")


def claim_batch(send: Send, worker_id: str, size: int) -> list[Claimed]:
    """Claim up to `size` deliveries of a sending send: abandoned claims first, then queued rows.

    A claim is abandoned when its worker's heartbeat is stale, or when it is this worker's own
    (left by an earlier run of this process, which is over). One transaction: on PostgreSQL the
    rows are locked with SKIP LOCKED so workers never wait for each other; on SQLite the
    immediate transaction makes this worker the only writer.
    """
    beat(worker_id)
    now = timezone.now()
    with transaction.atomic():
        rows = Delivery.objects.filter(send_id=send.id, send__state=SendState.SENDING)
        dead = dead_claimers(rows, me=worker_id)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        abandoned = []
        if dead:
            abandoned = list(
                rows.filter(state=DeliveryState.SENDING, claimed_by__in=dead)
                .order_by("id")
                .values_list(*COLUMNS)[:size]
            )
        queued = []
        if len(abandoned) < size:
            queued = list(
                rows.filter(state=DeliveryState.QUEUED, is_held=False)  # held: subject_tests
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .order_by("id")
                .values_list(*COLUMNS)[: size - len(abandoned)]
            )
        claimed = [Claimed(*row) for row in abandoned + queued]
        if claimed:
            Delivery.objects.filter(id__in=[row.id for row in claimed]).update(
                state=DeliveryState.SENDING, claimed_by=worker_id, claimed_at=now
            )
    return claimed


def dead_claimers(deliveries, *, me: str) -> set[str]:
    """The workers holding claims among `deliveries` that are dead (and `me`: see dead_workers)."""
    claimers = (
        deliveries.filter(state=DeliveryState.SENDING)
        .order_by()
        .values_list("claimed_by", flat=True)
        .distinct()
    )
    return dead_workers(claimers, me=me)


def release_claims(worker_id: str, ids: list[int]) -> int:
    """Put back in the queue deliveries this worker claimed and did not send."""
    if not ids:
        return 0
    return Delivery.objects.filter(
        id__in=ids, state=DeliveryState.SENDING, claimed_by=worker_id
    ).update(state=DeliveryState.QUEUED, claimed_by="", claimed_at=None)
