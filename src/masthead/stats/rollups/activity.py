"""SubscriberActivity: each subscriber's engagement as stars (0 to 5) like Substack's, with
the opens and clicks behind them and the first and last time they engaged.

Everything is relative to `end`, the end of the rebuilt day (today's rebuild: tonight's local
midnight), so the figures of a given day can be computed again identically:
- emails_30d: deliveries to the subscription sent in the 30 days before `end`;
- opens_30d: those of them opened (or clicked: a click proves an open) before `end`;
- clicks_30d: the clicks on those deliveries;
- first/last engaged: the earliest and latest open, click, like or comment before `end`
  (after the first rollup, those of the window widen the stored ones: see subscriber_activity).
Stars: 0 when no email went out to them in 30 days or they opened none; otherwise 1 to 4 by
the share of emails opened (under 25 %, under 50 %, under 75 %, 75 % and more), plus one for
having clicked at least once (at most 5).

Seven grouped queries whatever the number of subscribers; the writes replace only the rows
whose figures changed (a few, five minutes after the last rebuild), so a publication of
100,000 subscribers does not rewrite 100,000 rows every few minutes.
"""

import datetime as dt

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from masthead.core.db import adapt_datetime, insert_many
from masthead.delivery.models import Delivery, DeliveryEvent, DeliveryEventKind
from masthead.engagement.models import Comment, Like
from masthead.stats.models import SubscriberActivity
from masthead.subscriptions.models import Subscription, SubscriptionStatus

WINDOW = dt.timedelta(days=30)
WRITE_BATCH = 2000
# What a row says; updated_at then says when that last changed.
FIGURES = (
    "stars",
    "opens_30d",
    "clicks_30d",
    "emails_30d",
    "first_engaged_at",
    "last_engaged_at",
)


def stars_for(emails: int, opens: int, clicks: int) -> int:
    if emails <= 0 or opens <= 0:
        return 0
    rate = min(opens, emails) / emails
    stars = 1 if rate < 0.25 else 2 if rate < 0.5 else 3 if rate < 0.75 else 4
    return min(stars + (1 if clicks > 0 else 0), 5)


def _widen(moments: dict[int, list], key: int, first, last) -> None:
    """Keep the earliest first and the latest last moment seen for `key`."""
    if first is None and last is None:
        return
    known = moments.setdefault(key, [first, last])
    if first is not None and (known[0] is None or first < known[0]):
        known[0] = first
    if last is not None and (known[1] is None or last > known[1]):
        known[1] = last


def _engagement_moments(publication, since, end) -> tuple[dict[int, list], dict[int, list]]:
    """The first and last open and click in [since, end) by subscription, and the first and
    last like and comment by person (since None: all history), in four grouped queries."""
    moments: dict[int, list] = {}
    after = {} if since is None else {"__gte": since}

    def between(field: str) -> dict:
        return {f"{field}__lt": end, **{f"{field}{op}": value for op, value in after.items()}}

    for row in (
        Delivery.objects.filter(
            send__publication=publication, subscription__isnull=False, **between("opened_at")
        )
        .values("subscription")
        .annotate(first=Min("opened_at"), last=Max("opened_at"))
        .order_by()
    ):
        _widen(moments, row["subscription"], row["first"], row["last"])
    for row in (
        DeliveryEvent.objects.filter(
            kind=DeliveryEventKind.CLICK,
            delivery__send__publication=publication,
            delivery__subscription__isnull=False,
            **between("created_at"),
        )
        .values("delivery__subscription")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .order_by()
    ):
        _widen(moments, row["delivery__subscription"], row["first"], row["last"])
    by_person: dict[int, list] = {}
    for model in (Like, Comment):
        for row in (
            model.objects.filter(
                post__publication=publication, person__isnull=False, **between("created_at")
            )
            .values("person")
            .annotate(first=Min("created_at"), last=Max("created_at"))
            .order_by()
        ):
            _widen(by_person, row["person"], row["first"], row["last"])
    return moments, by_person


def subscriber_activity(publication, end) -> dict[int, tuple]:
    """Each confirmed subscription's FIGURES (pending ones have none), by subscription id:
    plain tuples, so that only the rows that changed become model instances.

    The first rollup of a publication reads its whole history for the first and last
    engagement; later ones read only the 30-day window (indexed by time) and widen the moments
    already stored, so a rebuild every few minutes never reads years of opens again."""
    subscriptions = list(
        Subscription.objects.filter(publication=publication)
        .exclude(status=SubscriptionStatus.PENDING)
        .order_by("id")
        .values_list("id", "person_id")
    )
    since = end - WINDOW
    in_window = Q(sent_at__gte=since, sent_at__lt=end)
    email = {
        row["subscription"]: row
        for row in Delivery.objects.filter(
            in_window, send__publication=publication, subscription__isnull=False
        )
        .values("subscription")
        .annotate(
            emails=Count("pk"),
            opens=Count("pk", filter=Q(opened_at__lt=end) | Q(click_count__gt=0)),
            clicks=Coalesce(Sum("click_count"), 0),
        )
        .order_by()
    }
    stored = {
        row[0]: [row[1], row[2]]
        for row in SubscriberActivity.objects.filter(publication=publication).values_list(
            "subscription_id", "first_engaged_at", "last_engaged_at"
        )
    }
    moments, by_person = _engagement_moments(publication, since if stored else None, end)
    figures = {}
    for subscription_id, person_id in subscriptions:
        counts = email.get(subscription_id, {})
        emails, opens = counts.get("emails", 0), counts.get("opens", 0)
        clicks = counts.get("clicks", 0)
        for known in (stored.get(subscription_id), by_person.get(person_id)):
            if known is not None:
                _widen(moments, subscription_id, *known)
        first, last = moments.get(subscription_id, (None, None))
        figures[subscription_id] = (
            stars_for(emails, opens, clicks),
            opens,
            clicks,
            emails,
            first,
            last,
        )
    return figures


def write_activity(publication, figures: dict[int, tuple], now) -> None:
    """Replace the publication's rows whose figures changed (and drop those of subscriptions
    no longer listed); call inside the rollup's transaction."""
    known = {
        row[0]: row[1:]
        for row in SubscriberActivity.objects.filter(publication=publication).values_list(
            "subscription_id", *FIGURES
        )
    }
    changed = [
        subscription_id
        for subscription_id, values in figures.items()
        if known.get(subscription_id) != values
    ]
    stale = [subscription_id for subscription_id in known if subscription_id not in figures]
    stale.extend(subscription_id for subscription_id in changed if subscription_id in known)
    for start in range(0, len(stale), WRITE_BATCH):
        SubscriberActivity.objects.filter(
            subscription_id__in=stale[start : start + WRITE_BATCH]
        ).delete()
    _insert(publication.id, [(key, figures[key]) for key in changed], now)


def _insert(publication_id: int, rows: list[tuple[int, tuple]], now) -> None:
    """A first rollup writes a row per subscriber: plain tuples through executemany."""
    updated_at = adapt_datetime(now)
    insert_many(
        SubscriberActivity,
        ("subscription", "publication", "updated_at", *FIGURES),
        [
            (
                subscription_id,
                publication_id,
                updated_at,
                stars,
                opens,
                clicks,
                emails,
                adapt_datetime(first_engaged_at),
                adapt_datetime(last_engaged_at),
            )
            for subscription_id, (
                stars,
                opens,
                clicks,
                emails,
                first_engaged_at,
                last_engaged_at,
            ) in rows
        ],  # fmt: skip
        batch=WRITE_BATCH,
    )
