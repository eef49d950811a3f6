"""The outbox's worker task: fan out new events and send the webhooks that are due."""

import logging

from django.tasks import task

from masthead.outbox.models import WebhookEndpoint

logger = logging.getLogger("masthead.outbox")


@task()
def deliver_outbox() -> None:
    from masthead.outbox.services import dispatch_pending

    dispatch_pending()


def request_dispatch(publication_id: int) -> None:
    """After an event's transaction commits: queue the task if anyone listens. A lost request
    costs only a delay: the worker's sweep (`dispatch_pending`) fans out what is left."""
    try:
        if WebhookEndpoint.objects.filter(publication_id=publication_id, is_active=True).exists():
            deliver_outbox.enqueue()
    except Exception:  # noqa: BLE001 - the change is committed; never fail its request for this
        logger.exception("Could not queue webhook delivery; the worker's sweep will do it")
