"""The weekly digest: for readers who chose one email a week, the week's posts in one email,
sent through the delivery pipeline once a week per publication (DigestRun's unique week)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from masthead.automations.models import DigestRun, DigestSettings
from masthead.automations.queries import reachable_subscriptions
from masthead.automations.rendering import render_digest
from masthead.core.time_zones import zone_of
from masthead.delivery.models import SendKind
from masthead.posts.models import Post, PostStatus
from masthead.posts.queries import listed
from masthead.publications.models import Publication

# A digest whose moment passed longer ago than this (the worker was down for days) is skipped:
# a week-old digest is no use, and the next one comes on time.
CATCH_UP = dt.timedelta(days=2)
MAX_POSTS = 50


def digest_settings_of(publication) -> DigestSettings:
    """The publication's settings, or the defaults (on, Monday 08:00) unsaved."""
    found = DigestSettings.objects.filter(publication=publication).first()
    return found or DigestSettings(publication=publication)


def save_digest_settings(publication, *, is_on: bool, weekday: int, hour: int) -> DigestSettings:
    digest_settings, _ = DigestSettings.objects.update_or_create(
        publication=publication, defaults={"is_on": is_on, "weekday": weekday, "hour": hour}
    )
    return digest_settings


def latest_moment(publication, digest_settings, now: dt.datetime) -> dt.datetime:
    """The last weekday-and-hour (local time) at or before now."""
    local = now.astimezone(zone_of(publication))
    days_back = (local.weekday() - digest_settings.weekday) % 7
    day = local.date() - dt.timedelta(days=days_back)
    moment = dt.datetime.combine(day, dt.time(digest_settings.hour), zone_of(publication))
    if moment > now:
        moment = dt.datetime.combine(
            day - dt.timedelta(days=7), dt.time(digest_settings.hour), zone_of(publication)
        )
    return moment


def digest_moments(publication, digest_settings, start: dt.datetime, end: dt.datetime):
    """The digest's moments in [start, end): at most one a week, so a handful."""
    moment = latest_moment(publication, digest_settings, start)
    zone = zone_of(publication)
    moments = []
    while moment < end and len(moments) < 60:
        if moment >= start:
            moments.append(moment)
        # Stepping local dates keeps 08:00 at 08:00 across daylight-saving changes.
        moment = dt.datetime.combine(
            moment.date() + dt.timedelta(days=7), dt.time(digest_settings.hour), zone
        )
    return moments


def week_posts(publication, period_start: dt.datetime, period_end: dt.datetime) -> list[Post]:
    """Posts published in the period, listed ones only (pages never), newest first."""
    return list(
        listed(
            Post.objects.filter(
                publication=publication,
                status=PostStatus.PUBLISHED,
                published_at__gte=period_start,
                published_at__lt=period_end,
            )
        )
        .select_related("publication")
        .order_by("-published_at", "-id")[:MAX_POSTS]
    )


def digest_publications() -> list[Publication]:
    """Publications with at least one reader who chose the digest: one query."""
    return list(
        Publication.objects.filter(
            subscriptions__gets_weekly_digest=True, subscriptions__status="active"
        ).distinct()
    )


def queue_due_digests(now: dt.datetime | None = None) -> int:
    """Write this week's digest of every publication whose moment has come; returns how many
    deliveries were queued."""
    from masthead.automations.services import _safely

    now = now or timezone.now()
    queued = 0
    for publication in digest_publications():
        digest_settings = digest_settings_of(publication)
        if not digest_settings.is_on:
            continue
        moment = latest_moment(publication, digest_settings, now)
        if now - moment > CATCH_UP:
            continue
        queued += _safely(queue_digest, publication, moment)
    return queued


def queue_digest(publication, moment: dt.datetime) -> int:
    """The digest due at `moment`, once: the DigestRun row (unique per week) is written first;
    a second worker's insert fails and it does nothing."""
    from masthead.automations.services import write_send

    week_of = moment.astimezone(zone_of(publication)).date()
    if DigestRun.objects.filter(publication=publication, week_of=week_of).exists():
        return 0
    period_start = moment - dt.timedelta(days=7)
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = DigestRun.objects.create(
                    publication=publication,
                    week_of=week_of,
                    period_start=period_start,
                    period_end=moment,
                )
        except IntegrityError:
            return 0
        posts = week_posts(publication, period_start, moment)
        run.post_count = len(posts)
        if not posts:
            run.save(update_fields=["post_count"])
            return 0
        recipients = reachable_subscriptions(publication.id).filter(gets_weekly_digest=True)
        bodies = render_digest(publication, posts, moment)
        send, count = write_send(publication, SendKind.DIGEST, bodies, recipients)
        run.send = send
        run.save(update_fields=["post_count", "send"])
        return count
