"""Import jobs: preview a stored file, confirm it, and run it in resumable batches.

Part of the import described in masthead.subscriptions.importing.
"""

import csv
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.accounts.people import ensure_people
from masthead.pagecache import invalidation
from masthead.publications.models import Publication
from masthead.subscriptions.import_models import ImportJob, ImportProblem, ImportState, ProblemKind
from masthead.subscriptions.importing.columns import Columns
from masthead.subscriptions.importing.errors import ImportFileError, ImportStateError
from masthead.subscriptions.importing.files import (
    ABANDONED_AFTER,
    EXISTING_REASONS,
    PREVIEW_BATCH_SIZE,
    PREVIEW_SAMPLE_SIZE,
    READ_CHUNK_BYTES,
    Row,
    check_size,
    mark_duplicates,
    read_header,
    read_rows,
    skip_existing,
    store_upload,
)
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

logger = logging.getLogger(__name__)


@dataclass
class Preview:
    columns: Columns | None = None
    total_rows: int = 0
    new_count: int = 0  # good rows, to be imported: subscribed or unsubscribed
    unsubscribed_count: int = 0  # of the new ones, those imported as unsubscribed
    existing_count: int = 0
    duplicate_count: int = 0
    invalid_count: int = 0
    excluded_count: int = 0
    problems: dict[str, list[dict]] = field(
        default_factory=lambda: {kind: [] for kind in ProblemKind.values}
    )

    def add(self, row: Row) -> None:
        self.total_rows += 1
        if row.is_good:
            self.new_count += 1
            if row.status == SubscriptionStatus.UNSUBSCRIBED:
                self.unsubscribed_count += 1
            return
        count_field = f"{row.kind}_count"
        setattr(self, count_field, getattr(self, count_field) + 1)
        sample = self.problems[row.kind]
        if len(sample) < PREVIEW_SAMPLE_SIZE:
            sample.append({"row": row.number, "email": row.raw_email, "reason": row.reason})


def preview_file(
    publication: Publication, path: Path, delimiter: str, columns: Columns | None = None
) -> Preview:
    """Judge every row as the import will, without writing anything."""
    try:
        preview = Preview(columns=columns or read_header(path, delimiter))
        for batch in itertools.batched(
            mark_duplicates(read_rows(path, delimiter, preview.columns)), PREVIEW_BATCH_SIZE
        ):
            rows = list(batch)
            skip_existing(publication, rows)
            for row in rows:
                preview.add(row)
    except csv.Error as error:
        raise ImportFileError(f"This file cannot be read as CSV: {error}.") from None
    if preview.total_rows == 0:
        raise ImportFileError(
            "The file has a header row but no subscribers under it."
            if _has_any_record(path)
            else "The file is empty."
        )
    return preview


def _has_any_record(path: Path) -> bool:
    with path.open(encoding="utf-8") as stream:
        return any(line.strip() for line in stream)


def prepare_import(
    publication: Publication,
    person: Person | None,
    chunks: Iterable[bytes],
    file_name: str = "",
    size: int | None = None,
) -> ImportJob:
    """Store and check an uploaded file and preview it; the job then waits for confirmation."""
    check_size(size)
    path, delimiter = store_upload(chunks)
    try:
        preview = preview_file(publication, path, delimiter)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ImportJob.objects.create(
        publication=publication,
        created_by=person,
        file_name=Path(file_name).name[:255],
        stored_path=str(path.relative_to(Path(settings.PRIVATE_FILES_DIR))),
        delimiter=delimiter,
        mapping=preview.columns.to_json(),
        total_rows=preview.total_rows,
        new_count=preview.new_count,
        unsubscribed_count=preview.unsubscribed_count,
        existing_count=preview.existing_count,
        duplicate_count=preview.duplicate_count,
        invalid_count=preview.invalid_count,
        excluded_count=preview.excluded_count,
        preview_problems=preview.problems,
    )


