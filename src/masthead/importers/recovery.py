"""Imports and exports whose worker died go back in the queue (the worker calls this)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from masthead.importers.models import ExportRun, ImportRun, RunState

# A run's heartbeat is renewed after every batch (and before fetching a batch's images): one
# this old lost its worker. A run that was only slow loses its claim at its next batch instead
# of writing twice (runs.py advances with conditional UPDATEs).
ABANDONED_AFTER = dt.timedelta(minutes=10)
AT_MOST = 100  # per call: the rest wait for the next recovery


def requeue_abandoned_runs(now=None) -> list[str]:
    """Queue again every running import and export whose heartbeat is too old; their names."""
    from masthead.importers.export_tasks import run_publication_export
    from masthead.importers.tasks import run_platform_import

    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    requeued = []
    for model, states, task, label in (
        (ImportRun, [RunState.CHECKING, RunState.RUNNING], run_platform_import, "import"),
        (ExportRun, [RunState.RUNNING], run_publication_export, "export"),
    ):
        stale = model.objects.filter(state__in=states, heartbeat_at__lt=cutoff)
        for run_id in stale.values_list("id", flat=True)[:AT_MOST]:
            with transaction.atomic():
                if stale.filter(id=run_id).update(state=RunState.QUEUED):
                    task.enqueue(run_id)  # in this transaction: queued and enqueued together
                    requeued.append(f"{label} {run_id}")
    return requeued
