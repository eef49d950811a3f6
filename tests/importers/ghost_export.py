"""Builds synthetic Ghost exports (content JSON in Lexical or Mobiledoc, members CSV) for tests
and benchmarks, with made-up content on example.com."""

import csv
import datetime as dt
import json
from pathlib import Path

MEMBER_COLUMNS = [
    "id",
    "email",
    "name",
    "note",
    "subscribed_to_emails",
    "complimentary_plan",
    "stripe_customer_id",
    "created_at",
    "deleted_at",
    "labels",
    "tiers",
]
START = dt.datetime(2023, 1, 2, 9, 30, tzinfo=dt.UTC)
STATUSES = ["published", "published", "draft", "scheduled", "sent"]
VISIBILITIES = ["public", "members", "paid", "tiers"]
AUTHOR = {"id": "1", "name": "Ada Okafor", "email": "ada@example.com", "slug": "ada"}
TAGS = [
    {"id": "t1", "name": "News", "slug": "news", "visibility": "public"},
    {"id": "t2", "name": "#internal", "slug": "hash-internal", "visibility": "internal"},
    {"id": "t3", "name": "Science", "slug": "science", "visibility": "public"},
]


def ghost_date(moment: dt.datetime | None) -> str | None:
    """Ghost's format: 2023-05-01T14:03:22.000Z."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# Lexical pieces


def text(content: str, format: int = 0) -> dict:
    return {"type": "extended-text", "text": content, "format": format, "version": 1}


def paragraph(*children: dict | str) -> dict:
    nodes = [text(child) if isinstance(child, str) else child for child in children]
    return {"type": "paragraph", "children": nodes, "version": 1}


def heading(tag: str, *children: dict | str) -> dict:
    return {**paragraph(*children), "type": "extended-heading", "tag": tag}


def lexical_link(url: str, *children: dict | str) -> dict:
    return {**paragraph(*children), "type": "link", "url": url}


def bullet_list(*items: list, list_type: str = "bullet") -> dict:
    """Each item is a list of inline nodes (or a nested list node)."""
    children = [
        {"type": "listitem", "children": [text(c) if isinstance(c, str) else c for c in item]}
        for item in items
    ]
    return {"type": "list", "listType": list_type, "start": 1, "children": children}


def lexical(*nodes: dict) -> str:
    return json.dumps({"root": {"type": "root", "children": list(nodes), "version": 1}})


# Mobiledoc pieces


def mobiledoc(
    sections: list, *, markups: list | None = None, cards: list | None = None, atoms=None
) -> str:
    return json.dumps(
        {
            "version": "0.3.1",
            "atoms": atoms or [],
            "cards": cards or [],
            "markups": markups or [],
            "sections": sections,
        }
    )


# A post body in each format: formatted text, a heading, a list, an image, a paywall, code.


def lexical_body(number: int, image_base_url: str) -> str:
    return lexical(
        paragraph(
            "Hello ",
            text("bold", 1),
            " and ",
            text("italic", 2),
            " from ",
            lexical_link("https://example.com/about/", "our site"),
            ".",
        ),
        heading("h2", f"Part {number}"),
        bullet_list(["first"], ["second"]),
        {
            "type": "image",
            "src": f"{image_base_url.rstrip('/')}/post-{number}.png",
            "alt": "A chart",
            "caption": "<span>Figure 1</span>",
        },
        {"type": "paywall"},
        paragraph("For paying readers."),
        {"type": "codeblock", "code": "print('hi')", "language": "python"},
    )


def mobiledoc_body(number: int, image_base_url: str) -> str:
    return mobiledoc(
        [
            [
                1,
                "p",
                [
                    [0, [], 0, "Hello "],
                    [0, [0], 1, "bold"],
                    [0, [], 0, " and "],
                    [0, [1], 1, "italic"],
                    [0, [], 0, " from "],
                    [0, [2], 1, "our site"],
                    [0, [], 0, "."],
                ],
            ],
            [1, "h2", [[0, [], 0, f"Part {number}"]]],
            [3, "ul", [[[0, [], 0, "first"]], [[0, [], 0, "second"]]]],
            [10, 0],
            [10, 1],
            [1, "p", [[0, [], 0, "For paying readers."]]],
            [10, 2],
        ],
        markups=[["strong"], ["em"], ["a", ["href", "https://example.com/about/"]]],
        cards=[
            [
                "image",
                {
                    "src": f"{image_base_url.rstrip('/')}/post-{number}.png",
                    "alt": "A chart",
                    "caption": "<span>Figure 1</span>",
                },
            ],
            ["paywall", {}],
            ["code", {"code": "print('hi')", "language": "python"}],
        ],
    )


def post_row(number: int, *, format: str, image_base_url: str, **fields) -> dict:
    status = STATUSES[number % len(STATUSES)]
    published = START + dt.timedelta(days=number)
    body = (lexical_body if format == "lexical" else mobiledoc_body)(number, image_base_url)
    row = {
        "id": f"p{number}",
        "uuid": f"00000000-0000-4000-8000-{number:012d}",
        "title": f"Post {number}",
        "slug": f"post-{number}",
        "lexical": body if format == "lexical" else None,
        "mobiledoc": body if format == "mobiledoc" else None,
        "html": "<p>Hello</p>",
        "feature_image": f"{image_base_url.rstrip('/')}/cover-{number}.jpg",
        "type": "page" if number % 6 == 5 else "post",
        "status": status,
        "visibility": VISIBILITIES[number % len(VISIBILITIES)],
        "custom_excerpt": f"The subtitle of post {number}",
        "created_at": ghost_date(published - dt.timedelta(hours=1)),
        "updated_at": ghost_date(published + dt.timedelta(hours=1)),
        "published_at": ghost_date(published) if status != "draft" else None,
        "newsletter_id": "n1" if status == "sent" else None,
        "email_recipient_filter": "all",
    }
    return row | fields


def write_ghost_json(
    path: Path,
    *,
    posts: list[dict],
    tags: list[dict] | None = None,
    posts_tags: list[dict] | None = None,
    users: list[dict] | None = None,
    posts_authors: list[dict] | None = None,
    settings: list[dict] | None = None,
    version: str = "5.80.0",
    extra: dict | None = None,
) -> Path:
    """Write the JSON Ghost exports, {"db": [{"meta", "data"}]}, with the given tables."""
    data = {
        "posts": posts,
        "tags": TAGS if tags is None else tags,
        "posts_tags": posts_tags or [],
        "users": [AUTHOR] if users is None else users,
        "posts_authors": posts_authors or [],
        "posts_meta": [],
        "settings": settings or [],
        **(extra or {}),
    }
    document = {"db": [{"meta": {"exported_on": 1700000000000, "version": version}, "data": data}]}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def member_row(number: int) -> dict:
    is_comp = number % 7 == 3
    is_paid = number % 5 == 4 and not is_comp
    return {
        "id": f"m{number}",
        "email": f"member{number}@example.com",
        "name": f"Member {number}",
        "note": "Met at the fair" if number % 4 == 0 else "",
        "subscribed_to_emails": "false" if number % 3 == 2 else "true",
        "complimentary_plan": "true" if is_comp else "false",
        "stripe_customer_id": f"cus_{number:08d}" if is_paid else "",
        "created_at": ghost_date(START + dt.timedelta(hours=number)),
        "deleted_at": "",
        "labels": "VIP, Early bird" if number % 2 == 0 else "",
        "tiers": "Gold" if is_paid else "",
        "status": "comped" if is_comp else "paid" if is_paid else "free",
    }


def write_members_csv(path: Path, rows: list[dict], *, has_status: bool = True) -> Path:
    columns = MEMBER_COLUMNS + (["status"] if has_status else [])
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def build_ghost_export(
    folder: Path,
    *,
    posts: int = 6,
    format: str = "lexical",
    members: int = 10,
    image_base_url: str = "https://images.example.com/content",
    site_url: str = "",
) -> list[Path]:
    """A Ghost content export and its members CSV in `folder`: [json path, csv path]."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = [post_row(n, format=format, image_base_url=image_base_url) for n in range(posts)]
    json_path = write_ghost_json(
        folder / "example-site.ghost.2024-01-01-00-00-00.json",
        posts=rows,
        posts_tags=[
            link
            for row in rows
            for link in (
                {"post_id": row["id"], "tag_id": "t2", "sort_order": 0},
                {"post_id": row["id"], "tag_id": "t3", "sort_order": 2},
                {"post_id": row["id"], "tag_id": "t1", "sort_order": 1},
            )
        ],
        posts_authors=[{"post_id": row["id"], "author_id": "1", "sort_order": 0} for row in rows],
        settings=[{"key": "url", "value": site_url}] if site_url else None,
    )
    csv_path = write_members_csv(
        folder / "members.2024-01-01.csv", [member_row(n) for n in range(members)]
    )
    return [json_path, csv_path]
