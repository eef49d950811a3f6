"""Web traffic of a period from DailyTraffic: the top values of each dimension (referrers,
countries, devices, UTM source, medium and campaign, pages), views and visitors summed over
the days. Visitors are each day's unique visitors added up: a reader who came on two days
counts twice, since no one is followed from one day to the next."""

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Sum, Window
from django.db.models.functions import RowNumber

from masthead.stats.models import DailyTraffic, TrafficDimension
from masthead.stats.queries.periods import Period

TOP_VALUES = 10
# The URL slug of each dimension's CSV, and its heading.
DIMENSION_SLUGS = {
    "referrers": TrafficDimension.REFERRER,
    "countries": TrafficDimension.COUNTRY,
    "devices": TrafficDimension.DEVICE,
    "utm-sources": TrafficDimension.UTM_SOURCE,
    "utm-media": TrafficDimension.UTM_MEDIUM,
    "utm-campaigns": TrafficDimension.UTM_CAMPAIGN,
    "pages": TrafficDimension.PAGE,
}
# What an empty value means in each dimension.
EMPTY_VALUE = {
    TrafficDimension.REFERRER: "Direct or unknown",
    TrafficDimension.COUNTRY: "Unknown",
    TrafficDimension.DEVICE: "Other",
}


@dataclass(frozen=True)
class TrafficRow:
    value: str
    views: int
    visitors: int


# The first column's heading in each dimension's table.
COLUMN = {
    TrafficDimension.REFERRER: "Referrer",
    TrafficDimension.COUNTRY: "Country",
    TrafficDimension.DEVICE: "Device",
    TrafficDimension.UTM_SOURCE: "Source",
    TrafficDimension.UTM_MEDIUM: "Medium",
    TrafficDimension.UTM_CAMPAIGN: "Campaign",
    TrafficDimension.PAGE: "Page",
}


@dataclass(frozen=True)
class DimensionTable:
    dimension: str
    slug: str
    heading: str
    rows: list[TrafficRow]

    @property
    def column(self) -> str:
        return COLUMN.get(self.dimension, self.heading)


def _label(dimension: str, value: str) -> str:
    return value or EMPTY_VALUE.get(dimension, "(none)")


def _summed(publication, period: Period):
    return (
        DailyTraffic.objects.filter(
            publication=publication, day__gte=period.first_day, day__lte=period.last_day
        )
        .values("dimension", "value")
        .annotate(view_sum=Sum("views"), visitor_sum=Sum("visitors"))
    )


def top_traffic(publication, period: Period, limit: int = TOP_VALUES) -> list[DimensionTable]:
    """The top `limit` values of every dimension, most viewed first (one query: the ranking
    is a window function, so the database returns at most limit rows per dimension)."""
    ranked = _summed(publication, period).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("dimension")],
            order_by=[Sum("views").desc(), F("value").asc()],
        )
    )
    by_dimension: dict[str, list[TrafficRow]] = {}
    for row in ranked.filter(rank__lte=limit).order_by("dimension", "rank"):
        by_dimension.setdefault(row["dimension"], []).append(
            TrafficRow(_label(row["dimension"], row["value"]), row["view_sum"], row["visitor_sum"])
        )
    return [
        DimensionTable(dimension, slug, dimension.label, by_dimension.get(dimension, []))
        for slug, dimension in DIMENSION_SLUGS.items()
    ]


def traffic_rows(publication, period: Period, dimension: str) -> Iterator[TrafficRow]:
    """Every value of one dimension over the period, most viewed first (for the CSV)."""
    rows = _summed(publication, period).filter(dimension=dimension).order_by("-view_sum", "value")
    for row in rows.iterator(chunk_size=2000):
        yield TrafficRow(_label(dimension, row["value"]), row["view_sum"], row["visitor_sum"])
