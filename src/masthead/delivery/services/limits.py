"""The delivery settings as the services read them: batch sizes, retries, task chains and
slice length."""

import datetime as dt

from django.conf import settings


def batch_size() -> int:
    """The most deliveries one claim takes (a slow relay gets fewer: see sized_batch)."""
    return settings.DELIVERY_BATCH_SIZE


def batch_target_seconds() -> float:
    return settings.DELIVERY_BATCH_TARGET_SECONDS


def sized_batch(seconds_per_message: float | None) -> int:
    """A batch that takes about DELIVERY_BATCH_TARGET_SECONDS at the relay's measured pace, so a
    slow relay's batches stay short and several workers share them; before anything is measured,
    a tenth of the largest batch."""
    largest = batch_size()
    if not seconds_per_message:
        return max(1, largest // 10)
    return max(1, min(largest, int(batch_target_seconds() / seconds_per_message)))


def retry_schedule() -> list[dt.timedelta]:
    """The waits before each new try of a temporarily refused recipient (4xx): after the last,
    the delivery counts as failed."""
    return [dt.timedelta(seconds=seconds) for seconds in settings.DELIVERY_RETRY_SCHEDULE_SECONDS]


def smtp_retry_delay() -> dt.timedelta:
    """How long a send waits when the SMTP server cannot be reached; no attempt is used up."""
    return dt.timedelta(seconds=settings.DELIVERY_SMTP_RETRY_SECONDS)


def task_chains() -> int:
    """How many task chains carry a send. Each task queues its successor as its first write, so
    a worker killed in the instant between starting a task and queueing the successor ends
    that chain; the others carry the send on (and let several workers share it)."""
    return settings.DELIVERY_TASK_CHAINS


def slice_seconds() -> float:
    """How long one run of the send task works before handing over to its successor."""
    return settings.DELIVERY_SLICE_SECONDS
