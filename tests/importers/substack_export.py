"""Builds synthetic Substack export zips (posts, bodies, email history, subscribers) for tests
and benchmarks: 1,000 posts and 100,000 subscribers in a few seconds."""

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

POST_COLUMNS = [
    "post_id",
    "post_date",
    "is_published",
    "email_sent_at",
    "inbox_sent_at",
    "type",
    "audience",
    "title",
    "subtitle",
    "podcast_url",
]
EMAIL_LIST_COLUMNS = [
    "email",
    "active_subscription",
    "expiry",
    "plan",
    "email_disabled",
    "created_at",
    "first_payment_at",
]
DASHBOARD_COLUMNS = [
    "email",
    "name",
    "expiry",
    "email_disabled",
    "prefer_digests",
    "stripe_connected_customer_id",
    "type",
    "created_at",
]
HISTORY_COLUMNS = ["post_id", "timestamp", "email", "country", "device"]
START = dt.datetime(2023, 1, 2, 9, 30, tzinfo=dt.UTC)
FIRST_NAMES = ["Ada", "Bram", "Chloé", "Dev", "Eun-ji", "Femi", "Greta", "Hugo", "Ines", "Jun"]
LAST_NAMES = ["Okafor", "Lindqvist", "Moreau", "Patel", "Kim", "Adeyemi", "Rossi", "Tanaka"]
POST_TYPES = ["newsletter", "newsletter", "newsletter", "podcast", "thread", "page"]
AUDIENCES = ["everyone", "everyone", "only_paid", "only_free", "founding"]


def substack_date(moment: dt.datetime) -> str:
    """Substack's own format: 2023-05-01T14:03:22.123Z."""
    return (
        moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}Z"
    )


def subscriber_email(number: int) -> str:
    return f"reader{number}@example.com"


def substack_body(number: int, image_base_url: str, title: str = "A post") -> str:
    """A post body as Substack exports it: captioned image, paywall jump, footnote, widgets."""
    image = f"{image_base_url.rstrip('/')}/post-{number}.png"
    return (
        f"<p>Welcome to <strong>{title}</strong>, with <em>emphasis</em> and "
        f'<a href="https://example.com/reading/{number}">a link</a>.</p>'
        '<div class="captioned-image-container"><figure>'
        f'<a class="image-link image2 is-viewable-img" target="_blank" href="{image}">'
        '<div class="image2-inset"><picture>'
        f'<source type="image/webp" srcset="{image} 424w, {image} 848w">'
        f'<img src="{image}" width="1456" height="816" '
        f'data-attrs="{{&quot;src&quot;:&quot;{image}&quot;,&quot;height&quot;:816,'
        '&quot;width&quot;:1456,&quot;alt&quot;:null}" class="sizing-normal" '
        f'alt="Figure {number}" srcset="{image} 424w" sizes="100vw"></picture>'
        '<div class="image-link-expand"></div></div></a>'
        f'<figcaption class="image-caption">The view from post {number}</figcaption>'
        "</figure></div>"
        '<h2 class="header-anchor-post">What happened next</h2>'
        "<blockquote><p>A quotation worth keeping.</p></blockquote>"
        "<ul><li><p>First point</p></li><li><p>Second point</p></li></ul>"
        '<p class="button-wrapper" data-component-name="ButtonCreateButton">'
        '<a class="button primary" href="https://example.substack.com/subscribe">'
        "<span>Subscribe now</span></a></p>"
        '<div class="paywall-jump" data-component-name="PaywallToDOM"></div>'
        "<p>Only for paying readers, with a note"
        '<a class="footnote-anchor" data-component-name="FootnoteAnchorToDOM" '
        'id="footnote-anchor-1" href="#footnote-1" target="_self">1</a>.</p>'
        '<div class="footnote" data-component-name="FootnoteToDOM">'
        '<a id="footnote-1" href="#footnote-anchor-1" class="footnote-number" '
        'contenteditable="false" target="_self">1</a>'
        '<div class="footnote-content"><p>The footnote’s text.</p></div></div>'
    )


def generated_post(number: int) -> dict:
    """Row values of the number-th made-up post (every sixth a page, some drafts, some paid)."""
    posted = START + dt.timedelta(days=number, seconds=number * 7)
    kind = POST_TYPES[number % len(POST_TYPES)]
    is_published = number % 10 != 9
    is_emailed = is_published and kind != "page"
    return {
        "post_id": f"{100000 + number}.post-number-{number}",
        "post_date": substack_date(posted),
        "is_published": "true" if is_published else "false",
        "email_sent_at": substack_date(posted) if is_emailed else "",
        "inbox_sent_at": substack_date(posted) if is_emailed else "",
        "type": kind,
        "audience": AUDIENCES[number % len(AUDIENCES)],
        "title": f"Post number {number}",
        "subtitle": f"What happened in week {number}",
        "podcast_url": f"https://cdn.example.com/episode-{number}.mp3" if kind == "podcast" else "",
    }


