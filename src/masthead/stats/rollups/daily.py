"""The day's rows of DailyPublicationStats, DailySourceStats and DailyPostStats, computed by
aggregate queries (definitions in the package's docstring)."""

from collections import defaultdict

from django.db.models import Count, F, Q

from masthead.billing.models import AccessGrant, PaidSubscription
from masthead.delivery.models import Delivery, DeliveryEvent, DeliveryEventKind, SendKind
from masthead.engagement.models import Comment, Like
from masthead.notes.models import Note
from masthead.stats.models import (
    DailyPostStats,
    DailyPublicationStats,
    DailySourceStats,
    PageHit,
)
from masthead.stats.rollups import rules
from masthead.stats.rollups.days import DayBounds
from masthead.subscriptions.models import Subscription, SubscriptionSource

SOURCE_LENGTH = DailySourceStats._meta.get_field("source").max_length
CAMPAIGN_LENGTH = DailySourceStats._meta.get_field("campaign").max_length
DIRECT_SOURCES = {SubscriptionSource.WEBSITE, SubscriptionSource.STAFF}


def _between(field: str, bounds: DayBounds) -> Q:
    return Q(**{f"{field}__gte": bounds.start, f"{field}__lt": bounds.end})


def publication_stats(publication, bounds: DayBounds) -> DailyPublicationStats:
    """Six aggregate queries."""
    end = bounds.end
    subscriptions = Subscription.objects.filter(publication=publication).aggregate(
        total=Count("pk", filter=rules.subscribed_at(end)),
        paid=Count("pk", filter=rules.subscribed_at(end) & rules.paid_at(publication.id, end)),
        gained=Count("pk", filter=rules.confirmed_between(bounds.start, end)),
        lost=Count("pk", filter=rules.unsubscribed_between(bounds.start, end)),
    )
    paid_moves = PaidSubscription.objects.filter(
        rules.ever_paid(), subscription__publication=publication
    ).aggregate(
        started=Count("pk", filter=_between("started_at", bounds)),
        ended=Count("pk", filter=_between("ended_at", bounds)),
    )
    subscriber = Subscription.objects.filter(publication=publication).values("person")
    grant_moves = AccessGrant.objects.filter(
        publication=publication, person__in=subscriber
    ).aggregate(
        started=Count("pk", filter=_between("starts_at", bounds)),
        ended=Count("pk", filter=_between("ends_at", bounds)),
    )
    hits = PageHit.objects.filter(
        publication=publication, viewed_at__gte=bounds.start, viewed_at__lt=end
    ).aggregate(views=Count("pk"), visitors=Count("visitor", distinct=True))
    email = Delivery.objects.filter(
        _between("sent_at", bounds) | _between("opened_at", bounds),
        send__publication=publication,
    ).aggregate(
        sent=Count("pk", filter=_between("sent_at", bounds)),
        opens=Count("pk", filter=_between("opened_at", bounds)),
    )
    clicks = DeliveryEvent.objects.filter(
        _between("created_at", bounds),
        kind=DeliveryEventKind.CLICK,
        delivery__send__publication=publication,
    ).count()
    total, paid = subscriptions["total"], subscriptions["paid"]
    return DailyPublicationStats(
        publication=publication,
        day=bounds.day,
        total=total,
        free=total - paid,
        paid=paid,
        gained=subscriptions["gained"],
        lost=subscriptions["lost"],
        paid_gained=paid_moves["started"] + grant_moves["started"],
        paid_lost=paid_moves["ended"] + grant_moves["ended"],
        views=hits["views"],
        visitors=hits["visitors"],
        emails_sent=email["sent"],
        opens=email["opens"],
        clicks=clicks,
    )


def source_bucket(source: str, utm_source: str) -> str:
    if utm_source:
        return f"utm:{utm_source}"[:SOURCE_LENGTH]
    return "direct" if source in DIRECT_SOURCES else source[:SOURCE_LENGTH]


