"""The shapes the API reads and writes, as pydantic schemas (they make the OpenAPI schema)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Path, Schema
from pydantic import Field

Audience = Literal["everyone", "subscribers", "paid"]
Kind = Literal["post", "page", "thread", "podcast"]
SLUG = r"^[-a-zA-Z0-9_]*$"
# No text the API stores may hold a NUL: PostgreSQL refuses one (the desk's forms refuse it too).
NO_NUL = r"^[^\x00]*$"
Label = Annotated[str, Field(max_length=40, pattern=NO_NUL)]


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


class Author(Schema):
    id: int
    name: str


class PostSummary(Schema):
    id: int
    slug: str
    title: str
    subtitle: str
    kind: str
    audience: str
    published_at: dt.datetime | None
    authors: list[Author]
    like_count: int
    comment_count: int
    url: str


class PostDetail(PostSummary):
    body_html: str
    is_preview: bool = Field(description="True when only the preview is given (paywall).")


class StaffPost(PostDetail):
    status: str
    body_markdown: str


class PostPage(Schema):
    items: list[PostSummary]
    next_cursor: str | None


class NoteOut(Schema):
    id: int
    author: Author
    body_html: str
    created_at: dt.datetime
    like_count: int
    reply_count: int
    restack_count: int


class NotePage(Schema):
    items: list[NoteOut]
    next_cursor: str | None


class CommentOut(Schema):
    id: int
    author: Author | None
    body_html: str | None = Field(description="None for hidden or deleted comments.")
    is_hidden: bool
    is_deleted: bool
    created_at: dt.datetime
    like_count: int
    replies: list["CommentOut"]


class CommentPage(Schema):
    items: list[CommentOut]
    next_cursor: str | None


class PostIn(Schema):
    title: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    subtitle: str = Field("", max_length=300, pattern=NO_NUL)
    slug: str = Field("", max_length=120, pattern=SLUG)
    body_markdown: str = Field("", max_length=1_000_000, pattern=NO_NUL)
    audience: Audience = "everyone"
    kind: Kind = "post"
    tags: list[Label] = Field(default_factory=list, max_length=10)


class PostPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200, pattern=NO_NUL)
    subtitle: str | None = Field(None, max_length=300, pattern=NO_NUL)
    slug: str | None = Field(None, max_length=120, pattern=SLUG)
    body_markdown: str | None = Field(None, max_length=1_000_000, pattern=NO_NUL)
    audience: Audience | None = None
    kind: Kind | None = None
    tags: list[Label] | None = Field(None, max_length=10)


class ScheduleIn(Schema):
    publish_at: dt.datetime
    send_email: bool = False


class PublishIn(Schema):
    send_email: bool = False


class SubscriberOut(Schema):
    id: int
    email: str
    name: str
    status: str
    source: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    unsubscribed_at: dt.datetime | None
    labels: list[str]


class SubscriberPage(Schema):
    items: list[SubscriberOut]
    next_cursor: str | None


class SubscriberIn(Schema):
    email: str = Field(min_length=3, max_length=254, pattern=NO_NUL)
    labels: list[Label] = Field(default_factory=list, max_length=20)


class SubscriberPatch(Schema):
    labels: list[Label] | None = Field(None, max_length=20)
    status: Literal["active", "unsubscribed"] | None = None


class SendOut(Schema):
    id: int
    post_id: int | None
    kind: str
    state: str
    subject: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    recipient_count: int
    sent_count: int
    failed_count: int
    open_count: int
    click_count: int
    outcomes: dict[str, int]


class SendPage(Schema):
    items: list[SendOut]
    next_cursor: str | None


# A row's id in a path: within the 64-bit integers both databases store, or a 422.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
