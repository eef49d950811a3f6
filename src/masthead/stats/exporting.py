"""Every table of the dashboard as CSV, by the slug in export/<table>.csv: the lines stream
out as they are read, and a cell a spreadsheet would run as a formula is written as text."""

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from masthead.stats import queries
from masthead.stats.queries.traffic import DIMENSION_SLUGS
from masthead.subscriptions.exporting import guard_formula


class _Line:
    """A file-like object for csv.writer that hands back each line instead of storing it."""

    def write(self, line: str) -> str:
        return line


def _lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([guard_formula(str(value)) for value in row])


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _subscriber_days(publication, period, post) -> Iterator[list]:
    for day in queries.daily_figures(publication, period).days:
        yield [day.day, day.total, day.free, day.paid, day.gained, day.lost,
               day.paid_gained, day.paid_lost]  # fmt: skip


def _web_days(publication, period, post) -> Iterator[list]:
    for day in queries.daily_figures(publication, period).days:
        yield [day.day, day.views, day.visitors, day.emails_sent, day.opens, day.clicks]


def _sources(publication, period, post) -> Iterator[list]:
    for row in queries.source_rows(publication, period):
        yield [row.source, row.campaign, row.gained, row.paid_gained]


def _posts(publication, period, post) -> Iterator[list]:
    for row in queries.post_rows(publication, period):
        yield [
            row.post_id, row.title, row.published_at.isoformat() if row.published_at else "",
            row.recipients, row.delivered, row.opens, _rate(row.open_rate), row.clicks,
            row.clickers, _rate(row.click_rate), row.views, row.visitors, row.likes,
            row.comments, row.restacks, row.free_signups, row.paid_signups,
        ]  # fmt: skip


def _post_days(publication, period, post) -> Iterator[list]:
    report = queries.post_report(publication, post, period)
    for day in report.days:
        yield [day.day, day.views, day.visitors, day.opens, day.clicks, day.likes,
               day.comments, day.restacks, day.free_signups, day.paid_signups]  # fmt: skip


def _post_links(publication, period, post) -> Iterator[list]:
    for link in queries.post_report(publication, post, period).links:
        yield [link.link_index, link.url, link.clicks, link.clickers]


def _traffic(dimension: str) -> Callable:
    def rows(publication, period, post) -> Iterator[list]:
        for row in queries.traffic_rows(publication, period, dimension):
            yield [row.value, row.views, row.visitors]

    return rows


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: Callable  # (publication, period, post) -> rows
    needs_post: bool = False


TABLES: dict[str, Table] = {
    "subscribers": Table(
        ["day", "total", "free", "paid", "gained", "lost", "paid_gained", "paid_lost"],
        _subscriber_days,
    ),
    "daily": Table(["day", "views", "visitors", "emails_sent", "opens", "clicks"], _web_days),
    "sources": Table(["source", "campaign", "gained", "paid_gained"], _sources),
    "posts": Table(
        [
            "post_id",
            "title",
            "published_at",
            "recipients",
            "delivered",
            "opens",
            "open_rate",
            "clicks",
            "clickers",
            "click_rate",
            "views",
            "visitors",
            "likes",
            "comments",
            "restacks",
            "free_signups",
            "paid_signups",
        ],
        _posts,
    ),  # fmt: skip
    "post-days": Table(
        [
            "day",
            "views",
            "visitors",
            "opens",
            "clicks",
            "likes",
            "comments",
            "restacks",
            "free_signups",
            "paid_signups",
        ],
        _post_days,
        needs_post=True,
    ),  # fmt: skip
    "post-links": Table(["link_index", "url", "clicks", "clickers"], _post_links, True),
    **{
        slug: Table([str(dimension), "views", "visitors_summed"], _traffic(dimension))
        for slug, dimension in DIMENSION_SLUGS.items()
    },  # fmt: skip
}


def csv_lines(table: Table, publication, period, post=None) -> Iterator[str]:
    """The table's CSV lines, header first, each cell formula-safe."""
    return _lines(table.header, table.rows(publication, period, post))
