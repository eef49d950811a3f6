"""Chat events: recorded in the transaction that changes a message, broadcast after it commits,
and replayed to a client that reconnects.

A payload carries the message as it is now (HTML rendered once, for every reader), so replaying
several events of one message shows its latest state, and a client applies a payload twice
with the same result. Readers who may not see a paid-only thread are filtered out by the
consumer from the payload's `paid_only` flag, without a query per reader.
"""

import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

from masthead.chat.models import ChatEvent, ChatImage, ChatMessage, ChatReaction, Reaction
from masthead.core.time_zones import in_time_zone_of

REPLAY_LIMIT = 500  # events per catch-up; a client further behind reloads the page


def room_group(publication_id: int) -> str:
    return f"chat-{publication_id}"


def record(message: ChatMessage, kind: str) -> ChatEvent:
    """Append an event; call inside the transaction that made the change. It is broadcast once
    that transaction commits, never before the change is stored."""
    event = ChatEvent.objects.create(
        publication_id=message.publication_id, message=message, kind=kind
    )
    transaction.on_commit(lambda: broadcast(event))
    return event


def broadcast(event: ChatEvent) -> None:
    payload = event_payload(event)
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(room_group(event.publication_id), group_message(payload))


def group_message(payload: dict) -> dict:
    """What the channel layer carries: the JSON text encoded once for every consumer."""
    return {
        "type": "chat.event",
        "event_id": payload["id"],
        "paid_only": payload["paid_only"],
        "text": json.dumps(payload),
    }


def reaction_summary(message_ids: list[int]) -> dict[int, list[dict]]:
    """Per message, its reactions in the fixed order, each with who gave it; one query."""
    people: dict[tuple[int, str], list[int]] = {}
    for message_id, reaction, person_id in ChatReaction.objects.filter(
        message_id__in=message_ids
    ).values_list("message_id", "reaction", "person_id"):
        people.setdefault((message_id, reaction), []).append(person_id)
    labels = dict(Reaction.choices)
    order = list(labels)
    summary: dict[int, list[dict]] = {}
    for (message_id, reaction), person_ids in sorted(
        people.items(), key=lambda item: order.index(item[0][1])
    ):
        summary.setdefault(message_id, []).append(
            {
                "reaction": reaction,
                "emoji": labels[reaction],
                "count": len(person_ids),
                "people": person_ids,
            }
        )
    return summary


def with_display_data(messages: list[ChatMessage]) -> list[ChatMessage]:
    """Attach reactions and images, with two queries for the whole list."""
    ids = [m.id for m in messages]
    summary = reaction_summary(ids)
    images: dict[int, list] = {}
    for image in ChatImage.objects.filter(message_id__in=ids):
        images.setdefault(image.message_id, []).append(image)
    for message in messages:
        message.reaction_summary = summary.get(message.id, [])
        message.image_list = images.get(message.id, [])
    return messages


def render_message(message: ChatMessage) -> str:
    if not hasattr(message, "reaction_summary"):
        with_display_data([message])
    with in_time_zone_of(message.publication):
        return render_to_string("chat/_message.html", {"message": message})


def message_payload(message: ChatMessage) -> dict:
    thread = message if message.thread_id is None else message.thread
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "author_id": message.author_id,
        "client_id": message.client_id,
        "is_visible": message.is_visible,
        "reply_count": thread.reply_count,
        "html": render_message(message),
        "paid_only": thread.is_paid_only,
    }


def payload_for(event: ChatEvent, message: ChatMessage) -> dict:
    body = message_payload(message)
    return {
        "type": "event",
        "id": event.id,
        "kind": event.kind,
        "paid_only": body.pop("paid_only"),
        "message": body,
    }


def event_payload(event: ChatEvent) -> dict:
    message = ChatMessage.objects.select_related("author", "thread").get(id=event.message_id)
    return payload_for(event, message)


def latest_event_id(publication_id: int) -> int:
    last = ChatEvent.objects.filter(publication_id=publication_id).order_by("-id").first()
    return last.id if last else 0


def events_after(publication_id: int, after_id: int) -> tuple[list[dict], bool]:
    """Payloads of the events after `after_id`, one per message (its newest event), oldest
    first; and whether there were more than a catch-up carries."""
    events = list(
        ChatEvent.objects.filter(publication_id=publication_id, id__gt=after_id).order_by("id")[
            : REPLAY_LIMIT + 1
        ]
    )
    is_truncated = len(events) > REPLAY_LIMIT
    newest: dict[int, ChatEvent] = {}
    for event in events[:REPLAY_LIMIT]:
        newest.pop(event.message_id, None)
        newest[event.message_id] = event
    messages = {
        m.id: m
        for m in with_display_data(
            list(ChatMessage.objects.select_related("author", "thread").filter(id__in=newest))
        )
    }
    payloads = [payload_for(event, messages[event.message_id]) for event in newest.values()]
    return payloads, is_truncated
