"""SubstackReader: judges a whole Substack export, then streams its posts, subscribers and history."""

from collections.abc import Iterator

from masthead.importers.archives import ExportFiles
from masthead.importers.source import (
    ExportError,
    LineKind,
    ReportLine,
    SourceDelivery,
    SourcePost,
    SourceSubscriber,
)
from masthead.importers.substack.csvfiles import Report
from masthead.importers.substack.history import find_history_files, read_deliveries
from masthead.importers.substack.posts import POSTS_CSV, read_posts
from masthead.importers.substack.subscribers import SubscriberFiles, read_subscribers


class SubstackReader:
    """Reads a Substack export into SourcePost, SourceSubscriber and SourceDelivery values.

    check() reads (and converts) everything once, keeping nothing but counts, so an export
    that cannot be imported fails before anything is written, and its lines are the whole
    report; the iterators then read it again and meet the same lines (report_lines()).
    """

    source = "substack"

    def __init__(self, files: ExportFiles):
        self.files = files
        self._lines: list[ReportLine] = []
        self._line_keys: set[tuple[str, str, str]] = set()
        self._counts: dict[str, int] | None = None
        self._history_files = find_history_files(files)
        self._subscriber_files: SubscriberFiles | None = None
        self._slugs: set[str] = set()

    def _subscribers_found(self) -> SubscriberFiles:
        if self._subscriber_files is None:
            self._subscriber_files = SubscriberFiles.find(self.files)
        return self._subscriber_files

    def check(self) -> list[ReportLine]:
        """Raise ExportError if the export cannot be imported, else the lines for what will be
        skipped or changed."""
        if not self.files.has(POSTS_CSV) and not self._subscribers_found():
            raise ExportError(
                "This zip is not a Substack export: it has no posts.csv and no subscriber list"
                " (email_list.<name>.csv). In Substack, open Settings → Exports, create a new"
                " export, and upload the zip Substack emails you, as it is."
            )
        lines: list[ReportLine] = []
        report = collect_into(lines, set())
        self._slugs = {post.slug for post in read_posts(self.files, report)}
        self._counts = {
            "posts": len(self._slugs),
            "subscribers": count(read_subscribers(self.files, self._subscribers_found(), report)),
            "deliveries": count(read_deliveries(self.files, self._history_files, report)),
        }
        return lines

    def post_slugs(self) -> set[str]:
        """The addresses the posts will have (after check(), without converting bodies again)."""
        if self._counts is None:
            self.check()
        return set(self._slugs)

    def count(self) -> dict[str, int]:
        """How many of each the iterators will yield (runs check() if it has not run)."""
        if self._counts is None:
            self.check()
        return dict(self._counts or {})

    def report_lines(self) -> list[ReportLine]:
        """What the iterators skipped or changed so far, in the order they met it, each once
        however often they ran."""
        return list(self._lines)

    def _collect(self) -> Report:
        return collect_into(self._lines, self._line_keys)

    def posts(self) -> Iterator[SourcePost]:
        """The posts in posts.csv's order, bodies converted to Masthead Markdown."""
        yield from read_posts(self.files, self._collect())

    def subscribers(self) -> Iterator[SourceSubscriber]:
        """Email-list subscribers in file order, then those only in the dashboard export."""
        found = self._subscribers_found()
        yield from read_subscribers(self.files, found, self._collect())

    def deliveries(self) -> Iterator[SourceDelivery]:
        """One per (post, address): posts in posts.csv's order, addresses as first seen."""
        yield from read_deliveries(self.files, self._history_files, self._collect())


def collect_into(lines: list[ReportLine], keys: set[tuple[str, str, str]]) -> Report:
    """A Report adding each line to lines once (an iterator may run more than once)."""

    def report(kind: LineKind, item: str, reason: str) -> None:
        if (kind, item, reason) not in keys:
            keys.add((kind, item, reason))
            lines.append(ReportLine(kind=kind, item=item, reason=reason))

    return report


def count(items: Iterator) -> int:
    return sum(1 for _item in items)
