"""CSV exports of the desk: the subscriber list and an import's report of skipped rows.

Both stream: rows are read from the database in chunks and written out line by line, so an
export of 100,000 subscribers never holds them all in memory.
"""

import csv
from collections.abc import Iterator

from django.db.models import QuerySet
from django.utils import timezone

from masthead.subscriptions.desk_queries import PaidColumns, describe_paid, with_paid_columns
from masthead.subscriptions.import_models import ImportJob

EXPORT_CHUNK_SIZE = 2000
SUBSCRIBER_COLUMNS = ["email", "name", "status", "source", "subscribed_at", "confirmed_at"]
PAID_COLUMNS = ["plan", "paid_status", "next_charge_at"]
REPORT_COLUMNS = ["row", "email", "problem", "reason"]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(value: str) -> str:
    """Make a cell that a spreadsheet would run as a formula read as plain text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Line:
    """A file-like object for csv.writer that hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def _lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([guard_formula(str(value)) for value in row])


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


BASE_FIELDS = ("person__email", "person__display_name", "status", "source")
PAID_FIELDS = (
    "paid__plan__name",
    "paid__status",
    "paid__cancel_at_period_end",
    "paid__current_period_end",
    "grant_kind",
)


def subscriber_csv_lines(subscriptions: QuerySet) -> Iterator[str]:
    """The CSV lines of a (filtered) subscription queryset, header first."""
    values = subscriptions.values_list(*BASE_FIELDS, "created_at", "confirmed_at").iterator(
        chunk_size=EXPORT_CHUNK_SIZE
    )
    rows = (
        [email, name, status, source, _iso(created_at), _iso(confirmed_at)]
        for email, name, status, source, created_at, confirmed_at in values
    )
    return _lines(SUBSCRIBER_COLUMNS, rows)


def _paid_status(columns: PaidColumns) -> str:
    if columns.until:
        return f"{columns.status} until {timezone.localtime(columns.until).date().isoformat()}"
    return columns.status


def paid_subscriber_csv_lines(subscriptions: QuerySet, now) -> Iterator[str]:
    """The CSV lines with the plan, the paid status in words and the next charge, header first:
    still one query, streamed."""
    values = (
        with_paid_columns(subscriptions, now)
        .values_list(*BASE_FIELDS, "created_at", "confirmed_at", *PAID_FIELDS)
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )

    def rows():
        for email, name, status, source, created_at, confirmed_at, *paid in values:
            columns = describe_paid(*paid, now)
            yield [
                email,
                name,
                status,
                source,
                _iso(created_at),
                _iso(confirmed_at),
                columns.plan,
                _paid_status(columns),
                _iso(columns.next_charge_at),
            ]

    return _lines(SUBSCRIBER_COLUMNS + PAID_COLUMNS, rows())


def import_report_csv_lines(job: ImportJob) -> Iterator[str]:
    """Every row an import skipped, with the reason, header first."""
    values = (
        job.problems.order_by("row_number")
        .values_list("row_number", "email", "kind", "reason")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return _lines(REPORT_COLUMNS, ([*row] for row in values))
