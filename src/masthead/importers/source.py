"""What every importer reads out of another platform's export, in one shape the writer stores.

A reader (substack, ghost, wordpress) turns an export into these plain values and never touches
the database; `masthead.importers.writer` turns them into posts, subscribers and history. A
reader judges the whole export before anything is written: what it cannot use becomes a
`ReportLine`, and an export it cannot read at all raises `ExportError` with a message for the
writer.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class ExportError(Exception):
    """The export cannot be imported at all; the message says why and what to do, for a person."""


class PostKind(StrEnum):
    POST = "post"  # a newsletter post
    PAGE = "page"  # a standalone page: not in the archive, never emailed
    THREAD = "thread"  # a discussion thread
    PODCAST = "podcast"  # a post with an audio episode (audio_url)


class PostAudience(StrEnum):
    EVERYONE = "everyone"
    SUBSCRIBERS = "subscribers"  # signed-in subscribers, free or paid (Substack's only_free)
    PAID = "paid"


class PostState(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"
    SCHEDULED = "scheduled"


@dataclass
class SourceAuthor:
    name: str
    email: str = ""  # may be empty: the writer then credits the publication's owner


@dataclass
class SourcePost:
    source_id: str  # stable within the source: re-importing the same export finds the same post
    slug: str  # already slugified, at most 120 characters
    title: str
    body_markdown: str | None  # Masthead Markdown; None when the export has no body (a draft)
    subtitle: str = ""
    kind: PostKind = PostKind.POST
    audience: PostAudience = PostAudience.EVERYONE
    state: PostState = PostState.PUBLISHED
    published_at: dt.datetime | None = None  # aware
    updated_at: dt.datetime | None = None
    emailed_at: dt.datetime | None = None  # when the source emailed it, if it did
    audio_url: str = ""
    cover_image_url: str = ""
    section: str = ""  # a section's name (WordPress category, Ghost primary tag when asked)
    tags: list[str] = field(default_factory=list)
    authors: list[SourceAuthor] = field(default_factory=list)
    # Paths on the old site that should lead to this post (besides /p/<slug>/), e.g.
    # "/2021/03/04/hello-world/" from WordPress or "/hello-world/" from Ghost.
    old_paths: list[str] = field(default_factory=list)
    # Remote images the body (and cover) use; the writer downloads them into media and
    # rewrites the Markdown, or keeps the link and reports it.
    image_urls: list[str] = field(default_factory=list)


class PaidKind(StrEnum):
    NONE = ""
    PAID = "paid"  # paying in the old platform's Stripe account
    COMP = "comp"  # complimentary
    GIFT = "gift"


@dataclass
class SourceSubscriber:
    email: str  # as in the export; the writer normalises and validates it
    name: str = ""
    subscribed_at: dt.datetime | None = None
    is_active: bool = True  # False: unsubscribed (kept, so they are never mailed)
    wants_email: bool = True  # False: email disabled / not subscribed to emails
    paid_kind: PaidKind = PaidKind.NONE
    paid_until: dt.datetime | None = None  # the paid or comp period's end, when known
    stripe_customer_id: str = ""
    labels: list[str] = field(default_factory=list)  # tags, labels, tiers
    note: str = ""


@dataclass
class SourceDelivery:
    """One email of a post that went to one address, and when it was first opened."""

    post_source_id: str
    email: str
    delivered_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None  # first open
    open_count: int = 0


class LineKind(StrEnum):
    IMPORTED = "imported"
    SKIPPED = "skipped"
    WARNING = "warning"  # imported, but not quite as it was (an image kept as a link, ...)


@dataclass
class ReportLine:
    kind: LineKind
    item: str  # what it is about: "post 12.hello-world", "subscriber a@b.c", "posts.csv row 7"
    reason: str  # for a person: why it was skipped, or what changed
