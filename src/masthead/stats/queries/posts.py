"""Each post's numbers (PostTotals, written by the rollup), the publication's median post to
compare them with, a post's links and days, and the posts of a period, a page at a time."""

import datetime as dt
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import F
from django.http import Http404

from masthead.core.db import LARGEST_ID
from masthead.delivery.models import Send, SendKind
from masthead.delivery.services.subject_tests import LineResult, line_results
from masthead.posts.models import Post, PostStatus
from masthead.posts.queries import listed
from masthead.stats.models import DailyPostStats, PostLinkClicks, PostTotals
from masthead.stats.queries.periods import Period, day_of

POSTS_PAGE_SIZE = 50
TOP_POSTS = 5
POST_CHART_DAYS = 30
POST_FIELDS = ("id", "title", "slug", "published_at")
NUMBER_FIELDS = (
    "recipients",
    "delivered",
    "opens",
    "clicks",
    "clickers",
    "views",
    "visitors",
    "likes",
    "comments",
    "restacks",
    "free_signups",
    "paid_signups",
)


@dataclass(frozen=True)
class Median:
    """The publication's median post: the middle value of each number over its posts."""

    post_count: int
    open_rate: float | None
    click_rate: float | None
    views: float | None
    opens: float | None
    visitors: float | None


@dataclass(frozen=True)
class Comparison:
    """A post's open rate and views beside the median post's, in words and as a direction
    (1 above, 0 at, -1 below) that the template marks with an arrow as well as a word."""

    open_rate_words: str
    open_rate_direction: int
    views_words: str
    views_direction: int


@dataclass(frozen=True)
class PostRow:
    post_id: int
    title: str
    slug: str
    published_at: dt.datetime | None
    recipients: int = 0
    delivered: int = 0
    opens: int = 0
    clicks: int = 0
    clickers: int = 0
    views: int = 0
    visitors: int = 0
    likes: int = 0
    comments: int = 0
    restacks: int = 0
    free_signups: int = 0
    paid_signups: int = 0
    comparison: Comparison | None = None

    @property
    def open_rate(self) -> float | None:
        return self.opens / self.delivered if self.delivered else None

    @property
    def click_rate(self) -> float | None:
        return self.clickers / self.delivered if self.delivered else None

    @property
    def signups(self) -> int:
        return self.free_signups + self.paid_signups


def _direction(value: float, middle: float, tolerance: float) -> int:
    if abs(value - middle) <= tolerance:
        return 0
    return 1 if value > middle else -1


def compare(row: PostRow, median: Median) -> Comparison:
    if row.open_rate is None or median.open_rate is None:
        rate_words, rate_direction = "no email opens to compare", 0
    else:
        points = (row.open_rate - median.open_rate) * 100
        rate_direction = _direction(points, 0, 0.5)
        rate_words = (
            "at the median"
            if rate_direction == 0
            else f"{abs(points):.1f} pts {'above' if points > 0 else 'below'} the median"
        )
    if not median.views:
        views_words, views_direction = "no median views yet", 0
    else:
        ratio = row.views / median.views
        views_direction = _direction(ratio, 1, 0.05)
        views_words = "at the median" if views_direction == 0 else f"{ratio:.1f}× the median"
    return Comparison(rate_words, rate_direction, views_words, views_direction)


