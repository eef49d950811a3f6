"""The dashboard's reads, each a plain function of a publication and a period returning
dataclasses; they read only the rollup tables (and post titles), in a fixed number of queries
whatever the size of the publication. The pages and the public API share them."""

from masthead.stats.queries.growth import (
    DayFigures,
    Growth,
    Headline,
    SourceRow,
    daily_figures,
    headline_of,
    last_rollup_at,
    source_rows,
)
from masthead.stats.queries.periods import (
    DEFAULT_DAYS,
    PERIOD_CHOICES,
    Period,
    parse_days,
    period_of,
)
from masthead.stats.queries.posts import (
    Median,
    PostListing,
    PostReport,
    PostRow,
    get_post_for_stats,
    median_post,
    post_listing,
    post_report,
    post_rows,
    top_posts,
)
from masthead.stats.queries.traffic import DimensionTable, TrafficRow, top_traffic, traffic_rows

__all__ = [
    "DEFAULT_DAYS",
    "PERIOD_CHOICES",
    "DayFigures",
    "DimensionTable",
    "Growth",
    "Headline",
    "Median",
    "Period",
    "PostListing",
    "PostReport",
    "PostRow",
    "SourceRow",
    "TrafficRow",
    "daily_figures",
    "get_post_for_stats",
    "headline_of",
    "last_rollup_at",
    "median_post",
    "parse_days",
    "period_of",
    "post_listing",
    "post_report",
    "post_rows",
    "source_rows",
    "top_posts",
    "top_traffic",
    "traffic_rows",
]
