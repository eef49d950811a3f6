"""Exports run by the worker for the desk: starting one, running it, finding it for its owner."""

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from masthead.desk.lookups import get_membership
from masthead.importers.archive.export import export_publication
from masthead.importers.models import ExportRun, RunState
from masthead.publications.models import Role

logger = logging.getLogger(__name__)
OWNERS = (Role.OWNER,)
EXPORTS_FOLDER = "exports"


def get_publication_for_owner(person, publication_slug: str):
    """Only owners take everything away: strangers get 404, other staff 403."""
    return get_membership(person, publication_slug, roles=OWNERS)


def get_export_run_for_owner(person, publication_slug: str, run_id: int):
    membership = get_publication_for_owner(person, publication_slug)
    run = ExportRun.objects.filter(id=run_id, publication=membership.publication).first()
    if run is None:
        raise Http404("No such export.")
    return membership, run


def recent_exports(publication, limit: int = 10):
    return ExportRun.objects.filter(publication=publication).order_by("-created_at", "-id")[:limit]


def start_export(publication, person) -> ExportRun:
    from masthead.importers.export_tasks import run_publication_export

    with transaction.atomic():
        # One archive at a time per publication: a second click (or a script) waits for it
        # rather than filling the disk with copies.
        current = (
            ExportRun.objects.select_for_update()
            .filter(publication=publication, state__in=[RunState.QUEUED, RunState.RUNNING])
            .first()
        )
        if current is not None:
            return current
        run = ExportRun.objects.create(publication=publication, created_by=person)
        # The task row is written in this transaction: the run and its task stand or fall together.
        run_publication_export.enqueue(run.id)
    return run


def archive_path(run: ExportRun) -> Path:
    return Path(settings.PRIVATE_FILES_DIR) / run.stored_path


def run_export(run_id: int) -> None:
    """Write the archive of a queued run; safe to call twice (the run is claimed once)."""
    now = timezone.now()
    # Queued, or queued again by importers.recovery after its worker died.
    claimed = ExportRun.objects.filter(id=run_id, state=RunState.QUEUED).update(
        state=RunState.RUNNING, heartbeat_at=now, done_count=0, error=""
    )
    if not claimed:
        return
    run = ExportRun.objects.select_related("publication").get(id=run_id)
    relative = f"{EXPORTS_FOLDER}/{run.id}-{run.publication.slug}-{now:%Y%m%d-%H%M%S}.zip"
    path = Path(settings.PRIVATE_FILES_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)

    def progress(done: int, total: int) -> None:
        ExportRun.objects.filter(id=run_id).update(
            done_count=done, total_count=total, heartbeat_at=timezone.now()
        )

    try:
        export_publication(run.publication, path, progress=progress)
    except Exception as error:
        logger.exception("Export %s failed", run_id)
        # The owner sees this: no paths or internals, those are in the worker's log.
        message = f"an unexpected error ({type(error).__name__}); the details are in the log"
        ExportRun.objects.filter(id=run_id).update(
            state=RunState.FAILED, error=message, finished_at=timezone.now()
        )
        return
    ExportRun.objects.filter(id=run_id).update(
        state=RunState.DONE,
        stored_path=relative,
        file_size=path.stat().st_size,
        finished_at=timezone.now(),
    )
