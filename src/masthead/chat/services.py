"""Posting, replying, reacting, editing, deleting and moderating in a publication's chat.

Every write checks the person's access (rules.py; looked up here, or handed over by a caller
that has just looked it up) and records a ChatEvent in its transaction,
so a change is stored before it is broadcast. Posting is idempotent per (author, client_id):
a message resent after a lost connection finds the stored one and is not written twice.
"""

import re
import secrets

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import linebreaksbr, urlize
from django.utils import timezone
from django.utils.html import escape

from masthead.chat import digests, events, rules
from masthead.chat.models import (
    ChatImage,
    ChatMessage,
    ChatMute,
    ChatReaction,
    ChatReader,
    ChatReaders,
    ChatSettings,
    ChatStarters,
    EventKind,
    Reaction,
    ThreadRead,
)
from masthead.core.db import create_once
from masthead.core.images import ImageRejected, process_image
from masthead.core.ratelimit import check_rate
from masthead.core.rendering import sanitize_html
from masthead.publications.models import Membership

MAX_MESSAGE_LENGTH = 4_000
MAX_IMAGES = 6
CHAT_IMAGE_WIDTH = 1200
MESSAGE_RATE = (30, 60)  # per person: 30 messages (threads and replies) a minute
REACTION_RATE = (120, 60)
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ChatRefused(Exception):
    """The person may not do this, or sent something unusable; the message is safe to show."""


def _check(refusal: str | None) -> None:
    if refusal:
        raise ChatRefused(refusal)


def render_body(body: str) -> str:
    """Plain text with its links made clickable and its line breaks kept."""
    return sanitize_html(linebreaksbr(urlize(escape(body), autoescape=False)))


def clean_body(body, *, has_images: bool) -> str:
    text = (body if isinstance(body, str) else "").strip()
    if not text and not has_images:
        raise ChatRefused("Write something first.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ChatRefused(
            f"A message can be at most {MAX_MESSAGE_LENGTH:,} characters; "
            f"this one has {len(text):,}."
        )
    return text


def clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ChatRefused("The message could not be sent: reload the page and try again.")
    return client_id


# Posting ---------------------------------------------------------------------------------------


def post_thread(
    person,
    publication,
    *,
    client_id,
    body,
    image_ids=(),
    is_paid_only=False,
    are_replies_closed=False,
    access: rules.ChatAccess | None = None,
) -> tuple[ChatMessage, bool]:
    """Start a thread. Returns (the message, whether this call wrote it)."""
    access = access or rules.access_for(person, publication)
    _check(rules.thread_refusal(access))
    return _post(
        person,
        publication,
        client_id=client_id,
        body=body,
        image_ids=image_ids,
        fields={
            "is_paid_only": bool(is_paid_only) and access.is_staff,
            "are_replies_closed": bool(are_replies_closed),
        },
    )


def post_reply(
    person, publication, *, thread_id, client_id, body, access: rules.ChatAccess | None = None
) -> tuple[ChatMessage, bool]:
    access = access or rules.access_for(person, publication)
    thread = ChatMessage.objects.filter(
        id=thread_id, publication=publication, thread__isnull=True
    ).first()
    if thread is None:
        raise ChatRefused("That thread does not exist any more.")
    _check(rules.reply_refusal(access, thread))
    return _post(person, publication, client_id=client_id, body=body, thread=thread)


def _post(person, publication, *, client_id, body, thread=None, image_ids=(), fields=None):
    client_id = clean_client_id(client_id)
    existing = ChatMessage.objects.filter(author=person, client_id=client_id).first()
    if existing is not None:
        return existing, False
    image_ids = _clean_image_ids(image_ids)
    text = clean_body(body, has_images=bool(image_ids))
    check_rate("chat-message", str(person.pk), MESSAGE_RATE)
    now = timezone.now()
    try:
        with transaction.atomic():
            message = ChatMessage.objects.create(
                publication=publication,
                thread=thread,
                author=person,
                client_id=client_id,
                body=text,
                body_html=render_body(text),
                created_at=now,
                last_activity_at=now,
                **(fields or {}),
            )
            _attach_images(message, person, image_ids)
            if thread is not None:
                _recount_replies(thread.id, activity_at=now)
            events.record(message, EventKind.POSTED)
            if thread is None:
                _announce_if_first(publication)
                digests.schedule_digest(message)
    except IntegrityError:  # the same client id, written by a concurrent resend
        return ChatMessage.objects.get(author=person, client_id=client_id), False
    return message, True


