"""PostTotals and PostLinkClicks of a publication: each post's numbers to date, in a fixed
number of grouped queries whatever the number of posts."""

from collections import defaultdict

from django.db.models import Count, F, Sum

from masthead.delivery.models import (
    DeliveryEvent,
    DeliveryEventKind,
    Send,
    SendKind,
)
from masthead.engagement.models import Comment, Like
from masthead.notes.models import Note
from masthead.posts.models import Post, PostStatus
from masthead.stats.models import DailyPostStats, PostLinkClicks, PostTotals

URL_LENGTH = PostLinkClicks._meta.get_field("url").max_length
# Summed from the daily rows (raw page hits are pruned; the daily rows are kept).
FROM_DAILY_ROWS = ("views", "visitors", "free_signups", "paid_signups")


def _by_post(rows, field: str) -> dict[int, int]:
    return {row["post"]: row[field] for row in rows if row["post"] is not None}


def post_totals(publication, day, fresh_rows: list[DailyPostStats], now) -> list[PostTotals]:
    """Six queries. `fresh_rows` are the rebuilt day's DailyPostStats, not yet written: the
    sums read every other day from the table and add these."""
    post_ids = list(
        Post.objects.filter(publication=publication, status=PostStatus.PUBLISHED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    # The send's own counters, kept as it sends and as opens and clicks come in (imports
    # recount them): reading them costs one row per post, where counting deliveries would read
    # every recipient of every post at each rebuild.
    email = {
        row["post_id"]: row
        for row in Send.objects.filter(
            publication=publication, kind=SendKind.NEWSLETTER, post__isnull=False
        ).values(
            "post_id",
            recipients=F("recipient_count"),
            delivered=F("sent_count"),
            opens=F("open_count"),
            clicks=F("click_count"),
            clickers=F("clicker_count"),
        )
    }
    daily: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FROM_DAILY_ROWS, 0))
    for row in (
        DailyPostStats.objects.filter(publication=publication)
        .exclude(day=day)
        .values("post")
        .annotate(**{field: Sum(field) for field in FROM_DAILY_ROWS})
        .order_by()
    ):
        for field in FROM_DAILY_ROWS:
            daily[row["post"]][field] += row[field]
    for fresh in fresh_rows:
        for field in FROM_DAILY_ROWS:
            daily[fresh.post_id][field] += getattr(fresh, field)
    on_post = {"post__publication": publication}
    likes = _by_post(
        Like.objects.filter(**on_post).values("post").annotate(n=Count("pk")).order_by(), "n"
    )
    comments = _by_post(
        Comment.objects.filter(is_deleted=False, **on_post)
        .values("post")
        .annotate(n=Count("pk"))
        .order_by(),
        "n",
    )
    restacks = _by_post(
        Note.objects.filter(is_deleted=False, restack_of_post__publication=publication)
        .values(post=F("restack_of_post"))
        .annotate(n=Count("pk"))
        .order_by(),
        "n",
    )
    totals = []
    for post_id in post_ids:
        sent = email.get(post_id, {})
        totals.append(
            PostTotals(
                post_id=post_id,
                publication=publication,
                recipients=sent.get("recipients", 0),
                delivered=sent.get("delivered", 0),
                opens=sent.get("opens", 0),
                clicks=sent.get("clicks", 0),
                clickers=sent.get("clickers", 0),
                likes=likes.get(post_id, 0),
                comments=comments.get(post_id, 0),
                restacks=restacks.get(post_id, 0),
                updated_at=now,
                **daily[post_id],
            )
        )
    return totals


def link_clicks(publication) -> list[PostLinkClicks]:
    """Two queries: a row for every tracked link of each post's newsletter, clicked or not."""
    links = Send.objects.filter(
        publication=publication, kind=SendKind.NEWSLETTER, post__isnull=False
    ).values_list("post_id", "tracked_links")
    clicks = {
        (row["post"], row["link_index"]): row
        for row in DeliveryEvent.objects.filter(
            kind=DeliveryEventKind.CLICK,
            link_index__isnull=False,
            delivery__send__publication=publication,
            delivery__send__kind=SendKind.NEWSLETTER,
        )
        .values("link_index", post=F("delivery__send__post"))
        .annotate(clicks=Count("pk"), clickers=Count("delivery", distinct=True))
        .order_by()
    }
    rows = []
    for post_id, tracked_links in sorted(links):
        urls = tracked_links if isinstance(tracked_links, list) else []
        for index, url in enumerate(urls):
            counted = clicks.get((post_id, index), {})
            rows.append(
                PostLinkClicks(
                    post_id=post_id,
                    link_index=index,
                    url=str(url)[:URL_LENGTH],
                    clicks=counted.get("clicks", 0),
                    clickers=counted.get("clickers", 0),
                )
            )
    return rows
