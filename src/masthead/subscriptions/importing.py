"""Importing subscribers from a CSV file: store and check the upload, preview it, run it in batches.

The desk's views, the `run_subscriber_import` task and the `import_subscribers` command all call
these functions, so a file is judged the same way wherever it comes in.

How a file travels:
1. `prepare_import` decodes the upload (UTF-8, or UTF-8/UTF-16/UTF-32 with a byte-order mark),
   stores it re-encoded as UTF-8 under PRIVATE_FILES_DIR/imports/ (never served), finds the header's email column and
   previews every row; the result is an ImportJob waiting for confirmation.
2. `confirm_import` queues it. `run_import` then reads the stored file as a stream and commits
   one batch at a time, together with the job's `processed_rows`; re-run after a crash, it
   resumes after the last committed batch.

Files that are not UTF-8 and carry no byte-order mark are refused rather than guessed at:
Windows-1252 and Latin-1 decode almost any byte sequence without error, so a guess would
silently turn names in other encodings into mojibake.
"""

import codecs
import csv
import datetime as dt
import itertools
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.publications.models import Publication
from masthead.subscriptions.import_models import ImportJob, ImportProblem, ImportState, ProblemKind
from masthead.subscriptions.models import Subscription, SubscriptionSource, SubscriptionStatus

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 50 * 1024 * 1024
IMPORT_BATCH_SIZE = 1000
PREVIEW_SAMPLE_SIZE = 20
PREVIEW_BATCH_SIZE = 1000
# A running job whose heartbeat is older than this lost its worker; another run may take over.
ABANDONED_AFTER = dt.timedelta(minutes=5)
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 80
IMPORTS_FOLDER = "imports"
READ_CHUNK_BYTES = 64 * 1024

EMAIL_HEADERS = {"email", "emailaddress", "mail"}
NAME_HEADERS = {"name", "fullname", "displayname"}
FIRST_NAME_HEADERS = {"firstname", "givenname"}
LAST_NAME_HEADERS = {"lastname", "surname", "familyname"}
DELIMITERS = (",", ";", "\t")
# Unicode's control characters (category Cc) but the tab, which counts as a space in a name.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SPREADSHEET_SIGNATURES = (
    (b"PK\x03\x04", "an Excel or OpenDocument spreadsheet (or another zip archive)"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
)
SAVE_AS_CSV = (
    "Save it as CSV first: in Excel, File › Save As › “CSV UTF-8”; in Numbers, File › Export To › "
    "CSV with Unicode (UTF-8); Google Sheets downloads CSV as UTF-8 already."
)


class ImportFileError(Exception):
    """The file cannot be imported; the message says why and what to do, for the person."""


class ImportStateError(Exception):
    """The import is not in a state that allows this (already confirmed, still running...)."""


# Reading and checking rows ------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    email: int
    name: tuple[int, ...] = ()