def read_file_chunks(path: Path) -> Iterator[bytes]:
    """A file on disk as the chunks `prepare_import` takes (the command's way in)."""
    with path.open("rb") as stream:
        while chunk := stream.read(READ_CHUNK_BYTES):
            yield chunk


def _stored_file(job: ImportJob) -> Path:
    return Path(settings.PRIVATE_FILES_DIR) / job.stored_path


def _delete_stored_file_on_commit(job: ImportJob) -> None:
    if job.stored_path:
        path = _stored_file(job)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


# Confirming, cancelling, resuming -----------------------------------------------------------


def confirm_import(job: ImportJob, *, in_background: bool = True) -> ImportJob:
    """Queue a previewed import; with in_background=False the caller runs `run_import` itself."""
    from masthead.subscriptions.tasks_import import run_subscriber_import

    with transaction.atomic():
        queued = ImportJob.objects.filter(id=job.id, state=ImportState.PREVIEW).update(
            state=ImportState.QUEUED, confirmed_at=timezone.now()
        )
        if not queued:
            raise ImportStateError("This import was already confirmed.")
        if in_background:
            # The task row is written in this transaction: job and task stand or fall together.
            run_subscriber_import.enqueue(job.id)
    job.refresh_from_db()
    return job


def resume_import(job: ImportJob) -> ImportJob:
    """Queue a stopped import again; it carries on after the last committed batch."""
    from masthead.subscriptions.tasks_import import run_subscriber_import

    with transaction.atomic():
        queued = ImportJob.objects.filter(id=job.id, state=ImportState.FAILED).update(
            state=ImportState.QUEUED, error=""
        )
        if not queued:
            raise ImportStateError("Only an import that stopped with an error can be resumed.")
        run_subscriber_import.enqueue(job.id)
    job.refresh_from_db()
    return job


def cancel_import(job: ImportJob) -> None:
    """Forget a previewed import that was not confirmed, and its file."""
    with transaction.atomic():
        deleted, _ = ImportJob.objects.filter(id=job.id, state=ImportState.PREVIEW).delete()
        if not deleted:
            raise ImportStateError(
                "This import was already confirmed; it can no longer be cancelled."
            )
        _delete_stored_file_on_commit(job)


# Running ------------------------------------------------------------------------------------


class _LostClaim(Exception):
    """Another run advanced the job: this one stops without touching it."""


