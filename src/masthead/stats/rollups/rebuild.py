"""Rebuilding a publication's day (rebuild_day), and today and yesterday of every publication
(rebuild_recent, which the worker runs every few minutes)."""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from masthead.publications.models import Publication
from masthead.stats.models import (
    DailyPostStats,
    DailyPublicationStats,
    DailySourceStats,
    DailyTraffic,
    PageHit,
    PostLinkClicks,
    PostTotals,
    RollupRun,
)
from masthead.stats.rollups.activity import subscriber_activity, write_activity
from masthead.stats.rollups.daily import post_stats, publication_stats, source_stats
from masthead.stats.rollups.days import bounds_of, local_today
from masthead.stats.rollups.totals import link_clicks, post_totals
from masthead.stats.rollups.traffic import traffic_rows
from masthead.subscriptions.models import Subscription

logger = logging.getLogger("masthead.stats")

WRITE_BATCH = 2000


def rebuild_day(
    publication: Publication,
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    with_activity: bool | None = None,
) -> None:
    """Rebuild the publication's rows of `day` (a local calendar day) and its to-date tables.

    Every figure is read first, then all rows are replaced in one transaction, so the write
    lock is held only for the writes and readers never see half a day. SubscriberActivity is
    rebuilt when `with_activity` says so; by default when `day` is today or yesterday.
    """
    started = time.monotonic()
    now = now or timezone.now()
    if with_activity is None:
        today = local_today(publication, now)
        with_activity = today - dt.timedelta(days=1) <= day <= today
    bounds = bounds_of(publication, day)
    daily = publication_stats(publication, bounds)
    sources = source_stats(publication, bounds)
    traffic = traffic_rows(publication, bounds)
    posts = post_stats(publication, bounds)
    totals = post_totals(publication, day, posts, now)
    links = link_clicks(publication)
    activity = subscriber_activity(publication, bounds.end) if with_activity else None
    with transaction.atomic():
        for model in (DailyPublicationStats, DailySourceStats, DailyTraffic, DailyPostStats):
            model.objects.filter(publication=publication, day=day).delete()
        DailyPublicationStats.objects.bulk_create([daily])
        DailySourceStats.objects.bulk_create(sources, batch_size=WRITE_BATCH)
        DailyTraffic.objects.bulk_create(traffic, batch_size=WRITE_BATCH)
        DailyPostStats.objects.bulk_create(posts, batch_size=WRITE_BATCH)
        PostTotals.objects.filter(publication=publication).delete()
        PostTotals.objects.bulk_create(totals, batch_size=WRITE_BATCH)
        PostLinkClicks.objects.filter(post__publication=publication).delete()
        PostLinkClicks.objects.bulk_create(links, batch_size=WRITE_BATCH)
        if activity is not None:
            write_activity(publication, activity, now)
        RollupRun.objects.bulk_create(
            [
                RollupRun(
                    publication=publication,
                    day=day,
                    finished_at=timezone.now(),
                    seconds=round(time.monotonic() - started, 3),
                )
            ],
            update_conflicts=True,
            unique_fields=["publication", "day"],
            update_fields=["finished_at", "seconds"],
        )


def publications_to_roll_up(now: dt.datetime):
    """Publications with subscribers, or with page views in the last two days."""
    recent_hits = PageHit.objects.filter(
        publication=OuterRef("pk"), viewed_at__gte=now - dt.timedelta(days=2)
    )
    has_subscribers = Subscription.objects.filter(publication=OuterRef("pk"))
    return Publication.objects.filter(Q(Exists(has_subscribers)) | Q(Exists(recent_hits))).order_by(
        "id"
    )


def prune_page_hits(now: dt.datetime) -> int:
    """Delete raw page hits older than STATS_RAW_DAYS; their daily rows stay."""
    raw_days = settings.STATS_RAW_DAYS
    deleted, _ = PageHit.objects.filter(viewed_at__lt=now - dt.timedelta(days=raw_days)).delete()
    return deleted


def rebuild_recent(now: dt.datetime | None = None, *, skip_fresher_than: float = 0) -> int:
    """Rebuild yesterday and today (local days) of every publication, then prune old page
    hits; returns the number of days rebuilt. A publication whose rebuild fails is logged and
    skipped: the others still get theirs.

    With several workers, each runs this on its own timer: `skip_fresher_than` (seconds)
    skips the publications another worker rolled up that recently.
    """
    now = now or timezone.now()
    last_run = RollupRun.objects.filter(publication=OuterRef("pk")).order_by("-finished_at")
    publications = publications_to_roll_up(now).annotate(
        last_rolled_up_at=Subquery(last_run.values("finished_at")[:1])
    )
    fresh_since = timezone.now() - dt.timedelta(seconds=skip_fresher_than)
    rebuilt = 0
    for publication in publications:
        if skip_fresher_than and (publication.last_rolled_up_at or fresh_since) > fresh_since:
            continue
        today = local_today(publication, now)
        try:
            # Activity is a "now" view: today's rebuild writes it, yesterday's need not.
            rebuild_day(publication, today - dt.timedelta(days=1), now=now, with_activity=False)
            rebuild_day(publication, today, now=now, with_activity=True)
        except Exception:
            logger.exception("Could not roll up the stats of publication %s", publication.id)
            continue
        rebuilt += 2
    prune_page_hits(now)
    return rebuilt
