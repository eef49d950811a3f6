"""Reading a subscriber CSV: decoding, columns, checking each row against the list.

Part of the import described in masthead.subscriptions.importing.
"""

import codecs
import csv
import datetime as dt
import itertools
import logging
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db.models.functions import Lower

from masthead.core.addresses import (
    InvalidAddress,
    has_utf8_local_part,
    normalize_address,
    transport_offers_smtputf8,
)
from masthead.publications.models import Publication
from masthead.subscriptions.import_models import ProblemKind
from masthead.subscriptions.importing.columns import Columns, find_columns
from masthead.subscriptions.importing.errors import ImportFileError
from masthead.subscriptions.importing.values import judge_status, parse_date, parse_labels
from masthead.subscriptions.models import Subscription, SubscriptionStatus

logger = logging.getLogger(__name__)

PREVIEW_SAMPLE_SIZE = 20
PREVIEW_BATCH_SIZE = 1000
# A running job whose heartbeat is older than this lost its worker; another run may take over.
ABANDONED_AFTER = dt.timedelta(minutes=5)
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 80
IMPORTS_FOLDER = "imports"
READ_CHUNK_BYTES = 64 * 1024

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


# Reading and checking rows ------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """One data row of the file, judged on its own, then against the file and the list."""

    number: int  # the row as a spreadsheet numbers it: the header is row 1
    raw_email: str
    email: str = ""  # normalised (lowercased, ASCII domain) and valid, or empty
    name: str = ""
    status: str = SubscriptionStatus.ACTIVE  # what the new subscription is: active or unsubscribed
    created_at: dt.datetime | None = None  # when they subscribed at the source, when readable
    labels: list[str] = field(default_factory=list)
    kind: str = ""  # empty while the row is good; a ProblemKind once it is skipped
    reason: str = ""

    @property
    def is_good(self) -> bool:
        return not self.kind

    def skip(self, kind: str, reason: str) -> None:
        self.kind, self.reason = kind, reason


def check_email(raw: str) -> tuple[str, str]:
    """The address normalised (lowercased, ASCII domain) and an empty reason; or an empty
    address and the reason the row is skipped."""
    email = raw.strip().lower()
    if not email:
        return "", "no email address"
    if len(email) > MAX_EMAIL_LENGTH:
        return "", f"the address is longer than {MAX_EMAIL_LENGTH} characters"
    try:
        # UTF-8 local parts are judged below, so that the report says why they were skipped.
        email = normalize_address(email, allow_utf8_local_part=True)
    except InvalidAddress:
        return "", "not a valid email address"
    # Asks the SMTP server only when a row has a UTF-8 local part, and then once an hour.
    if has_utf8_local_part(email) and not transport_offers_smtputf8():
        return "", (
            "the part before the @ has characters our mail server cannot deliver to "
            "(it does not offer SMTPUTF8)"
        )
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
    if columns.status is not None or columns.file_status:
        raw_status = _field(fields, columns.status) if columns.status is not None else ""
        status, problem = judge_status(raw_status or columns.file_status)
        if problem:
            row.skip(ProblemKind.EXCLUDED, problem)
            return row
        row.status = status
    row.created_at = next(
        (date for index in columns.created if (date := parse_date(_field(fields, index)))), None
    )
    if columns.labels is not None:
        row.labels = parse_labels(_field(fields, columns.labels))
    return row


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def read_header(path: Path, delimiter: str) -> Columns:
    """The columns of a stored file, from its first non-blank row."""
    with path.open(encoding="utf-8", newline="") as stream:
        for fields in csv.reader(stream, delimiter=delimiter):
            if any(value.strip() for value in fields):
                return find_columns(fields)
    raise ImportFileError("The file is empty.")


def read_rows(path: Path, delimiter: str, columns: Columns | None = None) -> Iterator[Row]:
    """Every non-blank data row of a stored file, checked on its own; streams, never loads all.

    Reads the columns from the header unless given them (as the preview stored them).
    """
    with path.open(encoding="utf-8", newline="") as stream:
        records = enumerate(csv.reader(stream, delimiter=delimiter), start=1)
        is_header = True
        for number, fields in records:
            if not any(value.strip() for value in fields):
                continue
            if is_header:
                is_header = False
                columns = columns or find_columns(fields)
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


def skip_existing(publication: Publication, rows: list[Row]) -> None:
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
            if size > settings.SUBSCRIBER_IMPORT_MAX_BYTES:
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
        f"The file is larger than {settings.SUBSCRIBER_IMPORT_MAX_BYTES // (1024 * 1024)} MB. "
        "Split it into smaller files and import them one after the other."
    )


def check_size(size: int | None) -> None:
    if size is not None and size > settings.SUBSCRIBER_IMPORT_MAX_BYTES:
        raise ImportFileError(too_large_message())


# Preview ------------------------------------------------------------------------------------
