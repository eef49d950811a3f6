"""An import from start to report: store the upload, check the export, write it in batches.

The desk's views, the `run_platform_import` task and the `masthead import` command all call
these functions.

1. `start_import` stores the uploaded files under PRIVATE_FILES_DIR/imports/ (never served) and
   queues a run (its task row is written in the same transaction).
2. `run_import` claims the run, checks the whole export (nothing is written if it cannot be
   imported: the run stops with the reason), then writes posts, subscribers and email history,
   one committed batch at a time, with the run's position in the same transaction. Re-run after
   a crash, it resumes after the last committed batch; run on the same export again, it skips
   what is already there.
"""

import itertools
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from masthead.importers.archives import check_upload_size, open_export
from masthead.importers.history_writer import HistoryWriter
from masthead.importers.models import (
    ImportReportLine,
    ImportRun,
    ImportSource,
    ReportKind,
    RunState,
)
from masthead.importers.post_writer import PostWriter, StoredImages, conflicting_slugs
from masthead.importers.readers import reader_for
from masthead.importers.recovery import ABANDONED_AFTER
from masthead.importers.source import ExportError, ReportLine
from masthead.importers.subscriber_writer import SubscriberWriter
from masthead.pagecache import invalidation

logger = logging.getLogger(__name__)

IMPORTS_FOLDER = "imports"
PHASES = ("posts", "subscribers", "deliveries")
BATCH_SIZES = {"posts": 10, "subscribers": 1000, "deliveries": 5000}
MAX_SLUGS_NAMED = 8


class ImportStateError(Exception):
    """The run is not in a state that allows this."""


Progress = Callable[[ImportRun], None]


# Starting -----------------------------------------------------------------------------------