def _middle(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def median_post(publication) -> Median:
    """The median of each number over the publication's posts (one query; the middle is found
    in Python, which every database can do alike)."""
    rows = list(
        PostTotals.objects.filter(publication=publication)
        .exclude(post__kind="page")
        .values_list("delivered", "opens", "clickers", "views", "visitors")
    )
    emailed = [row for row in rows if row[0]]
    return Median(
        post_count=len(rows),
        open_rate=_middle([opens / delivered for delivered, opens, _, _, _ in emailed]),
        click_rate=_middle([clickers / delivered for delivered, _, clickers, _, _ in emailed]),
        views=_middle([row[3] for row in rows]),
        opens=_middle([row[1] for row in emailed]),
        visitors=_middle([row[4] for row in rows]),
    )


def _row(post_id, title, slug, published_at, totals: dict | None, median) -> PostRow:
    row = PostRow(post_id, title, slug, published_at, **(totals or {}))
    if median is None:
        return row
    return PostRow(
        post_id, title, slug, published_at, **(totals or {}), comparison=compare(row, median)
    )


def published_in(publication, period: Period):
    return listed(
        Post.objects.filter(
            publication=publication,
            status=PostStatus.PUBLISHED,
            published_at__gte=period.starts_at,
            published_at__lt=period.ends_at,
        )
    ).order_by("-published_at", "-id")


@dataclass(frozen=True)
class PostListing:
    page: Page
    rows: list[PostRow]
    median: Median


def post_listing(publication, period: Period, page_number) -> PostListing:
    """The period's posts, newest first, a page of 50, each with its totals and its comparison
    with the median post (four queries: count, page, totals, median)."""
    paginator = Paginator(published_in(publication, period).values(*POST_FIELDS), POSTS_PAGE_SIZE)
    page = paginator.get_page(page_number)
    median = median_post(publication)
    return PostListing(page, _with_totals(publication, list(page.object_list), median), median)


def _with_totals(publication, posts: list[dict], median: Median | None) -> list[PostRow]:
    totals = {
        row["post_id"]: {name: row[name] for name in NUMBER_FIELDS}
        for row in PostTotals.objects.filter(
            publication=publication, post_id__in=[post["id"] for post in posts]
        ).values("post_id", *NUMBER_FIELDS)
    }
    return [
        _row(
            post["id"],
            post["title"],
            post["slug"],
            post["published_at"],
            totals.get(post["id"]),
            median,
        )
        for post in posts
    ]


def post_rows(publication, period: Period, chunk_size: int = 500) -> Iterator[PostRow]:
    """Every post of the period with its totals, newest first, for the CSV: read in chunks, so
    a long export never holds every post (a post the rollup has not reached reads as zeros)."""
    median = median_post(publication)
    chunk: list[dict] = []
    posts = published_in(publication, period).values(*POST_FIELDS)
    for post in posts.iterator(chunk_size=chunk_size):
        chunk.append(post)
        if len(chunk) == chunk_size:
            yield from _with_totals(publication, chunk, median)
            chunk = []
    if chunk:
        yield from _with_totals(publication, chunk, median)


def top_posts(publication, period: Period, limit: int = TOP_POSTS) -> list[PostRow]:
    """The period's posts most read, by email opens plus web views (one query)."""
    totals = (
        PostTotals.objects.filter(
            publication=publication,
            post__status=PostStatus.PUBLISHED,
            post__published_at__gte=period.starts_at,
            post__published_at__lt=period.ends_at,
        )
        .exclude(post__kind="page")
        .annotate(reads=F("opens") + F("views"))
        .order_by("-reads", "-post__published_at")
        .values("post_id", "post__title", "post__slug", "post__published_at", *NUMBER_FIELDS)[
            :limit
        ]
    )
    return [
        _row(
            row["post_id"],
            row["post__title"],
            row["post__slug"],
            row["post__published_at"],
            {name: row[name] for name in NUMBER_FIELDS},
            None,
        )
        for row in totals
    ]


def get_post_for_stats(publication, post_id: int) -> Post:
    """A published post of this publication, or 404 (a draft has no numbers yet)."""
    if not 0 < post_id <= LARGEST_ID:
        raise Http404("No such post.")
    post = Post.objects.filter(
        publication=publication, pk=post_id, status=PostStatus.PUBLISHED
    ).first()
    if post is None:
        raise Http404("No such post.")
    return post


@dataclass(frozen=True)
class LinkRow:
    link_index: int
    url: str
    clicks: int
    clickers: int


@dataclass(frozen=True)
class PostDay:
    day: dt.date
    views: int = 0
    visitors: int = 0
    opens: int = 0
    clicks: int = 0
    likes: int = 0
    comments: int = 0
    restacks: int = 0
    free_signups: int = 0
    paid_signups: int = 0

    @property
    def label(self) -> str:
        return f"{self.day.day} {self.day:%b %Y}"

    @property
    def signups(self) -> int:
        return self.free_signups + self.paid_signups


POST_DAY_FIELDS = (
    "views",
    "visitors",
    "opens",
    "clicks",
    "likes",
    "comments",
    "restacks",
    "free_signups",
    "paid_signups",
)


@dataclass(frozen=True)
class SubjectTestReport:
    """A post's subject test: each line's sample and results, and the winner once chosen."""

    lines: list[LineResult]
    metric: str  # posts.models.SubjectTestMetric
    sample_percent: int | None
    decide_at: dt.datetime | None
    winner: int | None
    decided_at: dt.datetime | None
    rest_count: int

    @property
    def winning_line(self) -> LineResult | None:
        return self.lines[self.winner] if self.winner is not None else None


@dataclass(frozen=True)
class PostReport:
    row: PostRow
    median: Median
    links: list[LinkRow]
    days: list[PostDay]
    subject_test: SubjectTestReport | None = None


def subject_test_report(post) -> SubjectTestReport | None:
    """The post's newsletter's subject test, read live from its deliveries (two queries), or
    None when it had none."""
    send = (
        Send.objects.filter(post=post, kind=SendKind.NEWSLETTER)
        .exclude(test_decide_at=None)
        .only(
            "id",
            "subject_lines",
            "test_metric",
            "test_sample_percent",
            "test_decide_at",
            "test_winner",
            "test_decided_at",
            "recipient_count",
        )  # fmt: skip
        .first()
    )
    if send is None:
        return None
    lines = line_results(send)
    return SubjectTestReport(
        lines=lines,
        metric=send.test_metric,
        sample_percent=send.test_sample_percent,
        decide_at=send.test_decide_at,
        winner=send.test_winner,
        decided_at=send.test_decided_at,
        rest_count=send.recipient_count - sum(line.sample_count for line in lines),
    )


def link_rows(post) -> list[LinkRow]:
    return [
        LinkRow(**row)
        for row in PostLinkClicks.objects.filter(post=post)
        .order_by("-clicks", "link_index")
        .values("link_index", "url", "clicks", "clickers")
    ]


def post_days(post, zone, today: dt.date) -> list[PostDay]:
    """The post's first 30 days since publication (fewer if it is younger), one query."""
    first = day_of(post.published_at, zone) or today
    last = min(first + dt.timedelta(days=POST_CHART_DAYS - 1), max(today, first))
    rows = {
        row["day"]: row
        for row in DailyPostStats.objects.filter(post=post, day__gte=first, day__lte=last).values(
            "day", *POST_DAY_FIELDS
        )
    }
    days = []
    day = first
    while day <= last:
        days.append(PostDay(**rows[day]) if day in rows else PostDay(day))
        day += dt.timedelta(days=1)
    return days


def post_report(publication, post, period: Period) -> PostReport:
    """One post against the median post, its links, its first days (four queries) and its
    subject test (two more)."""
    numbers = (
        PostTotals.objects.filter(post=post, publication=publication).values(*NUMBER_FIELDS).first()
    )
    median = median_post(publication)
    row = _row(post.id, post.title, post.slug, post.published_at, numbers, median)
    return PostReport(
        row,
        median,
        link_rows(post),
        post_days(post, period.zone, period.last_day),
        subject_test_report(post),
    )
