"""What a run did, for a person: the summary, the report's lines, and the report as CSV."""

import csv
import io

from django.core.paginator import Paginator

from masthead.importers.models import ImportReportLine, ImportRun, ReportKind

REPORT_PAGE_SIZE = 100
PHASE_NOUNS = {"posts": "posts", "subscribers": "subscribers", "deliveries": "email deliveries"}
STRIPE_ADVICE = (
    "Paying readers were imported with complimentary access, and their Stripe customer ids are "
    "kept. To move their subscriptions: in Stripe, keep the same account (or migrate the "
    "customers to this install's account with Stripe's data migration), create the same plans "
    "in Paid › Plans, then run `masthead relink-stripe --publication SLUG`, which finds each "
    "kept customer's active subscription and turns their comp into it."
)


def summary_lines(run: ImportRun) -> list[str]:
    lines = []
    for phase, total in run.totals.items():
        if not total:
            continue  # a WordPress export holds no subscribers: say nothing about them
        imported = run.counts.get(f"{phase}_imported", 0)
        skipped = run.counts.get(f"{phase}_skipped", 0)
        warned = run.counts.get(f"{phase}_warning", 0)
        noun = PHASE_NOUNS.get(phase, phase)
        lines.append(
            f"{noun.capitalize()}: {total} in the export, {imported} imported, {skipped} skipped"
            + (f", {warned} notes" if warned else "")
        )
    if run.error:
        lines.append(f"Stopped: {run.error}")
    if has_paid_readers(run):
        lines.append(STRIPE_ADVICE)
    return lines


def phase_rows(run: ImportRun) -> list[dict]:
    return [
        {
            "phase": phase,
            "noun": PHASE_NOUNS.get(phase, phase),
            "total": total,
            "done": run.counts.get(f"{phase}_done", 0),
            "imported": run.counts.get(f"{phase}_imported", 0),
            "skipped": run.counts.get(f"{phase}_skipped", 0),
        }
        for phase, total in run.totals.items()
        if total
    ]


def has_paid_readers(run: ImportRun) -> bool:
    from masthead.billing.models import AccessGrant

    return AccessGrant.objects.filter(
        publication=run.publication, note__startswith=f"Imported from {run.get_source_display()}"
    ).exists()


def report_page(run: ImportRun, page_number):
    lines = run.report_lines.exclude(kind=ReportKind.IMPORTED).order_by("id")
    return Paginator(lines, REPORT_PAGE_SIZE).get_page(page_number)


def report_csv_lines(run: ImportRun):
    """The report as CSV, a few lines at a time (a report of 100,000 skipped rows streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(["what", "item", "why"])
    yield flush()
    labels = dict(ReportKind.choices)
    for line in ImportReportLine.objects.filter(run=run).order_by("id").iterator(chunk_size=2000):
        writer.writerow([labels.get(line.kind, line.kind), _cell(line.item), _cell(line.reason)])
        yield flush()


def _cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: the report must not run one.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