def source_stats(publication, bounds: DayBounds) -> list[DailySourceStats]:
    """One query: the day's gained subscribers grouped by source, UTM source and campaign."""
    groups = (
        Subscription.objects.filter(
            rules.confirmed_between(bounds.start, bounds.end), publication=publication
        )
        .values("source", "utm_source", "utm_campaign")
        .annotate(
            gained=Count("pk"),
            paid_gained=Count("pk", filter=rules.paid_at(publication.id, bounds.end)),
        )
        .order_by()
    )
    # Several groups can fall in one bucket (long UTM sources cut to the column's length).
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for group in groups:
        key = (
            source_bucket(group["source"], group["utm_source"]),
            group["utm_campaign"][:CAMPAIGN_LENGTH],
        )
        totals[key][0] += group["gained"]
        totals[key][1] += group["paid_gained"]
    return [
        DailySourceStats(
            publication=publication,
            day=bounds.day,
            source=source,
            campaign=campaign,
            gained=gained,
            paid_gained=paid_gained,
        )
        for (source, campaign), (gained, paid_gained) in sorted(totals.items())
    ]


POST_FIELDS = (
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


def post_stats(publication, bounds: DayBounds) -> list[DailyPostStats]:
    """Seven grouped queries, one per kind of activity, merged by post."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(POST_FIELDS, 0))

    def merge(rows, fields) -> None:
        for row in rows:
            if row["post"] is None:
                continue
            for field in fields:
                counts[row["post"]][field] = row[field]

    merge(
        PageHit.objects.filter(
            publication=publication,
            post__isnull=False,
            viewed_at__gte=bounds.start,
            viewed_at__lt=bounds.end,
        )
        .values("post")
        .annotate(views=Count("pk"), visitors=Count("visitor", distinct=True))
        .order_by(),
        ("views", "visitors"),
    )
    newsletter = {"send__publication": publication, "send__kind": SendKind.NEWSLETTER}
    merge(
        Delivery.objects.filter(_between("opened_at", bounds), **newsletter)
        .values(post=F("send__post"))
        .annotate(opens=Count("pk"))
        .order_by(),
        ("opens",),
    )
    merge(
        DeliveryEvent.objects.filter(
            _between("created_at", bounds),
            kind=DeliveryEventKind.CLICK,
            delivery__send__publication=publication,
            delivery__send__kind=SendKind.NEWSLETTER,
        )
        .values(post=F("delivery__send__post"))
        .annotate(clicks=Count("pk"))
        .order_by(),
        ("clicks",),
    )
    on_post = {"post__publication": publication}
    merge(
        Like.objects.filter(_between("created_at", bounds), **on_post)
        .values("post")
        .annotate(likes=Count("pk"))
        .order_by(),
        ("likes",),
    )
    merge(
        Comment.objects.filter(_between("created_at", bounds), is_deleted=False, **on_post)
        .values("post")
        .annotate(comments=Count("pk"))
        .order_by(),
        ("comments",),
    )
    merge(
        Note.objects.filter(
            _between("created_at", bounds),
            is_deleted=False,
            restack_of_post__publication=publication,
        )
        .values(post=F("restack_of_post"))
        .annotate(restacks=Count("pk"))
        .order_by(),
        ("restacks",),
    )
    paid = rules.paid_at(publication.id, bounds.end)
    merge(
        Subscription.objects.filter(
            rules.confirmed_between(bounds.start, bounds.end),
            publication=publication,
            attributed_post__publication=publication,
        )
        .values(post=F("attributed_post"))
        .annotate(
            free_signups=Count("pk", filter=~paid),
            paid_signups=Count("pk", filter=paid),
        )
        .order_by(),
        ("free_signups", "paid_signups"),
    )
    return [
        DailyPostStats(publication=publication, post_id=post_id, day=bounds.day, **fields)
        for post_id, fields in sorted(counts.items())
    ]
