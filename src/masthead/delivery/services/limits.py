"""The delivery settings as the services read them: batch size, claim lease, retries,
task chains and slice length."""

import datetime as dt

from django.conf import settings


def claim_lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)


def batch_size() -> int:
    return settings.DELIVERY_BATCH_SIZE


def max_attempts() -> int:
    return settings.DELIVERY_MAX_ATTEMPTS


def retry_delay(attempts: int) -> dt.timedelta:
    """Backoff after a refused recipient: 1, 2, 4, ... times the base delay."""
    base = settings.DELIVERY_RETRY_SECONDS
    return dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


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
