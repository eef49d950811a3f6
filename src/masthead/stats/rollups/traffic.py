"""The day's DailyTraffic rows: views and distinct visitors per value of each dimension."""

from django.db.models import Count

from masthead.stats.models import DailyTraffic, PageHit, TrafficDimension
from masthead.stats.rollups.days import DayBounds

TOP_VALUES = 200  # per dimension and day: a long tail of one-view referrers says little
VALUE_LENGTH = DailyTraffic._meta.get_field("value").max_length

# The PageHit column behind each dimension.
COLUMNS = {
    TrafficDimension.REFERRER: "referrer_host",
    TrafficDimension.COUNTRY: "country",
    TrafficDimension.DEVICE: "device",
    TrafficDimension.UTM_SOURCE: "utm_source",
    TrafficDimension.UTM_MEDIUM: "utm_medium",
    TrafficDimension.UTM_CAMPAIGN: "utm_campaign",
    TrafficDimension.PAGE: "path",
}
# A blank device still says something (the hit's device was not recognised); a blank referrer,
# country or UTM value only that there was none.
KEEPS_BLANK = {TrafficDimension.DEVICE}


def traffic_rows(publication, bounds: DayBounds) -> list[DailyTraffic]:
    """One grouped query per dimension (seven), each cut to its top values."""
    hits = PageHit.objects.filter(
        publication=publication, viewed_at__gte=bounds.start, viewed_at__lt=bounds.end
    )
    rows = []
    for dimension, column in COLUMNS.items():
        groups = hits if dimension in KEEPS_BLANK else hits.exclude(**{column: ""})
        top = (
            groups.values(column)
            .annotate(views=Count("pk"), visitors=Count("visitor", distinct=True))
            .order_by("-views", column)[:TOP_VALUES]
        )
        rows.extend(
            DailyTraffic(
                publication=publication,
                day=bounds.day,
                dimension=dimension,
                value=group[column][:VALUE_LENGTH],
                views=group["views"],
                visitors=group["visitors"],
            )
            for group in top
        )
    return rows