@dataclass(slots=True)
class Row:
    """One data row of the file, judged on its own, then against the file and the list."""

    number: int  # the row as a spreadsheet numbers it: the header is row 1
    raw_email: str
    email: str = ""  # lowercased and valid, or empty
    name: str = ""
    kind: str = ""  # empty while the row is good; a ProblemKind once it is skipped
    reason: str = ""

    @property
    def is_good(self) -> bool:
        return not self.kind

    def skip(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason


def _header_key(heading: str) -> str:
    return "".join(ch for ch in heading.lower() if ch.isalnum())


def find_columns(header: list[str]) -> Columns:
    keys = [_header_key(heading) for heading in header]
    email = next((index for index, key in enumerate(keys) if key in EMAIL_HEADERS), None)
    if email is None:
        found = ", ".join(f"“{heading.strip()[:40]}”" for heading in header if heading.strip())
        message = (
            "Wrong columns: the first row must be a header with a column named “email” "
            "(“Email Address” and “E-mail” work too). "
        )
        message += f"The first row has: {found}." if found else "The first row is empty."
        if any(_looks_like_address(heading) for heading in header):
            message += " It looks like an address: add a header row above it."
        raise ImportFileError(message)
    name = next((index for index, key in enumerate(keys) if key in NAME_HEADERS), None)
    if name is not None:
        return Columns(email=email, name=(name,))
    parts = [
        next((index for index, key in enumerate(keys) if key in wanted), None)
        for wanted in (FIRST_NAME_HEADERS, LAST_NAME_HEADERS)
    ]
    return Columns(email=email, name=tuple(index for index in parts if index is not None))


def _looks_like_address(value: str) -> bool:
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


def check_email(raw: str) -> tuple[str, str]:
    """The address lowercased, and an empty reason; or an empty address and the reason."""
    email = raw.strip().lower()
    if not email:
        return "", "no email address"
    if len(email) > MAX_EMAIL_LENGTH:
        return "", f"the address is longer than {MAX_EMAIL_LENGTH} characters"
    try:
        validate_email(email)
    except ValidationError:
        return "", "not a valid email address"
    return email, ""


def check_name(raw: str) -> tuple[str, str]:
    """The name tidied to one line of at most 80 characters, or a reason to refuse the row."""
    if "\r" in raw or "\n" in raw:
        # Names end up in From/To headers of emails: a line break there could inject headers.
        return "", "the name contains a line break"
    if CONTROL_CHARACTERS.search(raw):
        return "", "the name contains control characters"
    return " ".join(raw.split())[:MAX_NAME_LENGTH], ""


def _parse_row(number: int, fields: list[str], columns: Columns) -> Row:
    raw_email = fields[columns.email] if columns.email < len(fields) else ""
    row = Row(number=number, raw_email=raw_email.strip()[:300])
    email, problem = check_email(raw_email)
    if problem:
        row.skip(ProblemKind.INVALID, problem)
        return row
    raw_name = " ".join(fields[index] for index in columns.name if index < len(fields))
    name, problem = check_name(raw_name)
    if problem:
        row.skip(ProblemKind.INVALID, problem)
        return row
    row.email, row.name = email, name
    return row


def read_rows(path: Path, delimiter: str) -> Iterator[Row]:
    """Every non-blank data row of a stored file, checked on its own; streams, never loads all."""
    with path.open(encoding="utf-8", newline="") as stream:
        records = enumerate(csv.reader(stream, delimiter=delimiter), start=1)
        columns = None
        for number, fields in records:
            if not any(value.strip() for value in fields):
                continue
            if columns is None:
                columns = find_columns(fields)
                continue
            yield _parse_row(number, fields, columns)


def mark_duplicates(rows: Iterable[Row]) -> Iterator[Row]:
    """Skip the second and later rows with an address seen earlier in the file.

    Keeps one dict entry per distinct good address: about 10 MB per 100,000 addresses.
    """
    first_row_of: dict[str, int] = {}
    for row in rows:
        if row.is_good:
            first = first_row_of.setdefault(row.email, row.number)
            if first != row.number:
                row.skip(ProblemKind.DUPLICATE, f"duplicate of row {first}")
        yield row


def existing_statuses(publication: Publication, emails: list[str]) -> dict[str, str]:
    """The status of each address's subscription to the publication, for those that have one."""
    if not emails:
        return {}
    return dict(
        Subscription.objects.filter(publication=publication)
        .annotate(email_lower=Lower("person__email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", "status")
    )


EXISTING_REASONS = {
    SubscriptionStatus.ACTIVE: "already subscribed",
    SubscriptionStatus.PENDING: "already on your list, waiting for confirmation; left as it is",
    SubscriptionStatus.UNSUBSCRIBED: "already on your list but unsubscribed; left unsubscribed",
}


def _skip_existing(publication: Publication, rows: list[Row]) -> None:
    statuses = existing_statuses(publication, [row.email for row in rows if row.is_good])
    for row in rows:
        if row.is_good and row.email in statuses:
            row.skip(ProblemKind.EXISTING, EXISTING_REASONS[statuses[row.email]])


# Storing and checking an upload -------------------------------------------------------------


def _refuse_binary(start: bytes) -> None:
    for signature, what in SPREADSHEET_SIGNATURES:
        if start.startswith(signature):
            raise ImportFileError(f"This is {what}, not a CSV file. {SAVE_AS_CSV}")
    if b"\x00" in start:
        raise ImportFileError(
            "This is not a CSV file: it contains binary data. If it is text in UTF-16 without a "
            f"byte-order mark, save it as UTF-8 instead. {SAVE_AS_CSV}"
        )


def _choose_encoding(start: bytes) -> str:
    for mark, encoding in BYTE_ORDER_MARKS:
        if start.startswith(mark):
            return encoding
    _refuse_binary(start)
    return "utf-8"


def _choose_delimiter(text: str) -> str:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    counts = [(first_line.count(delimiter), delimiter) for delimiter in DELIMITERS]
    best_count, best = max(counts, key=lambda pair: pair[0])
    return best if best_count else ","


def _not_utf8_message(line: int) -> str:
    return (
        f"This file is not in UTF-8: line {line} has characters in another encoding "
        "(perhaps Windows-1252 or Latin-1). Save it again as “CSV UTF-8” (in Excel: File › "
        "Save As › CSV UTF-8) and upload it again."
    )


def store_upload(chunks: Iterable[bytes]) -> tuple[Path, str]:
    """Decode the upload and write it as UTF-8 under PRIVATE_FILES_DIR/imports/ (never served); returns (path, delimiter)."""
    folder = Path(settings.PRIVATE_FILES_DIR) / IMPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.csv"
    try:
        delimiter = _write_decoded(iter(chunks), path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, delimiter


def _write_decoded(chunks: Iterator[bytes], path: Path) -> str:
    start = b""
    for chunk in chunks:  # gather enough bytes to recognise byte-order marks and signatures
        start += chunk
        if len(start) >= READ_CHUNK_BYTES:
            break
    if not start.strip(b" \t\r\n"):
        raise ImportFileError("The file is empty.")
    encoding = _choose_encoding(start)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    size = 0
    lines_before = 0
    delimiter = None
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as out:
        for chunk in itertools.chain([start], chunks):
            size += len(chunk)
            if size > MAX_IMPORT_BYTES:
                raise ImportFileError(too_large_message())
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as error:
                if encoding.startswith("utf-8"):
                    line = lines_before + chunk[: max(error.start, 0)].count(b"\n") + 1
                    raise ImportFileError(_not_utf8_message(line)) from None
                raise ImportFileError(
                    "This file says it is UTF-16 or UTF-32 but cannot be read as such. "
                    f"{SAVE_AS_CSV}"
                ) from None
            lines_before += chunk.count(b"\n")
            if "\x00" in text:
                raise ImportFileError(
                    f"This is not a CSV file: it contains binary data. {SAVE_AS_CSV}"
                )
            if delimiter is None and text:
                delimiter = _choose_delimiter(text)
            out.write(text)
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise ImportFileError(
                "The file ends in the middle of a character: it may be cut short. Export it again."
            ) from None
    return delimiter or ","


def too_large_message() -> str:
    return (
        f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB. "
        "Split it into smaller files and import them one after the other."
    )


def check_size(size: int | None) -> None:
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ImportFileError(too_large_message())


# Preview ------------------------------------------------------------------------------------


@dataclass
class Preview:
    total_rows: int = 0
    new_count: int = 0
    existing_count: int = 0
    duplicate_count: int = 0
    invalid_count: int = 0
    problems: dict[str, list[dict]] = field(
        default_factory=lambda: {kind: [] for kind in ProblemKind.values}
    )

    def add(self, row: Row) -> None:
        self.total_rows += 1
        if row.is_good:
            self.new_count += 1
            return
        count_field = f"{row.kind}_count"
        setattr(self, count_field, getattr(self, count_field) + 1)
        sample = self.problems[row.kind]
        if len(sample) < PREVIEW_SAMPLE_SIZE:
            sample.append({"row": row.number, "email": row.raw_email, "reason": row.reason})


def preview_file(publication: Publication, path: Path, delimiter: str) -> Preview:
    """Judge every row as the import will, without writing anything."""
    preview = Preview()
    try:
        for batch in itertools.batched(
            mark_duplicates(read_rows(path, delimiter)), PREVIEW_BATCH_SIZE
        ):
            rows = list(batch)
            _skip_existing(publication, rows)
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
        total_rows=preview.total_rows,
        new_count=preview.new_count,
        existing_count=preview.existing_count,
        duplicate_count=preview.duplicate_count,
        invalid_count=preview.invalid_count,
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
        rows = itertools.islice(mark_duplicates(read_rows(path, job.delimiter)), offset, None)
        for batch in itertools.batched(rows, IMPORT_BATCH_SIZE):
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
    _skip_existing(publication, rows)
    good = [row for row in rows if row.is_good]
    now = timezone.now()
    if good:
        person_ids = _ensure_people(good, now)
        Subscription.objects.bulk_create(
            [
                Subscription(
                    publication=publication,
                    person_id=person_ids[row.email],
                    status=SubscriptionStatus.ACTIVE,
                    source=SubscriptionSource.IMPORT,
                    created_at=now,
                    # They confirmed with the platform they come from; no confirmation email.
                    confirmed_at=now,
                )
                for row in good
            ],
            ignore_conflicts=True,
        )
        # A reader may have subscribed on the website since the existence check (possible on
        # PostgreSQL): their row won the conflict, and theirs is not ours to count.
        ours = set(
            Subscription.objects.filter(
                publication=publication,
                person_id__in=person_ids.values(),
                source=SubscriptionSource.IMPORT,
                created_at=now,
            ).values_list("person_id", flat=True)
        )
        for row in good:
            if person_ids[row.email] not in ours:
                row.skip(ProblemKind.EXISTING, EXISTING_REASONS[SubscriptionStatus.ACTIVE])
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


def _people_ids(emails: list[str]) -> dict[str, int]:
    return dict(
        Person.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .values_list("email_lower", "id")
    )


def _unusable_password() -> str:
    # What make_password(None) makes, from one urandom call instead of 40 random choices.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _ensure_people(rows: list[Row], now) -> dict[str, int]:
    """Ids of the people with these addresses, creating those who have no account yet.

    People who already have an account keep their name: a publication's file must not rename
    someone on the whole install.
    """
    ids = _people_ids([row.email for row in rows])
    missing = [row for row in rows if row.email not in ids]
    if missing:
        Person.objects.bulk_create(
            [
                Person(
                    email=row.email,
                    display_name=row.name,
                    password=_unusable_password(),
                    created_at=now,
                )
                for row in missing
            ],
            ignore_conflicts=True,
        )
        ids.update(_people_ids([row.email for row in missing]))
    return ids