def _claim(job_id: int) -> bool:
    """Take the job: queued, stopped by an error, or abandoned by a worker that died."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(id=job_id)
        .filter(
            Q(state__in=[ImportState.QUEUED, ImportState.FAILED])
            | Q(state=ImportState.RUNNING, heartbeat_at__lt=now - ABANDONED_AFTER)
        )
        .update(
            state=ImportState.RUNNING,
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
            error="",
        )
    )


def run_import(
    job_id: int, on_progress: Callable[[int, int], None] | None = None
) -> ImportJob | None:
    """Import a confirmed job's rows, one committed batch at a time; safe to run again.

    Returns the job as it ends, or None when the job was not there to run (unknown, already
    finished, or running elsewhere).
    """
    if not _claim(job_id):
        return None
    job = ImportJob.objects.select_related("publication").get(id=job_id)
    try:
        path = _stored_file(job)
        if not path.exists():
            raise ImportFileError(
                "The uploaded file is no longer on this server. Upload it again to import the "
                "rows not imported yet; rows already imported will be reported as on your list."
            )
        offset = job.processed_rows
        if on_progress:
            on_progress(offset, job.total_rows)
        # Jobs previewed before mappings were stored read the header again, as they did then.
        columns = Columns.from_json(job.mapping) if job.mapping else None
        rows = itertools.islice(
            mark_duplicates(read_rows(path, job.delimiter, columns)), offset, None
        )
        for batch in itertools.batched(rows, settings.SUBSCRIBER_IMPORT_BATCH_SIZE):
            with transaction.atomic():
                created, skipped = import_batch(job, list(batch))
                advanced = ImportJob.objects.filter(
                    id=job.id, state=ImportState.RUNNING, processed_rows=offset
                ).update(
                    processed_rows=offset + len(batch),
                    created_count=F("created_count") + created,
                    skipped_count=F("skipped_count") + skipped,
                    heartbeat_at=timezone.now(),
                )
                if not advanced:
                    raise _LostClaim
            offset += len(batch)
            if on_progress:
                on_progress(offset, job.total_rows)
        with transaction.atomic():
            ImportJob.objects.filter(id=job.id, state=ImportState.RUNNING).update(
                state=ImportState.DONE, finished_at=timezone.now(), stored_path=""
            )
            _delete_stored_file_on_commit(job)
    except _LostClaim:
        return None
    except BaseException as error:
        if isinstance(error, ImportFileError):
            message = str(error)
        else:
            # The desk shows this to the publication's staff: no internals, those go to the log.
            logger.exception("Import %s stopped", job.id)
            message = (
                f"an unexpected error ({error.__class__.__name__}); the details are in the "
                "worker's log"
            )
        ImportJob.objects.filter(id=job.id, state=ImportState.RUNNING).update(
            state=ImportState.FAILED, error=message
        )
        raise
    job.refresh_from_db()
    return job


def import_batch(job: ImportJob, rows: list[Row]) -> tuple[int, int]:
    """Subscribe a batch's good rows and record its skipped ones; returns (created, skipped).

    Runs in the caller's transaction. A few queries per batch whatever its size: existing
    subscriptions, people, new people, their ids, new subscriptions, a check, the problems.
    """
    publication = job.publication
    skip_existing(publication, rows)
    good = [row for row in rows if row.is_good]
    if good:
        _subscribe(publication, good)
    skipped = [row for row in rows if not row.is_good]
    ImportProblem.objects.bulk_create(
        [
            ImportProblem(
                job=job,
                row_number=row.number,
                email=row.raw_email,
                kind=row.kind,
                reason=row.reason[:200],
            )
            for row in skipped
        ],
        ignore_conflicts=True,
    )
    return len(rows) - len(skipped), len(skipped)


def _subscribe(publication: Publication, rows: list[Row]) -> None:
    """Create the rows' subscriptions; rows that lost to a concurrent sign-up are marked existing."""
    now = timezone.now()
    person_ids = ensure_people({row.email: row.name for row in rows}, now)
    wanted = {}
    for row in rows:
        # They confirmed with the platform they come from; no confirmation email.
        since = row.created_at or now
        is_active = row.status == SubscriptionStatus.ACTIVE
        wanted[person_ids[row.email]] = Subscription(
            publication=publication,
            person_id=person_ids[row.email],
            status=row.status,
            source=SubscriptionSource.IMPORT,
            created_at=since,
            confirmed_at=since if is_active else None,
            # When they left is unknown; the import is when we learnt it.
            unsubscribed_at=None if is_active else now,
            labels=row.labels,
        )
    Subscription.objects.bulk_create(wanted.values(), ignore_conflicts=True)
    invalidation.lists_changed(publication.id)
    # A reader may have subscribed on the website since the existence check (possible on
    # PostgreSQL): their row won the conflict, and theirs is not ours to count.
    ours = {
        person_id
        for person_id, status, created_at in Subscription.objects.filter(
            publication=publication,
            person_id__in=wanted.keys(),
            source=SubscriptionSource.IMPORT,
        ).values_list("person_id", "status", "created_at")
        if (status, created_at) == (wanted[person_id].status, wanted[person_id].created_at)
    }
    for row in rows:
        if person_ids[row.email] not in ours:
            row.skip(ProblemKind.EXISTING, EXISTING_REASONS[SubscriptionStatus.ACTIVE])
