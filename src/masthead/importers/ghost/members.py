"""Ghost's members CSV (Members → Export) as subscribers.

Columns (Ghost 4–6): id, email, name, note, subscribed_to_emails, complimentary_plan,
stripe_customer_id, created_at, deleted_at, labels, tiers (Ghost 4: products); Ghost 5 may add
status (free, paid, comped). Labels and tiers are comma-separated inside their field.
"""

import csv
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from masthead.importers.archives import ExportFiles
from masthead.importers.ghost.values import datetime_of, flag_of
from masthead.importers.source import (
    ExportError,
    LineKind,
    PaidKind,
    ReportLine,
    SourceSubscriber,
)


def is_members_csv(files: ExportFiles, name: str) -> bool:
    """Whether a CSV file's header names an `email` column (what every members export has);
    ExportError when the file cannot be read as text."""
    try:
        with files.open_text(name) as stream:
            header = next(csv.reader(stream), [])
    except csv.Error:
        return False
    return "email" in {column.strip().lower() for column in header}


def read_members(
    files: ExportFiles, name: str, seen: set[str], lines: list[ReportLine]
) -> Iterator[SourceSubscriber]:
    """Every member to import, streamed, adding to `lines` one for each skipped or changed;
    `seen` holds the lower-cased addresses already read (from another list of the export)."""
    has_status = False
    guessed_paid = 0
    for line_number, row in _rows(files, name):
        has_status = "status" in row
        email = row.get("email", "").strip()
        item = f"subscriber {email}" if email else f"{name} row {line_number}"
        if row.get("deleted_at", "").strip():
            lines.append(ReportLine(LineKind.SKIPPED, item, "The member was deleted in Ghost."))
            continue
        if not _is_valid_email(email):
            reason = (
                "The row has no email address." if not email else "The email address is not valid."
            )
            lines.append(ReportLine(LineKind.SKIPPED, item, reason))
            continue
        if email.lower() in seen:
            lines.append(
                ReportLine(LineKind.SKIPPED, item, "The address appears earlier in the list.")
            )
            continue
        seen.add(email.lower())
        paid_kind = _paid_kind(row, has_status)
        if paid_kind == PaidKind.PAID and not has_status:
            guessed_paid += 1
        yield (
            SourceSubscriber(
                email=email,
                name=" ".join(row.get("name", "").split()),
                subscribed_at=datetime_of(row.get("created_at")),
                wants_email=flag_of(row.get("subscribed_to_emails")) is not False,
                paid_kind=paid_kind,
                stripe_customer_id=row.get("stripe_customer_id", "").strip(),
                labels=_labels(row),
                note=row.get("note", "").strip(),
            )
        )
    if guessed_paid:
        lines.append(
            ReportLine(
                LineKind.WARNING,
                name,
                f"This export has no status column: {guessed_paid} members with a Stripe "
                "customer were imported as paying. Check them against Stripe.",
            )
        )


def _rows(files: ExportFiles, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    with files.open_text(name) as stream:
        reader = csv.reader(stream, strict=True)
        try:
            header = [column.strip().lower() for column in next(reader, [])]
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                yield reader.line_num, dict(zip(header, values, strict=False))
        except csv.Error as error:
            raise ExportError(
                f"“{name}” is not a readable CSV file near line {reader.line_num} ({error}). "
                "Export the members from Ghost again (Members → Export) and upload that file."
            ) from None


def _is_valid_email(email: str) -> bool:
    if not email or len(email) > 254:
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def _paid_kind(row: dict[str, str], has_status: bool) -> PaidKind:
    status = row.get("status", "").strip().lower()
    if status == "comped" or flag_of(row.get("complimentary_plan")):
        return PaidKind.COMP
    if status == "paid":
        return PaidKind.PAID
    if not has_status and row.get("stripe_customer_id", "").strip():
        return PaidKind.PAID
    return PaidKind.NONE


def _labels(row: dict[str, str]) -> list[str]:
    labels: list[str] = []
    for column in ("labels", "tiers", "products"):
        for label in row.get(column, "").split(","):
            label = " ".join(label.split())
            if label and label not in labels:
                labels.append(label)
    return labels
