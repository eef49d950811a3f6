"""Email history out of `<post_id>.delivers.csv` and `<post_id>.opens.csv`: one delivery per
(post, address), with its first delivery, first open and number of opens."""

import datetime as dt
from collections.abc import Iterator

from masthead.importers.archives import ExportFiles
from masthead.importers.source import LineKind, SourceDelivery
from masthead.importers.substack.csvfiles import CsvRows, Report, ignore, is_deletion_request
from masthead.importers.substack.csvfiles import parse_date as parse_timestamp
from masthead.importers.substack.posts import post_rows

SUFFIXES = {".delivers.csv": "delivers", ".opens.csv": "opens"}


def find_history_files(files: ExportFiles) -> dict[tuple[str, str], str]:
    """(post_id, "delivers" or "opens") -> file name; posts/ wins over the root."""
    found: dict[tuple[str, str], str] = {}
    for folder in ("posts/", ""):
        for name in files.names:
            rest = name.removeprefix(folder)
            if not name.startswith(folder) or "/" in rest:
                continue
            for suffix, history in SUFFIXES.items():
                if rest.lower().endswith(suffix) and len(rest) > len(suffix):
                    found.setdefault((rest[: -len(suffix)], history), name)
    return found


def read_deliveries(
    files: ExportFiles, history_files: dict[tuple[str, str], str], report: Report
) -> Iterator[SourceDelivery]:
    """Deliveries post by post in posts.csv's order, addresses in the order first seen."""
    post_ids = [post_id for post_id, _row in post_rows(files, ignore)]
    known = set(post_ids)
    for (post_id, _history), name in sorted(history_files.items()):
        if post_id not in known:
            report(LineKind.SKIPPED, name, "its post is not in posts.csv: history not imported")
    for post_id in post_ids:
        yield from post_deliveries(files, history_files, post_id, report)


def post_deliveries(
    files: ExportFiles, history_files: dict[tuple[str, str], str], post_id: str, report: Report
) -> Iterator[SourceDelivery]:
    by_email: dict[str, SourceDelivery] = {}
    for history in ("delivers", "opens"):
        name = history_files.get((post_id, history))
        if name is None:
            continue
        rows = CsvRows(files, name)
        if "email" not in rows.columns:
            rows.close()
            report(LineKind.SKIPPED, name, "has no email column: history not imported")
            continue
        # Counted per file: a line per row would bury the report under 100,000 lines.
        skipped = unreadable = 0
        for _number, row in rows:
            email = row["email"].strip().lower()
            if not email or is_deletion_request(email):
                skipped += 1
                continue
            moment = None
            if row.get("timestamp", "").strip():
                try:
                    moment = parse_timestamp(row["timestamp"])
                except (ValueError, OverflowError, OSError):
                    unreadable += 1
            delivery = by_email.get(email)
            if delivery is None:
                delivery = by_email[email] = SourceDelivery(post_source_id=post_id, email=email)
            if history == "delivers":
                delivery.delivered_at = earliest(delivery.delivered_at, moment)
            else:
                delivery.opened_at = earliest(delivery.opened_at, moment)
                delivery.open_count += 1
        if skipped:
            report(
                LineKind.SKIPPED,
                name,
                f"{skipped} row(s) without an address, or of deleted subscribers, skipped",
            )
        if unreadable:
            report(LineKind.WARNING, name, f"{unreadable} row(s) had no readable timestamp")
    yield from by_email.values()


def earliest(current: dt.datetime | None, moment: dt.datetime | None) -> dt.datetime | None:
    if current is None:
        return moment
    return current if moment is None else min(current, moment)
