"""The dashboard's numbers for API keys: the same query functions as the desk's Stats pages
(masthead.stats.queries), so the API and the pages cannot disagree."""

import dataclasses
import datetime as dt
import itertools
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field, field_validator

from masthead.api.access import Caller, key_auth
from masthead.api.errors import ApiProblem
from masthead.api.schemas import Problem, RowId
from masthead.stats import queries
from masthead.stats.queries.traffic import DIMENSION_SLUGS

router = Router(tags=["stats"])
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 429: Problem}
Dimension = Literal[tuple(DIMENSION_SLUGS)]


class PeriodQuery(Schema):
    days: int = Field(
        queries.DEFAULT_DAYS,
        description="The period: the last 30, 90 or 365 days, today included.",
        json_schema_extra={"enum": list(queries.PERIOD_CHOICES)},
    )

    @field_validator("days")
    @classmethod
    def one_of_the_periods(cls, days: int) -> int:
        if days not in queries.PERIOD_CHOICES:
            raise ValueError("days is 30, 90 or 365")
        return days


class DayOut(Schema):
    day: dt.date
    total: int
    free: int
    paid: int
    gained: int
    lost: int
    paid_gained: int
    paid_lost: int
    views: int
    visitors: int
    emails_sent: int
    opens: int
    clicks: int


class DailyOut(Schema):
    first_day: dt.date
    last_day: dt.date
    numbers_as_of: dt.datetime | None
    days: list[DayOut]


class SourceOut(Schema):
    source: str
    campaign: str
    gained: int
    paid_gained: int


class PostNumbersOut(Schema):
    post_id: int
    title: str
    slug: str
    published_at: dt.datetime | None
    recipients: int
    delivered: int
    opens: int
    open_rate: float | None
    clicks: int
    clickers: int
    click_rate: float | None
    views: int
    visitors: int
    likes: int
    comments: int
    restacks: int
    free_signups: int
    paid_signups: int


class MedianOut(Schema):
    post_count: int
    open_rate: float | None
    click_rate: float | None
    views: float | None
    opens: float | None
    visitors: float | None


class PostPageOut(Schema):
    page: int
    page_count: int
    median: MedianOut
    items: list[PostNumbersOut]


class LinkOut(Schema):
    link_index: int
    url: str
    clicks: int
    clickers: int


class PostDayOut(Schema):
    day: dt.date
    views: int
    visitors: int
    opens: int
    clicks: int
    likes: int
    comments: int
    restacks: int
    free_signups: int
    paid_signups: int


class PostReportOut(Schema):
    post: PostNumbersOut
    median: MedianOut
    links: list[LinkOut]
    days: list[PostDayOut]


class TrafficRowOut(Schema):
    value: str
    views: int
    visitors: int


class PostsQuery(PeriodQuery):
    page: int = 1


class TrafficQuery(PeriodQuery):
    dimension: Dimension = "referrers"
    limit: int = Field(100, ge=1, le=1000)


def _period(caller: Caller, days: int) -> queries.Period:
    return queries.period_of(caller.publication, days)


def _post_numbers(row: queries.PostRow) -> dict:
    numbers = {field.name: getattr(row, field.name) for field in dataclasses.fields(row)}
    numbers.pop("comparison")
    return {**numbers, "open_rate": row.open_rate, "click_rate": row.click_rate}


@router.get("/stats/daily", auth=key_auth, response={200: DailyOut, **ERRORS})
def daily_stats(request, params: Query[PeriodQuery]):
    """One row per day of the period (oldest first): subscribers at the day's end (total, free,
    paid), gained and lost, web views and daily unique visitors, emails sent, opens, clicks."""
    caller: Caller = request.auth
    period = _period(caller, params.days)
    growth = queries.daily_figures(caller.publication, period)
    return {
        "first_day": period.first_day,
        "last_day": period.last_day,
        "numbers_as_of": queries.last_rollup_at(caller.publication),
        "days": [dataclasses.asdict(day) for day in growth.days],
    }


@router.get("/stats/sources", auth=key_auth, response={200: list[SourceOut], **ERRORS})
def source_stats(request, params: Query[PeriodQuery]):
    """Subscribers gained in the period by source (direct, referral, recommendation, import,
    utm:<source>) and UTM campaign."""
    caller: Caller = request.auth
    rows = queries.source_rows(caller.publication, _period(caller, params.days))
    return [dataclasses.asdict(row) for row in rows]


@router.get("/stats/posts", auth=key_auth, response={200: PostPageOut, **ERRORS})
def post_stats(request, params: Query[PostsQuery]):
    """The posts published in the period, newest first, 50 a page, with their numbers to date
    and the publication's median post."""
    caller: Caller = request.auth
    if params.page < 1:
        raise ApiProblem(400, "page starts at 1.")
    listing = queries.post_listing(caller.publication, _period(caller, params.days), params.page)
    return {
        "page": listing.page.number,
        "page_count": listing.page.paginator.num_pages,
        "median": dataclasses.asdict(listing.median),
        "items": [_post_numbers(row) for row in listing.rows],
    }


@router.get("/stats/posts/{post_id}", auth=key_auth, response={200: PostReportOut, **ERRORS})
def one_post_stats(request, post_id: RowId):
    """One published post: its numbers, the median post's, clicks per link, and its first 30
    days."""
    caller: Caller = request.auth
    try:
        post = queries.get_post_for_stats(caller.publication, post_id)
    except Http404 as missing:
        raise ApiProblem(404, "No such published post here.") from missing
    report = queries.post_report(caller.publication, post, _period(caller, 30))
    return {
        "post": _post_numbers(report.row),
        "median": dataclasses.asdict(report.median),
        "links": [dataclasses.asdict(link) for link in report.links],
        "days": [dataclasses.asdict(day) for day in report.days],
    }


@router.get("/stats/traffic", auth=key_auth, response={200: list[TrafficRowOut], **ERRORS})
def traffic_stats(request, params: Query[TrafficQuery]):
    """Views and daily unique visitors (summed over days) of one dimension over the period, most
    viewed first: referrers, countries, devices, UTM sources, media and campaigns, pages."""
    caller: Caller = request.auth
    rows = queries.traffic_rows(
        caller.publication, _period(caller, params.days), DIMENSION_SLUGS[params.dimension]
    )
    return [dataclasses.asdict(row) for row in itertools.islice(rows, params.limit)]
