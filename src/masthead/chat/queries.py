"""Reads of the chat: the room's threads, a thread's replies and the counts beside them.

Both pages page backwards with a cursor (no COUNT(*), no OFFSET) and a fixed number of
queries whatever the room's size: one for the page's messages, then reactions, images and
unread counts for the whole page at once.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404

from masthead.chat import events, rules, services
from masthead.chat.models import ChatMessage
from masthead.core.cursors import MomentCursor

THREADS_PAGE_SIZE = 20
REPLIES_PAGE_SIZE = 50
_ID = re.compile(r"^\d{1,18}$")


def parse_message_id(raw: str | None) -> int | None:
    """A reply id from an "Earlier replies" link; anything unreadable means the newest page."""
    return int(raw) if raw and _ID.match(raw) else None


@dataclass
class ThreadItem:
    message: ChatMessage
    unread_count: int
    # The newest reply when the page was read: chat.js counts live replies after it only, so a
    # reply already in `unread_count` is never counted twice.
    counted_up_to: int = 0


@dataclass
class RoomPage:
    threads: list[ThreadItem]
    next_cursor: str | None
    is_first: bool


@dataclass
class ThreadPage:
    thread: ChatMessage
    replies: list[ChatMessage]
    # The id to page back from for earlier replies; None when these are the first.
    earlier_cursor: int | None
    is_latest: bool

    @property
    def newest_id(self) -> int:
        return self.replies[-1].id if self.replies else self.thread.id


def room_page(publication, person, access: rules.ChatAccess, cursor: MomentCursor | None):
    """The threads the person may see, most recent activity first, one page of them.

    Deleted or hidden threads stay while they have replies (the conversation under them is
    still worth reading); without replies they leave the list.
    """
    threads = ChatMessage.objects.filter(publication=publication, thread__isnull=True).exclude(
        Q(deleted_at__isnull=False) | Q(hidden_at__isnull=False), reply_count=0
    )
    if not access.sees_paid:
        threads = threads.filter(is_paid_only=False)
    if cursor is not None:
        threads = threads.filter(cursor.older("last_activity_at"))
    newest_reply = ChatMessage.objects.filter(thread=OuterRef("pk")).order_by("-id").values("id")
    threads = threads.annotate(newest_reply_id=Subquery(newest_reply[:1]))
    rows = list(
        threads.select_related("author").order_by("-last_activity_at", "-id")[
            : THREADS_PAGE_SIZE + 1
        ]
    )
    has_more = len(rows) > THREADS_PAGE_SIZE
    rows = events.with_display_data(rows[:THREADS_PAGE_SIZE])
    unread = services.unread_counts(person, [row.id for row in rows])
    next_cursor = None
    if has_more:
        last = rows[-1]
        next_cursor = MomentCursor(last.last_activity_at, last.id).encode()
    return RoomPage(
        # Never more new replies than the thread shows.
        threads=[
            ThreadItem(
                row,
                min(unread.get(row.id, 0), row.reply_count),
                row.newest_reply_id or 0,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
        is_first=cursor is None,
    )


def get_thread_for_reader(access: rules.ChatAccess, publication, thread_id: int) -> ChatMessage:
    """A thread of this publication the person may see: 404 for another publication's (or a
    reply's) id, 403 for a paid-only thread and a free reader."""
    thread = (
        ChatMessage.objects.select_related("author")
        .filter(id=thread_id, publication=publication, thread__isnull=True)
        .first()
    )
    if thread is None:
        raise Http404("No such thread.")
    if not rules.may_see(access, thread):
        raise PermissionDenied(access.read_refusal or rules.PAID_THREAD)
    return thread


def thread_page(thread: ChatMessage, before_id: int | None) -> ThreadPage:
    """The thread and its newest replies before `before_id`, oldest first."""
    replies = ChatMessage.objects.filter(publication_id=thread.publication_id, thread=thread)
    if before_id is not None:
        replies = replies.filter(id__lt=before_id)
    rows = list(replies.select_related("author").order_by("-id")[: REPLIES_PAGE_SIZE + 1])
    has_more = len(rows) > REPLIES_PAGE_SIZE
    rows = rows[:REPLIES_PAGE_SIZE]
    rows.reverse()
    events.with_display_data([thread, *rows])
    return ThreadPage(
        thread=thread,
        replies=rows,
        earlier_cursor=rows[0].id if has_more else None,
        is_latest=before_id is None,
    )
