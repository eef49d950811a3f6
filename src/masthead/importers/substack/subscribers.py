"""Subscribers out of `email_list.<subdomain>.csv` and the dashboard's subscriber export."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from masthead.importers.archives import ExportFiles
from masthead.importers.source import ExportError, LineKind, PaidKind, SourceSubscriber
from masthead.importers.substack.csvfiles import (
    CsvRows,
    Report,
    ignore,
    is_deletion_request,
    is_true,
    read_date,
)

EMAIL_LIST_NAME = re.compile(r"^email_list(\..+)?\.csv$", re.IGNORECASE)
NOT_SUBSCRIBER_LISTS = ("posts.csv", ".delivers.csv", ".opens.csv")
# The dashboard export's `type` (and the email list's `plan` for comp and gift).
PAID_KINDS = {
    "paid": PaidKind.PAID,
    "ios_app": PaidKind.PAID,
    "comp": PaidKind.COMP,
    "gift": PaidKind.GIFT,
}
FREE_TYPES = {"", "free", "none", "subscriber"}


@dataclass
class SubscriberFiles:
    email_lists: list[str]
    dashboards: list[str]  # CSV files at the root with `email` and `type` columns

    @classmethod
    def find(cls, files: ExportFiles) -> "SubscriberFiles":
        email_lists, dashboards = [], []
        for name in files.names:
            lower = name.lower()
            if "/" in name or not lower.endswith(".csv"):
                continue
            if EMAIL_LIST_NAME.match(name):
                email_lists.append(name)
            elif not lower.endswith(NOT_SUBSCRIBER_LISTS):
                rows = CsvRows(files, name)
                rows.close()
                if {"email", "type"} <= set(rows.columns):
                    dashboards.append(name)
        return cls(email_lists, dashboards)

    def __bool__(self) -> bool:
        return bool(self.email_lists or self.dashboards)


def read_subscribers(
    files: ExportFiles, found: SubscriberFiles, report: Report
) -> Iterator[SourceSubscriber]:
    """Email-list subscribers in file order, then those only in a dashboard export."""
    # With both lists, the dashboard's paid details win. Looking them up by address keeps one
    # entry per dashboard row in memory (Substack's dashboard export is of paying readers).
    overrides: dict[str, SourceSubscriber] = {}
    if found.email_lists:
        for name in found.dashboards:
            for subscriber in dashboard_rows(files, name, ignore):
                overrides.setdefault(subscriber.email.lower(), subscriber)
    seen: set[str] = set()
    for name in found.email_lists:
        for subscriber in email_list_rows(files, name, report):
            key = subscriber.email.lower()
            if is_repeated(key, seen, name, report):
                continue
            if key in overrides:
                merge_dashboard(subscriber, overrides[key])
            yield subscriber
    for name in found.dashboards:
        for subscriber in dashboard_rows(files, name, report):
            key = subscriber.email.lower()
            if key in overrides and key in seen:
                continue  # merged into the email list's row above
            if is_repeated(key, seen, name, report):
                continue
            yield subscriber


def is_repeated(key: str, seen: set[str], name: str, report: Report) -> bool:
    if key in seen:
        report(
            LineKind.SKIPPED,
            f"subscriber {key}",
            f"appears twice (again in {name}): kept the first",
        )
        return True
    seen.add(key)
    return False


def usable_rows(
    files: ExportFiles, name: str, report: Report
) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(email, report item, row) for each row with an address we may import."""
    rows = CsvRows(files, name)
    if "email" not in rows.columns:
        rows.close()
        raise ExportError(
            f"“{name}” has no email column: it is not a Substack subscriber list. Upload the"
            " zip as Substack sent it."
        )
    for number, row in rows:
        email = row["email"].strip()
        if not email:
            report(LineKind.SKIPPED, f"{name} row {number}", "has no email address")
        elif is_deletion_request(email):
            report(
                LineKind.SKIPPED,
                f"subscriber {email}",
                "asked Substack to delete their data: not imported",
            )
        else:
            yield email, f"subscriber {email}", row


def email_list_rows(files: ExportFiles, name: str, report: Report) -> Iterator[SourceSubscriber]:
    for email, item, row in usable_rows(files, name, report):
        plan = row.get("plan", "").strip().lower()
        if plan in (PaidKind.COMP, PaidKind.GIFT):
            paid_kind = PaidKind(plan)
        elif is_true(row.get("active_subscription")):
            paid_kind = PaidKind.PAID
        else:
            paid_kind = PaidKind.NONE
        yield SourceSubscriber(
            email=email,
            name=row.get("name", "").strip(),
            subscribed_at=read_date(row.get("created_at"), report, item, "created_at"),
            wants_email=not is_true(row.get("email_disabled")),
            paid_kind=paid_kind,
            paid_until=read_date(row.get("expiry"), report, item, "expiry"),
            stripe_customer_id=row.get("stripe_connected_customer_id", "").strip(),
        )


def dashboard_rows(files: ExportFiles, name: str, report: Report) -> Iterator[SourceSubscriber]:
    for email, item, row in usable_rows(files, name, report):
        kind = row.get("type", "").strip().lower()
        if kind not in PAID_KINDS and kind not in FREE_TYPES:
            report(LineKind.WARNING, item, f"has an unknown type “{kind[:40]}”: imported as free")
        column = "created_at" if row.get("created_at", "").strip() else "subscription_date"
        yield SourceSubscriber(
            email=email,
            name=row.get("name", "").strip(),
            subscribed_at=read_date(row.get(column), report, item, column),
            wants_email=not is_true(row.get("email_disabled")),
            paid_kind=PAID_KINDS.get(kind, PaidKind.NONE),
            paid_until=read_date(row.get("expiry"), report, item, "expiry"),
            stripe_customer_id=row.get("stripe_connected_customer_id", "").strip(),
        )


def merge_dashboard(subscriber: SourceSubscriber, dashboard: SourceSubscriber) -> None:
    """The dashboard export knows the paid details better than the email list."""
    if dashboard.paid_kind is PaidKind.NONE:
        subscriber.paid_until = None
    elif dashboard.paid_until:
        subscriber.paid_until = dashboard.paid_until
    subscriber.paid_kind = dashboard.paid_kind
    subscriber.stripe_customer_id = dashboard.stripe_customer_id or subscriber.stripe_customer_id
    subscriber.name = subscriber.name or dashboard.name
    subscriber.subscribed_at = subscriber.subscribed_at or dashboard.subscribed_at
    subscriber.wants_email = subscriber.wants_email and dashboard.wants_email