def _clean_image_ids(image_ids) -> list[int]:
    if not isinstance(image_ids, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in image_ids
    ):
        raise ChatRefused("The images could not be attached: upload them again.")
    if len(image_ids) > MAX_IMAGES:
        raise ChatRefused(f"A thread can have at most {MAX_IMAGES} images.")
    return list(dict.fromkeys(image_ids))


def _attach_images(message, person, image_ids) -> None:
    if not image_ids:
        return
    if message.thread_id is not None:
        raise ChatRefused("Images can be added to threads, not replies.")
    for position, image_id in enumerate(image_ids):
        attached = ChatImage.objects.filter(
            id=image_id, uploader=person, publication_id=message.publication_id, message=None
        ).update(message=message, position=position)
        if not attached:
            raise ChatRefused("An image could not be found: upload it again.")


def upload_image(person, publication, upload) -> ChatImage:
    """Store an image for a thread the person is about to start."""
    access = rules.access_for(person, publication)
    _check(rules.thread_refusal(access))
    try:
        image = process_image(upload, max_width=CHAT_IMAGE_WIDTH)
    except ImageRejected as error:
        raise ChatRefused(str(error)) from None
    row = ChatImage(uploader=person, publication=publication)
    row.image.save(
        f"{publication.id}/{secrets.token_hex(16)}.{image.extension}",
        ContentFile(image.content),
        save=False,
    )
    row.save()
    return row


def _recount_replies(thread_id: int, *, activity_at=None) -> None:
    count = ChatMessage.objects.filter(
        thread_id=thread_id, deleted_at__isnull=True, hidden_at__isnull=True
    ).count()
    changes = {"reply_count": count}
    if activity_at is not None:
        changes["last_activity_at"] = activity_at
    ChatMessage.objects.filter(id=thread_id).update(**changes)


def _announce_if_first(publication) -> None:
    """The first thread of a chat is announced by email to the subscribers, once."""
    from masthead.chat.tasks import announce_first_thread

    ChatSettings.objects.get_or_create(publication=publication)
    claimed = ChatSettings.objects.filter(
        publication=publication, announced_at__isnull=True
    ).update(announced_at=timezone.now())
    if claimed:
        transaction.on_commit(lambda: announce_first_thread.enqueue(publication.id))


# Changing --------------------------------------------------------------------------------------


def _message_in(publication, message_id) -> ChatMessage:
    message = (
        ChatMessage.objects.select_related("thread")
        .filter(id=message_id, publication=publication)
        .first()
        if isinstance(message_id, int)
        else None
    )
    if message is None:
        raise ChatRefused("That message does not exist any more.")
    return message


def edit_message(
    person, publication, *, message_id, body, access: rules.ChatAccess | None = None
) -> ChatMessage:
    message = _message_in(publication, message_id)
    _check(rules.change_refusal(access or rules.access_for(person, publication), message))
    text = clean_body(body, has_images=message.images.exists())
    with transaction.atomic():
        message.body = text
        message.body_html = render_body(text)
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "body_html", "edited_at"])
        events.record(message, EventKind.EDITED)
    return message


def delete_message(
    person, publication, *, message_id, access: rules.ChatAccess | None = None
) -> ChatMessage:
    message = _message_in(publication, message_id)
    _check(rules.change_refusal(access or rules.access_for(person, publication), message))
    with transaction.atomic():
        message.deleted_at = timezone.now()
        message.body = ""
        message.body_html = ""
        message.save(update_fields=["deleted_at", "body", "body_html"])
        message.images.all().delete()
        if message.thread_id:
            _recount_replies(message.thread_id)
        events.record(message, EventKind.DELETED)
    return message


def toggle_reaction(
    person, publication, *, message_id, reaction, access: rules.ChatAccess | None = None
) -> ChatMessage:
    if reaction not in Reaction.values:
        raise ChatRefused("That reaction is not one of the chat's reactions.")
    message = _message_in(publication, message_id)
    _check(rules.reaction_refusal(access or rules.access_for(person, publication), message))
    check_rate("chat-reaction", str(person.pk), REACTION_RATE)
    with transaction.atomic():
        deleted, _ = ChatReaction.objects.filter(
            message=message, person=person, reaction=reaction
        ).delete()
        if not deleted:
            create_once(ChatReaction, message=message, person=person, reaction=reaction)
        events.record(message, EventKind.REACTED)
    return message


