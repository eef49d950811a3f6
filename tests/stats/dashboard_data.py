"""Rollup rows made directly for the dashboard's tests (the rollup itself is tested apart):
`scale` multiplies every count of rows, so a page can be opened on small and on 10x data."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from masthead.publications.models import Membership, Role
from masthead.stats.models import (
    DailyPostStats,
    DailyPublicationStats,
    DailySourceStats,
    DailyTraffic,
    PostLinkClicks,
    PostTotals,
    RollupRun,
    TrafficDimension,
)
from masthead.stats.queries import period_of
from tests.factories import make_person, make_post


def make_writer(publication, role=Role.OWNER):
    person = make_person("Wendy Writer")
    Membership.objects.create(publication=publication, person=person, role=role)
    return person


def today_of(publication) -> dt.date:
    return period_of(publication, 1).last_day


@dataclass
class Stats:
    today: dt.date
    posts: list
    days: dict  # day -> DailyPublicationStats


def day_row(publication, day: dt.date, index: int) -> DailyPublicationStats:
    """A day whose figures follow from its index (0 = today), so a test can predict them."""
    return DailyPublicationStats(
        publication=publication,
        day=day,
        total=1000 - index,
        free=900 - index,
        paid=100,
        gained=3 + index % 4,
        lost=2 + index % 3,
        paid_gained=index % 2,
        paid_lost=0,
        views=50 + index,
        visitors=20 + index % 10,
        emails_sent=100,
        opens=40 + index % 7,
        clicks=5,
    )


def make_stats(publication, scale: int = 1, history_days: int = 400) -> Stats:
    today = today_of(publication)
    days = {}
    rows = []
    for index in range(history_days):
        day = today - dt.timedelta(days=index)
        row = day_row(publication, day, index)
        rows.append(row)
        days[day] = row
    DailyPublicationStats.objects.bulk_create(rows)
    sources = []
    for index in range(100):
        day = today - dt.timedelta(days=index)
        for number in range(scale):
            sources.append(
                DailySourceStats(publication=publication, day=day, source="website",
                                 campaign=f"spring-{number}", gained=2, paid_gained=1)
            )  # fmt: skip
        sources.append(
            DailySourceStats(publication=publication, day=day, source="import", gained=1)
        )
    DailySourceStats.objects.bulk_create(sources)
    traffic = []
    for index in range(100):
        day = today - dt.timedelta(days=index)
        for dimension in TrafficDimension.values:
            for number in range(3 * scale):
                traffic.append(
                    DailyTraffic(publication=publication, day=day, dimension=dimension,
                                 value=f"{dimension}-{number}", views=number + 1, visitors=1)
                )  # fmt: skip
    DailyTraffic.objects.bulk_create(traffic)
    now = timezone.now()
    posts = []
    totals, links, post_days = [], [], []
    for number in range(3 * scale):
        post = make_post(publication, f"Post number {number}",
                         published_at=now - dt.timedelta(days=number + 1))  # fmt: skip
        posts.append(post)
        totals.append(
            PostTotals(post=post, publication=publication, recipients=200, delivered=200 - number,
                       opens=100 - number, clicks=30, clickers=20, views=300 + number,
                       visitors=150, likes=4, comments=2, restacks=1, free_signups=3,
                       paid_signups=1)
        )  # fmt: skip
        for link_index in range(2 * scale):
            links.append(
                PostLinkClicks(post=post, link_index=link_index,
                               url=f"https://example.org/{link_index}", clicks=10, clickers=5)
            )  # fmt: skip
        published = timezone.localtime(post.published_at, period_of(publication, 1).zone).date()
        for offset in range(min(30, number + 2)):
            post_days.append(
                DailyPostStats(publication=publication, post=post,
                               day=published + dt.timedelta(days=offset), views=10 + offset,
                               visitors=5, opens=20 - offset % 20)
            )  # fmt: skip
    PostTotals.objects.bulk_create(totals)
    PostLinkClicks.objects.bulk_create(links)
    DailyPostStats.objects.bulk_create([row for row in post_days if row.day <= today])
    RollupRun.objects.create(publication=publication, day=today, finished_at=now)
    return Stats(today, posts, days)


REFERRERS = ["google.com", "news.ycombinator.com", "t.co", "", "duckduckgo.com", "substack.com",
             "reddit.com", "bsky.app", "linkedin.com", "mastodon.social", "feedly.com"]  # fmt: skip
COUNTRIES = ["US", "GB", "DE", "FR", "NL", "CA", "AU", "SE", "", "ES", "IT", "JP"]
DEVICES = ["mobile", "desktop", "tablet", "other"]


def _of(table, publication) -> dict:
    if table is PostLinkClicks:
        return {"post__publication": publication}
    return {"publication": publication}


def make_showcase_stats(publication, posts: list, history_days: int = 400) -> None:
    """A year of believable rollup rows for the given posts, to look at in a browser: steady
    growth with a weekly rhythm, spikes on the days a post went out, a few sources."""
    import random

    rng = random.Random(17)
    for table in (DailyPublicationStats, DailySourceStats, DailyTraffic, DailyPostStats,
                  PostTotals, PostLinkClicks, RollupRun):  # fmt: skip
        table.objects.filter(**_of(table, publication)).delete()  # e.g. the demo's own
    today = today_of(publication)
    post_days = {today - dt.timedelta(days=offset) for offset in range(3, history_days, 7)}
    total, paid = 800, 40
    days, sources, traffic = [], [], []
    for offset in range(history_days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        is_post_day = day in post_days
        gained = rng.randint(2, 9) + (rng.randint(10, 30) if is_post_day else 0)
        lost = rng.randint(0, 4) + (rng.randint(2, 6) if is_post_day else 0)
        paid_gained = 1 if rng.random() < 0.25 else 0
        paid_lost = 1 if rng.random() < 0.08 else 0
        total += gained - lost
        paid += paid_gained - paid_lost
        views = int((300 + (history_days - offset)) * (1.6 if day.weekday() < 5 else 0.9))
        views += rng.randint(0, 120) + (rng.randint(400, 900) if is_post_day else 0)
        days.append(
            DailyPublicationStats(
                publication=publication, day=day, total=total, free=total - paid, paid=paid,
                gained=gained, lost=lost, paid_gained=paid_gained, paid_lost=paid_lost,
                views=views, visitors=int(views * 0.62), emails_sent=total if is_post_day else 0,
                opens=int(total * 0.47) if is_post_day else rng.randint(5, 40), clicks=rng.randint(0, 30),
            )
        )  # fmt: skip
        split = [("website", "", 0.5), ("website", "spring-launch", 0.15), ("referral", "", 0.15),
                 ("recommendation", "", 0.15), ("import", "", 0.05)]  # fmt: skip
        for source, campaign, share in split:
            count = round(gained * share)
            if count:
                sources.append(
                    DailySourceStats(publication=publication, day=day, source=source,
                                     campaign=campaign, gained=count,
                                     paid_gained=paid_gained if source == "website" and not campaign else 0)
                )  # fmt: skip
        if offset < 120:
            slices = [("referrer", REFERRERS), ("country", COUNTRIES), ("device", DEVICES),
                      ("utm_source", ["newsletter", "twitter", "bluesky"]),
                      ("utm_medium", ["email", "social"]), ("utm_campaign", ["spring-launch", "welcome"]),
                      ("page", ["/"] + [f"/p/{post.slug}/" for post in posts] + ["/archive/", "/about/"])]  # fmt: skip
            for dimension, values in slices:
                for rank, value in enumerate(values):
                    share_views = max(1, int(views / (rank + 1.6) / 2.2))
                    traffic.append(
                        DailyTraffic(publication=publication, day=day, dimension=dimension,
                                     value=value, views=share_views,
                                     visitors=max(1, int(share_views * 0.6)))
                    )  # fmt: skip
    DailyPublicationStats.objects.bulk_create(days)
    DailySourceStats.objects.bulk_create(sources)
    DailyTraffic.objects.bulk_create(traffic)
    zone = period_of(publication, 1).zone
    for number, post in enumerate(posts):
        delivered = total - 12
        opens = int(delivered * (0.38 + 0.07 * number))
        PostTotals.objects.create(
            post=post, publication=publication, recipients=total, delivered=delivered, opens=opens,
            clicks=int(opens * 0.3), clickers=int(opens * 0.2), views=1200 - 250 * number,
            visitors=700 - 100 * number, likes=12 - number, comments=4, restacks=2,
            free_signups=9 - number, paid_signups=2 if number == 0 else 0,
        )  # fmt: skip
        for index, url in enumerate(["https://example.org/tide-tables", "https://example.org/harbour-map", "https://example.org/breakwater-plans"]):  # fmt: skip
            PostLinkClicks.objects.create(
                post=post, link_index=index, url=url, clicks=80 // (index + 1), clickers=50 // (index + 1)
            )  # fmt: skip
        published = timezone.localtime(post.published_at, zone).date()
        DailyPostStats.objects.bulk_create(
            [
                DailyPostStats(publication=publication, post=post, day=published + dt.timedelta(days=offset),
                               views=int(600 / (offset + 1)) + rng.randint(0, 15),
                               visitors=int(380 / (offset + 1)) + rng.randint(0, 10),
                               opens=int(opens * 0.6 / (offset + 1) ** 1.5))
                for offset in range(30)
                if published + dt.timedelta(days=offset) <= today
            ]
        )  # fmt: skip
    RollupRun.objects.create(publication=publication, day=today, finished_at=timezone.now())
