"""Pause, resume and cancel a send, from the desk or `masthead sends`."""

from django.db import transaction
from django.utils import timezone

from masthead.delivery.models import Send, SendState
from masthead.delivery.services.limits import task_chains


@transaction.atomic
def pause_send(send_id: int) -> bool:
    """Stop claiming new batches; a batch being sent finishes."""
    return bool(
        Send.objects.filter(id=send_id, state=SendState.SENDING).update(state=SendState.PAUSED)
    )


@transaction.atomic
def resume_send(send_id: int) -> bool:
    """Carry on a paused send. On a send that is sending, queue its task again: harmless when
    its task is alive, and the way to restart one whose task row was lost."""
    from masthead.delivery.tasks import run_send

    resumed = Send.objects.filter(id=send_id, state=SendState.PAUSED).update(
        state=SendState.SENDING
    )
    if not resumed and not Send.objects.filter(id=send_id, state=SendState.SENDING).exists():
        return False
    for _ in range(task_chains() if resumed else 1):
        run_send.enqueue(send_id)
    return True


@transaction.atomic
def cancel_send(send_id: int) -> bool:
    """End a send for good: deliveries not sent yet stay queued and are never sent."""
    return bool(
        Send.objects.filter(id=send_id, state__in=[SendState.SENDING, SendState.PAUSED]).update(
            state=SendState.CANCELLED, finished_at=timezone.now()
        )
    )