# Moderation ------------------------------------------------------------------------------------


def hide_message(
    person, publication, *, message_id, access: rules.ChatAccess | None = None
) -> ChatMessage:
    _check(rules.moderation_refusal(access or rules.access_for(person, publication)))
    message = _message_in(publication, message_id)
    with transaction.atomic():
        if message.hidden_at is None:
            message.hidden_at = timezone.now()
            message.save(update_fields=["hidden_at"])
            if message.thread_id:
                _recount_replies(message.thread_id)
        events.record(message, EventKind.HIDDEN)
    return message


def set_replies_closed(
    person, publication, *, thread_id, are_closed: bool, access: rules.ChatAccess | None = None
) -> ChatMessage:
    thread = _message_in(publication, thread_id)
    access = access or rules.access_for(person, publication)
    if thread.author_id != person.pk:
        _check(rules.moderation_refusal(access))
    with transaction.atomic():
        thread.are_replies_closed = bool(are_closed)
        thread.save(update_fields=["are_replies_closed"])
        events.record(thread, EventKind.EDITED)
    return thread


def save_settings(publication, *, readers: str, starters: str) -> ChatSettings:
    """Who may read the chat and who may start threads; the desk checks who may change them."""
    if readers not in ChatReaders.values or starters not in ChatStarters.values:
        raise ChatRefused("Choose one of the options shown.")
    chat_settings, _ = ChatSettings.objects.update_or_create(
        publication=publication, defaults={"readers": readers, "starters": starters}
    )
    return chat_settings


def mute(person, publication, *, person_id, access: rules.ChatAccess | None = None) -> bool:
    """Mute a reader; writers cannot be muted. Returns whether they were not muted before."""
    _check(rules.moderation_refusal(access or rules.access_for(person, publication)))
    if Membership.objects.filter(publication=publication, person_id=person_id).exists():
        raise ChatRefused("Writers of the publication cannot be muted.")
    return create_once(
        ChatMute, defaults={"muted_by": person}, publication=publication, person_id=person_id
    )


def unmute(person, publication, *, person_id, access: rules.ChatAccess | None = None) -> bool:
    _check(rules.moderation_refusal(access or rules.access_for(person, publication)))
    deleted, _ = ChatMute.objects.filter(publication=publication, person_id=person_id).delete()
    return bool(deleted)


# Reading ---------------------------------------------------------------------------------------


def mark_read(person, thread: ChatMessage, up_to_id: int) -> None:
    """Remember the newest reply the person has seen in a thread; never moves backwards."""
    read, _ = ThreadRead.objects.get_or_create(thread=thread, person=person)
    ThreadRead.objects.filter(id=read.id, last_read_id__lt=up_to_id).update(last_read_id=up_to_id)


def note_visit(person, publication) -> ChatReader:
    """The person has the chat open: digests skip what they were there to see."""
    reader, _ = ChatReader.objects.get_or_create(publication=publication, person=person)
    ChatReader.objects.filter(id=reader.id).update(last_seen_at=timezone.now())
    return reader


def set_digest(person, publication, *, is_on: bool) -> None:
    reader, _ = ChatReader.objects.get_or_create(publication=publication, person=person)
    reader.is_digest_on = is_on
    reader.save(update_fields=["is_digest_on"])


def unread_counts(person, thread_ids: list[int]) -> dict[int, int]:
    """Visible replies after each thread's read mark, for the threads given."""
    if not person.is_authenticated or not thread_ids:
        return {}
    marks = dict(
        ThreadRead.objects.filter(person=person, thread_id__in=thread_ids).values_list(
            "thread_id", "last_read_id"
        )
    )
    condition = Q()
    for thread_id in thread_ids:
        condition |= Q(thread_id=thread_id, id__gt=marks.get(thread_id, 0))
    rows = (
        ChatMessage.objects.filter(condition, deleted_at__isnull=True, hidden_at__isnull=True)
        .exclude(author=person)
        .values("thread_id")
        .annotate(unread=Count("id"))
    )
    return {row["thread_id"]: row["unread"] for row in rows}
