"""Who may read the chat, start threads, reply, react and moderate. Each rule answers with the
reason the person may not, or None; the reasons are safe to show.

"Paid" settings admit whoever has paid access (billing.access: paying readers, comps, gifts,
group seats, the publication's staff).
"""

from dataclasses import dataclass

from masthead.billing.access import has_paid_access
from masthead.chat.models import ChatMessage, ChatMute, ChatReaders, ChatSettings, ChatStarters
from masthead.engagement.rules import SIGN_IN_FIRST, is_banned, is_subscriber, role_of

NOT_A_READER = "The chat is open to this publication's subscribers. Subscribe to join in."
PAID_READERS = "This chat is for paid subscribers."
BANNED = "The publication has stopped you from taking part in its chat."
MUTED = "The publication has muted you in its chat: you can read, but not post."
NOT_A_STARTER = "Only the publication's writers can start threads here. You can reply to them."
PAID_STARTERS = "Only paid subscribers can start threads here. You can reply to them."
PAID_THREAD = "This thread is for paid subscribers."
REPLIES_CLOSED = "Replies are turned off for this thread."
GONE = "This message was deleted."
NOT_YOURS = "You can only change your own messages."
NOT_STAFF = "Only the publication's writers can do that."


def is_paid_subscriber(person, publication_id: int) -> bool:
    return has_paid_access(person, publication_id)


def settings_for(publication) -> ChatSettings:
    """The publication's chat settings as stored now; the defaults, unsaved, when it has none.

    Read from the table, not through `publication.chat_settings`: Django caches that on the
    instance, and a chat socket keeps its publication for as long as it is open."""
    found = ChatSettings.objects.filter(publication_id=publication.id).first()
    return found or ChatSettings(publication=publication)


@dataclass(frozen=True)
class ChatAccess:
    """What one person may do in one publication's chat, looked up once (at connect) and again
    before every write."""

    person_id: int | None
    role: str | None
    read_refusal: str | None
    start_refusal: str | None
    is_muted: bool
    sees_paid: bool

    @property
    def is_staff(self) -> bool:
        return self.role is not None

    @property
    def may_read(self) -> bool:
        return self.read_refusal is None


def access_for(person, publication) -> ChatAccess:
    chat_settings = settings_for(publication)
    role = role_of(person, publication.id)
    paid = role is not None or (
        person.is_authenticated and is_paid_subscriber(person, publication.id)
    )
    read_refusal = _read_refusal(person, publication, chat_settings, role, paid)
    return ChatAccess(
        person_id=person.pk if person.is_authenticated else None,
        role=role,
        read_refusal=read_refusal,
        start_refusal=read_refusal or _start_refusal(chat_settings, role, paid),
        is_muted=bool(
            person.is_authenticated
            and role is None
            and ChatMute.objects.filter(publication=publication, person=person).exists()
        ),
        sees_paid=paid,
    )


def _read_refusal(person, publication, chat_settings, role, paid) -> str | None:
    if not person.is_authenticated:
        return SIGN_IN_FIRST
    if role is not None:
        return None
    if is_banned(person, publication.id):
        return BANNED
    if not is_subscriber(person, publication.id):
        return NOT_A_READER
    if chat_settings.readers == ChatReaders.PAID and not paid:
        return PAID_READERS
    return None


def _start_refusal(chat_settings, role, paid) -> str | None:
    if role is not None or chat_settings.starters == ChatStarters.SUBSCRIBERS:
        return None
    if chat_settings.starters == ChatStarters.PAID:
        return None if paid else PAID_STARTERS
    return NOT_A_STARTER


def may_see(access: ChatAccess, message: ChatMessage) -> bool:
    """Whether the person may see this message: a paid-only thread and its replies need paid."""
    thread = message if message.thread_id is None else message.thread
    return access.may_read and (access.sees_paid or not thread.is_paid_only)


def thread_refusal(access: ChatAccess) -> str | None:
    if access.start_refusal:
        return access.start_refusal
    return MUTED if access.is_muted else None


def reply_refusal(access: ChatAccess, thread: ChatMessage) -> str | None:
    if not access.may_read:
        return access.read_refusal
    if thread.is_paid_only and not access.sees_paid:
        return PAID_THREAD
    if not thread.is_visible:
        return GONE
    if thread.are_replies_closed and not access.is_staff:
        return REPLIES_CLOSED
    return MUTED if access.is_muted else None


def reaction_refusal(access: ChatAccess, message: ChatMessage) -> str | None:
    if not may_see(access, message):
        return access.read_refusal or PAID_THREAD
    if not message.is_visible:
        return GONE
    return MUTED if access.is_muted else None


def change_refusal(access: ChatAccess, message: ChatMessage) -> str | None:
    """Editing or deleting: one's own messages only, and a muted person may not edit."""
    if not access.may_read:
        return access.read_refusal
    if message.author_id != access.person_id:
        return NOT_YOURS
    if message.deleted_at is not None:
        return GONE
    return MUTED if access.is_muted else None


def moderation_refusal(access: ChatAccess) -> str | None:
    return None if access.is_staff else NOT_STAFF