def generated_subscriber(number: int) -> dict:
    """Row values (both subscriber formats) of the number-th made-up subscriber."""
    joined = START + dt.timedelta(minutes=number * 3)
    kind = ["free"] * 7 + ["paid", "comp", "gift"]
    paid = kind[number % len(kind)]
    return {
        "email": subscriber_email(number),
        "name": f"{FIRST_NAMES[number % 10]} {LAST_NAMES[number % 8]}",
        "active_subscription": "true" if paid == "paid" else "false",
        "expiry": substack_date(joined + dt.timedelta(days=365)) if paid != "free" else "",
        "plan": {"paid": "yearly", "comp": "comp", "gift": "gift"}.get(paid, ""),
        "type": paid,
        "email_disabled": "true" if number % 50 == 49 else "false",
        "prefer_digests": "false",
        "stripe_connected_customer_id": f"cus_{number:08d}" if paid == "paid" else "",
        "created_at": substack_date(joined),
        "first_payment_at": substack_date(joined) if paid == "paid" else "",
    }


def _csv_text(columns: list[str], rows, *, bom: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()


def _history_rows(post: dict, number: int, per_post: int, subscriber_count: int):
    """Deliveries of a post to per_post subscribers, and opens by about half of them."""
    emailed = post.get("email_sent_at") or post["post_date"]
    post_number = post["post_id"].partition(".")[0]
    delivers, opens = [], []
    for index in range(min(per_post, subscriber_count)):
        email = subscriber_email((number * 37 + index) % subscriber_count)
        delivers.append({"post_id": post_number, "timestamp": emailed, "email": email})
        for repeat in range(index % 4 if index % 2 else 0):
            opened = START + dt.timedelta(days=number, hours=1 + repeat, minutes=index)
            opens.append(
                {
                    "post_id": post_number,
                    "timestamp": substack_date(opened),
                    "email": email,
                    "country": "NL",
                    "device": "mobile",
                }
            )
    return delivers, opens


def build_substack_export(
    path: Path,
    *,
    posts: list[dict] | int,
    subscribers: list[dict] | int,
    with_history: bool = True,
    history_per_post: int = 20,
    layout: str = "posts_folder",
    subscriber_format: str = "email_list",
    image_base_url: str = "https://images.example.com",
    subdomain: str = "example",
    post_columns: list[str] | None = None,
    subscriber_columns: list[str] | None = None,
    bom: bool = False,
    extra_files: dict[str, str | bytes] | None = None,
) -> Path:
    """Write a Substack-like export zip at path and return it.

    posts: a number of made-up posts, or rows for posts.csv. A row may also hold "body" (the
    HTML; None writes no body file), "delivers" and "opens" (lists of history rows, each with
    "email" and "timestamp"), which replace the made-up ones. subscribers: a number, or rows
    (keys of both formats may be mixed). layout "root" puts history files at the zip's root.
    """
    path = Path(path)
    post_rows = [generated_post(n) for n in range(posts)] if isinstance(posts, int) else posts
    if isinstance(subscribers, int):
        subscriber_rows = [generated_subscriber(n) for n in range(subscribers)]
    else:
        subscriber_rows = subscribers
    history_folder = "" if layout == "root" else "posts/"
    extra_files = extra_files or {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        written: set[str] = set()

        def put(name: str, content: str | bytes) -> None:
            """Write a member once; a file in extra_files replaces the made-up one."""
            if name not in written and name not in extra_files:
                written.add(name)
                zipped.writestr(name, content)

        columns = post_columns or POST_COLUMNS
        put("posts.csv", _csv_text(columns, post_rows, bom=bom))
        for number, post in enumerate(post_rows):
            post_id = post["post_id"]
            body = post.get("body", substack_body(number, image_base_url, post.get("title", "")))
            if body is not None:
                put(f"posts/{post_id}.html", body)
            delivers, opens = post.get("delivers"), post.get("opens")
            if with_history and delivers is None and opens is None and post.get("email_sent_at"):
                delivers, opens = _history_rows(
                    post, number, history_per_post, len(subscriber_rows)
                )
            if delivers is not None:
                text = _csv_text(HISTORY_COLUMNS, delivers, bom=bom)
                put(f"{history_folder}{post_id}.delivers.csv", text)
            if opens is not None:
                text = _csv_text(HISTORY_COLUMNS, opens, bom=bom)
                put(f"{history_folder}{post_id}.opens.csv", text)
        if subscriber_format in ("email_list", "both"):
            text = _csv_text(subscriber_columns or EMAIL_LIST_COLUMNS, subscriber_rows, bom=bom)
            put(f"email_list.{subdomain}.csv", text)
        if subscriber_format in ("dashboard", "both"):
            rows = subscriber_rows
            if subscriber_format == "both":  # the dashboard's export lists paying readers
                rows = [row for row in subscriber_rows if row.get("type", "free") != "free"]
            text = _csv_text(subscriber_columns or DASHBOARD_COLUMNS, rows, bom=bom)
            put(f"subscribers-{subdomain}-2024-01-01.csv", text)
        for name, content in extra_files.items():
            zipped.writestr(name, content)
    return path
