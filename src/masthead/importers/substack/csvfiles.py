"""CSV rows, dates and flags as Substack writes them, read leniently and never trusted."""

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from typing import TextIO

from masthead.importers.archives import ExportFiles
from masthead.importers.source import ExportError, LineKind

TRUE_VALUES = {"true", "t", "yes", "y", "1"}
DELETION_REQUEST_DOMAIN = "@deletion-request.substack.com"

# Where a reader puts a report line: report(kind, item, reason).
Report = Callable[[LineKind, str, str], None]


def ignore(_kind: LineKind, _item: str, _reason: str) -> None:
    """A Report for passes whose lines another pass already gives."""


class CsvRows:
    """The rows of one CSV member as dicts with lower-case headers; a broken row is an ExportError."""

    def __init__(self, files: ExportFiles, name: str):
        self.name = name
        self._stream: TextIO = files.open_text(name)
        self._reader = csv.reader(self._stream, strict=True)
        try:
            header = next(self._reader, [])
        except csv.Error as error:
            self.close()
            raise self._broken(error) from None
        self.columns = [column.strip().lower() for column in header]

    def _broken(self, error: csv.Error) -> ExportError:
        return ExportError(
            f"“{self.name}” is not a readable CSV file at line {self._reader.line_num} "
            f"({error}). Export it again from Substack and upload the new zip."
        )

    def close(self) -> None:
        self._stream.close()

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, {column: value}) per row; blank lines are skipped, short rows padded."""
        width = len(self.columns)
        try:
            while True:
                try:
                    values = next(self._reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise self._broken(error) from None
                if not any(value.strip() for value in values):
                    continue
                values = values[:width] + [""] * (width - len(values))
                yield self._reader.line_num, dict(zip(self.columns, values, strict=True))
        finally:
            self.close()


def parse_date(value: str) -> dt.datetime:
    """An aware datetime from Substack's dates (ISO 8601 with Z, an offset or none: UTC).

    Raises ValueError, OverflowError or OSError for anything else; read_date catches them.
    """
    text = value.strip()
    if text.isdigit() and len(text) in (10, 13):  # seconds or milliseconds since 1970
        return dt.datetime.fromtimestamp(int(text[:10]), tz=dt.UTC)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = dt.datetime.fromisoformat(text.replace(" UTC", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_date(value: str | None, report: Report, item: str, column: str) -> dt.datetime | None:
    """The date in a column, or None (with a warning when it was there but unreadable)."""
    if not value or not value.strip():
        return None
    try:
        return parse_date(value)
    except (ValueError, OverflowError, OSError):
        report(LineKind.WARNING, item, f"its {column} “{value[:40]}” is not a date: left empty")
        return None


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE_VALUES


def is_deletion_request(email: str) -> bool:
    """Substack replaces the address of someone who asked to be forgotten with one of these."""
    return email.strip().lower().endswith(DELETION_REQUEST_DOMAIN)