def store_files(named_chunks: Iterable[tuple[str, Iterable[bytes]]]) -> list[Path]:
    """Write each uploaded file under PRIVATE_FILES_DIR/imports/<random>/ and return the paths."""
    folder = Path(settings.PRIVATE_FILES_DIR) / IMPORTS_FOLDER / secrets.token_hex(16)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = []
    try:
        for index, (name, chunks) in enumerate(named_chunks):
            # Each file keeps its own name (readers recognise email_list.<name>.csv by it, and
            # messages name what the writer uploaded), in a folder of its own.
            path = folder / str(index) / stored_name(name)
            path.parent.mkdir(mode=0o700)
            size = 0
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with open(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    check_upload_size(size)
                    out.write(chunk)
            paths.append(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return paths


def delete_stored_files(paths: list[Path]) -> None:
    """Remove the folder of files stored for a run that was not started."""
    folders = {Path(path).parent.parent for path in paths}
    imports = Path(settings.PRIVATE_FILES_DIR) / IMPORTS_FOLDER
    for folder in folders:
        if folder.parent == imports:
            shutil.rmtree(folder, ignore_errors=True)


def stored_name(name: str) -> str:
    """The uploaded file's own name, made safe to store: no folders, no odd characters."""
    base = Path(str(name).replace("\\", "/")).name
    safe = "".join(char if char.isalnum() or char in "._- " else "_" for char in base).strip(" .")
    return safe[-120:] or "upload"


def start_import(
    publication,
    person,
    source: str,
    paths: list[Path],
    file_names: list[str],
    *,
    in_background: bool = True,
) -> ImportRun:
    """Queue a run of stored files; with in_background=False the caller runs `run_import`."""
    from masthead.importers.tasks import run_platform_import

    private = Path(settings.PRIVATE_FILES_DIR)
    with transaction.atomic():
        running = ImportRun.objects.select_for_update().filter(
            publication=publication,
            state__in=[RunState.QUEUED, RunState.CHECKING, RunState.RUNNING],
        )
        if running.exists():
            # Two imports writing the same posts at once would only trip over each other.
            raise ImportStateError(
                "Another import into this publication is still running: wait for it to finish, "
                "then import again (what it imported will be skipped)."
            )
        run = ImportRun.objects.create(
            publication=publication,
            created_by=person,
            source=source,
            file_names=[Path(name).name[:255] for name in file_names],
            stored_paths=[str(Path(path).relative_to(private)) for path in paths],
        )
        if in_background:
            run_platform_import.enqueue(run.id)
    return run


def resume_import(run: ImportRun) -> ImportRun:
    """Queue a stopped run again: it carries on after the last committed batch."""
    from masthead.importers.tasks import run_platform_import

    with transaction.atomic():
        queued = ImportRun.objects.filter(id=run.id, state=RunState.FAILED).update(
            state=RunState.QUEUED, error=""
        )
        if not queued:
            raise ImportStateError("Only an import that stopped can be resumed.")
        run_platform_import.enqueue(run.id)
    run.refresh_from_db()
    return run


# Running ------------------------------------------------------------------------------------


class _LostClaim(Exception):
    """Another worker advanced the run: this one stops without touching it."""


def _claim(run_id: int) -> bool:
    now = timezone.now()
    abandoned = now - ABANDONED_AFTER
    return bool(
        ImportRun.objects.filter(id=run_id)
        .filter(
            Q(state__in=[RunState.QUEUED, RunState.FAILED])
            | Q(state__in=[RunState.CHECKING, RunState.RUNNING], heartbeat_at__lt=abandoned)
        )
        .update(
            state=RunState.CHECKING,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
            error="",
        )
    )


def _stored_paths(run: ImportRun) -> list[Path]:
    private = Path(settings.PRIVATE_FILES_DIR)
    paths = [private / stored for stored in run.stored_paths]
    if not paths or not all(path.exists() for path in paths):
        raise ExportError(
            "The uploaded files are no longer on this server. Upload the export again: what "
            "was imported already is skipped."
        )
    return paths


def _save_reader_lines(run: ImportRun, reader, saved: set) -> None:
    """What the reader noticed while reading (a body's iframe kept as a link, a skipped row),
    each line once: readers may meet the same line in check() and again while iterating."""
    new = []
    for line in reader.report_lines():
        key = (line.kind.value, line.item[:300], line.reason)
        if key not in saved:
            saved.add(key)
            new.append(line)
    _save_lines(run, new)


def _saved_keys(run: ImportRun) -> set:
    return set(ImportReportLine.objects.filter(run=run).values_list("kind", "item", "reason"))


def _save_lines(run: ImportRun, lines: list[ReportLine]) -> None:
    ImportReportLine.objects.bulk_create(
        ImportReportLine(run=run, kind=line.kind.value, item=line.item[:300], reason=line.reason)
        for line in lines
    )


def _count_lines(counts: dict, phase: str, lines: list[ReportLine]) -> dict:
    for line in lines:
        key = f"{phase}_{line.kind.value}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def run_import(run_id: int, on_progress: Progress | None = None) -> ImportRun | None:
    """Run a queued import to its end; None when there was nothing to run (done, or running
    elsewhere). An export that cannot be imported stops the run with its reason."""
    if not _claim(run_id):
        return None
    run = ImportRun.objects.select_related("publication").get(id=run_id)
    try:
        with open_export(_stored_paths(run)) as files:
            reader = reader_for(run.source, files)
            _check(run, reader)
            if on_progress:
                on_progress(run)
            saved = _saved_keys(run)
            for phase in PHASES[PHASES.index(run.phase) if run.phase in PHASES else 0 :]:
                _run_phase(run, reader, phase, on_progress, saved)
                invalidation.publication_changed(run.publication_id)
        with transaction.atomic():
            ImportRun.objects.filter(id=run.id, state=RunState.RUNNING).update(
                state=RunState.DONE, phase="", finished_at=timezone.now()
            )
            _delete_files_on_commit(run)
    except _LostClaim:
        return None
    except BaseException as error:
        if isinstance(error, ExportError):
            message = str(error)
        else:
            logger.exception("Import run %s stopped", run.id)
            message = (
                f"an unexpected error ({error.__class__.__name__}); the details are in the "
                "worker's log. Resuming carries on where it stopped."
            )
        ImportRun.objects.filter(id=run.id).exclude(state=RunState.DONE).update(
            state=RunState.FAILED, error=message
        )
        if not isinstance(error, ExportError):
            raise
    run.refresh_from_db()
    return run


def _check(run: ImportRun, reader) -> None:
    """Judge the whole export before the first write; raises ExportError to refuse it."""
    first_time = run.phase == ""
    lines = reader.check()
    if hasattr(reader, "post_slugs"):  # known from check(), without reading the posts again
        slugs = reader.post_slugs()
    else:
        slugs = {post.slug for post in reader.posts()}
    taken = conflicting_slugs(run.publication, run.source, slugs)
    if taken:
        named = ", ".join(f"/p/{slug}/" for slug in taken[:MAX_SLUGS_NAMED])
        more = f" and {len(taken) - MAX_SLUGS_NAMED} more" if len(taken) > MAX_SLUGS_NAMED else ""
        raise ExportError(
            f"{run.publication.name} already has posts at {len(taken)} of the export's "
            f"addresses ({named}{more}). Import into a new publication, or rename or delete "
            "those posts first. Nothing was imported."
        )
    with transaction.atomic():
        updates = {"state": RunState.RUNNING, "heartbeat_at": timezone.now()}
        if first_time:
            updates |= {"totals": reader.count(), "phase": PHASES[0], "position": 0}
            _save_lines(run, lines)
        if not ImportRun.objects.filter(id=run.id, state=RunState.CHECKING).update(**updates):
            raise _LostClaim
    run.refresh_from_db()


def _items(reader, phase: str):
    return {
        "posts": reader.posts,
        "subscribers": reader.subscribers,
        "deliveries": reader.deliveries,
    }[phase]()


def _writer(run: ImportRun, phase: str):
    importer_id = run.created_by_id
    if phase == "posts":
        return PostWriter(run.publication, run.source, importer_id)
    if phase == "subscribers":
        return SubscriberWriter(run.publication, run.get_source_display(), importer_id)
    return HistoryWriter(run.publication, run.source)


def _fetch_images(run: ImportRun, posts) -> StoredImages:
    from masthead.importers.media import fetch_images

    urls = [url for post in posts for url in [*post.image_urls, post.cover_image_url] if url]
    fetched = fetch_images(urls, folder=f"imports/{run.publication.slug}") if urls else {}
    images = StoredImages()
    for url, result in fetched.items():
        if result.stored_url:
            images.stored[url] = result.stored_url
        else:
            images.problems[url] = result.problem
    return images


def _run_phase(
    run: ImportRun, reader, phase: str, on_progress: Progress | None, saved: set
) -> None:
    position = run.position if run.phase == phase else 0
    writer = _writer(run, phase)
    items = itertools.islice(_items(reader, phase), position, None)
    for batch in itertools.batched(items, BATCH_SIZES[phase]):
        batch = list(batch)
        images = None
        if phase == "posts":
            # Fetching a batch's images may take a while on slow hosts: say this run is alive.
            ImportRun.objects.filter(id=run.id, state=RunState.RUNNING).update(
                heartbeat_at=timezone.now()
            )
            images = _fetch_images(run, batch)
        with transaction.atomic():
            lines = writer.write(batch, images) if phase == "posts" else writer.write(batch)
            _save_lines(run, [line for line in lines if line.kind.value != ReportKind.IMPORTED])
            _save_reader_lines(run, reader, saved)
            counts = _count_lines(dict(run.counts), phase, lines)
            counts[f"{phase}_done"] = position + len(batch)
            advanced = ImportRun.objects.filter(
                id=run.id, state=RunState.RUNNING, phase=phase, position=position
            ).update(position=position + len(batch), counts=counts, heartbeat_at=timezone.now())
            if not advanced:
                raise _LostClaim
        position += len(batch)
        run.position, run.counts = position, counts
        if on_progress:
            on_progress(run)
    next_phase = PHASES[PHASES.index(phase) + 1] if phase != PHASES[-1] else "done"
    counts = dict(run.counts)
    counts[f"{phase}_done"] = position
    ImportRun.objects.filter(id=run.id, state=RunState.RUNNING, phase=phase).update(
        phase=next_phase, position=0, counts=counts
    )
    run.phase, run.position, run.counts = next_phase, 0, counts


def _delete_files_on_commit(run: ImportRun) -> None:
    private = Path(settings.PRIVATE_FILES_DIR)
    paths = [private / stored for stored in run.stored_paths]
    transaction.on_commit(lambda: delete_stored_files(paths))


SOURCES_WITH_READERS = (ImportSource.SUBSTACK, ImportSource.GHOST, ImportSource.WORDPRESS)
