"""The chat socket: one connection of one person to one publication's room (docs/chat-protocol.md).

The consumer authenticates, checks access, then hands every write to masthead.chat.services,
which store the change and broadcast it after the commit. Broadcasts carry the JSON text
encoded once for everyone; the process's relay for the room (presence.py) filters paid-only
events with the access each consumer looked up at connect and sends the text as it is, so a
broadcast costs no query per connection.

A socket has no channel of its own: everything addressed to one socket comes from its own
process's tracker (presence.py), so the consumer waits on the server alone, with no
channel-layer queue and no second task per socket (see ChatConsumer.__call__).
"""

import json
import logging
import secrets
import time

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from masthead.chat import events, presence, rules, services
from masthead.chat.models import ChatMessage
from masthead.chat.services import ChatRefused
from masthead.core.db import LARGEST_ID
from masthead.core.ratelimit import RateLimited
from masthead.publications.models import Publication

log = logging.getLogger(__name__)

NOT_SIGNED_IN = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
CATCH_UP_ROUNDS = 4  # of events.REPLAY_LIMIT events each; a client further behind reloads
# Event ids are handed out when a change is written, not when it commits: on PostgreSQL a
# lower id can commit after a higher one was seen. A catch-up therefore starts this many ids
# before the client's last one; clients ignore changes they have already applied.
CATCH_UP_OVERLAP = 100
TYPING_EVERY = 2.0  # seconds: more frequent typing frames from one socket are dropped
BROKEN = "Something went wrong. Please try again."
UNREADABLE = "The chat did not understand that. Reload the page and try again."


class ChatConsumer(AsyncWebsocketConsumer):
    publication = None
    access = None
    is_in_room = False  # gets the room's broadcasts and counts as here
    catching_up: list | None = None  # live events held back while a catch-up is being sent
    typed_at = 0.0

    async def __call__(self, scope, receive, send):
        # Channels' own version gives every socket a channel on the layer and waits on it in a
        # second task beside the server's receive: with thousands of sockets, a queue, a task
        # and an asyncio.wait per socket that nothing here uses. The room's broadcasts reach
        # the sockets through the process's relay, and `channel_layer` is kept for sending.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        # The socket's name in the presence rows and typing frames: unique across processes.
        self.channel_name = f"chat-socket.{secrets.token_hex(12)}"
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def connect(self):
        # Accept first, then close with a code: a socket closed before it is accepted reaches
        # the browser as a bare failure, without the code that says why.
        await self.accept()
        person = self.scope.get("user")
        if person is None or not person.is_authenticated:
            await self.refuse(rules.SIGN_IN_FIRST, NOT_SIGNED_IN)
            return
        self.person = person
        slug = self.scope["url_route"]["kwargs"]["slug"]
        opened = await database_sync_to_async(open_room)(person, slug)
        if opened is None:
            await self.refuse("This publication has no chat.", NOT_FOUND)
            return
        self.publication, self.access, last_event_id = opened
        if not self.access.may_read:
            await self.refuse(self.access.read_refusal, FORBIDDEN)
            return
        self.group = events.room_group(self.publication.id)
        # The server's own send, past the session middleware's wrapper (which only acts on
        # HTTP responses): the room's fan-out calls it once per socket per broadcast.
        self.raw_send = self.scope.get("raw_send") or self.base_send
        await self.send_json(welcome(self.access, last_event_id))
        await presence.tracker().join(self)
        self.is_in_room = True

    async def disconnect(self, code):
        if self.is_in_room:
            self.is_in_room = False
            presence.tracker().leave(self)
            # Leaving counts as the last visit too: a digest leaves out what they were here for.
            await database_sync_to_async(services.note_visit)(self.person, self.publication)

    async def dispatch(self, message):
        # Channels' dispatch hops to the database thread before every handler to close stale
        # connections: per socket, per broadcast. Every query here runs in
        # database_sync_to_async, which closes them itself, so a broadcast stays query-free.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def refuse(self, message: str | None, code: int) -> None:
        await self.send_json({"type": "error", "message": message or BROKEN})
        await self.close(code)

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))

    # From the client ------------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.access is None or not self.access.may_read:
            return  # refused at connect; the close is on its way
        try:
            frame = json.loads(text_data) if text_data is not None else None
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_json({"type": "error", "message": UNREADABLE})
            return
        kind = frame["type"]
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        handler = HANDLERS.get(kind)
        if handler is None:
            await self.send_json({"type": "error", "message": UNREADABLE})
            return
        if kind == "typing" and time.monotonic() - self.typed_at < TYPING_EVERY:
            return  # dropped before it costs a query
        # Access may have changed since connect (banned, unsubscribed, muted, made staff); the
        # services are handed what this finds rather than looking it up again.
        if not await self.recheck_access():
            return
        client_id = frame.get("client_id") if kind == "post" else None
        try:
            reply = await handler(self, frame)
        except (ChatRefused, RateLimited) as refusal:
            reply = {"type": "error", "message": str(refusal)}
        except Exception:
            log.exception("chat: %s from person %s failed", kind, self.person.pk)
            reply = {"type": "error", "message": BROKEN}
        if reply is not None:
            if reply["type"] == "error" and isinstance(client_id, str):
                reply["client_id"] = client_id
            await self.send_json(reply)

    async def on_hello(self, frame):
        after = frame.get("after") or 0
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ChatRefused(UNREADABLE)
        is_truncated = True
        self.catching_up = []
        after = max(0, after - CATCH_UP_OVERLAP)
        try:
            for _ in range(CATCH_UP_ROUNDS):
                payloads, is_truncated = await database_sync_to_async(events.events_after)(
                    self.publication.id, after
                )
                for payload in payloads:
                    if self.access.sees_paid or not payload["paid_only"]:
                        await self.send_json(payload)
                    after = max(after, payload["id"])
                if not is_truncated:
                    break
        finally:
            held_back, self.catching_up = self.catching_up, None
        # Live events that arrived meanwhile, in order; any the catch-up also carried are
        # ignored by the client.
        for message in held_back:
            await self.send(text_data=message["text"])
        return {"type": "caught_up", "last_event_id": after, "truncated": is_truncated}

    async def on_post(self, frame):
        thread_id = frame.get("thread_id")
        if thread_id is None:
            message, _ = await database_sync_to_async(services.post_thread)(
                self.person,
                self.publication,
                access=self.access,
                client_id=frame.get("client_id"),
                body=frame.get("body"),
                image_ids=frame.get("image_ids") or [],
                is_paid_only=frame.get("is_paid_only") is True,
                are_replies_closed=frame.get("are_replies_closed") is True,
            )
        else:
            message, _ = await database_sync_to_async(services.post_reply)(
                self.person,
                self.publication,
                access=self.access,
                thread_id=an_id(thread_id),
                client_id=frame.get("client_id"),
                body=frame.get("body"),
            )
        return {"type": "ack", "client_id": message.client_id, "message_id": message.id}

    async def on_edit(self, frame):
        await database_sync_to_async(services.edit_message)(
            self.person,
            self.publication,
            access=self.access,
            message_id=an_id(frame.get("message_id")),
            body=frame.get("body"),
        )

    async def on_delete(self, frame):
        await database_sync_to_async(services.delete_message)(
            self.person,
            self.publication,
            access=self.access,
            message_id=an_id(frame.get("message_id")),
        )

    async def on_react(self, frame):
        await database_sync_to_async(services.toggle_reaction)(
            self.person,
            self.publication,
            access=self.access,
            message_id=an_id(frame.get("message_id")),
            reaction=frame.get("reaction"),
        )

    async def on_hide(self, frame):
        await database_sync_to_async(services.hide_message)(
            self.person,
            self.publication,
            access=self.access,
            message_id=an_id(frame.get("message_id")),
        )

    async def on_mute(self, frame):
        person_id = an_id(frame.get("person_id"))
        await database_sync_to_async(services.mute)(
            self.person, self.publication, access=self.access, person_id=person_id
        )
        await self.tell_access_changed(person_id)

    async def on_unmute(self, frame):
        person_id = an_id(frame.get("person_id"))
        await database_sync_to_async(services.unmute)(
            self.person, self.publication, access=self.access, person_id=person_id
        )
        await self.tell_access_changed(person_id)

    async def tell_access_changed(self, person_id: int) -> None:
        """The person's open sockets, in every process, look up their access again."""
        await self.channel_layer.group_send(
            self.group, {"type": "chat.access", "person_id": person_id}
        )

    async def on_close_replies(self, frame):
        await database_sync_to_async(services.set_replies_closed)(
            self.person,
            self.publication,
            access=self.access,
            thread_id=an_id(frame.get("thread_id")),
            are_closed=frame.get("closed") is True,
        )

    async def on_typing(self, frame):
        thread_id = frame.get("thread_id")
        if thread_id is not None:
            thread_id = an_id(thread_id)
        now = time.monotonic()
        if now - self.typed_at < TYPING_EVERY:
            return None
        self.typed_at = now
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "chat.typing",
                "sender": self.channel_name,
                "text": json.dumps(
                    {
                        "type": "typing",
                        "person_id": self.person.pk,
                        "name": self.person.name,
                        "thread_id": thread_id,
                    }
                ),
            },
        )

    async def on_read(self, frame):
        thread_id, message_id = an_id(frame.get("thread_id")), an_id(frame.get("message_id"))
        await database_sync_to_async(mark_read)(
            self.person, self.publication, self.access, thread_id, message_id
        )

    # From this process's tracker (the room's broadcasts come through presence.py's relay) ----

    async def recheck_access(self) -> bool:
        """Look the person's access up again; a person who may no longer read is sent away."""
        self.access = await database_sync_to_async(rules.access_for)(self.person, self.publication)
        if not self.access.may_read:
            await self.refuse(self.access.read_refusal, FORBIDDEN)
            return False
        return True

    async def refresh_access(self) -> None:
        """Muted or unmuted by the staff: say so with a fresh welcome, so the page's composer
        follows without a reload."""
        if not await self.recheck_access():
            return
        last_event_id = await database_sync_to_async(events.latest_event_id)(self.publication.id)
        await self.send_json(welcome(self.access, last_event_id))


HANDLERS = {
    "hello": ChatConsumer.on_hello,
    "post": ChatConsumer.on_post,
    "edit": ChatConsumer.on_edit,
    "delete": ChatConsumer.on_delete,
    "react": ChatConsumer.on_react,
    "hide": ChatConsumer.on_hide,
    "mute": ChatConsumer.on_mute,
    "unmute": ChatConsumer.on_unmute,
    "close_replies": ChatConsumer.on_close_replies,
    "typing": ChatConsumer.on_typing,
    "read": ChatConsumer.on_read,
}


def an_id(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= LARGEST_ID:
        raise ChatRefused(UNREADABLE)
    return value


def welcome(access: rules.ChatAccess, last_event_id: int) -> dict:
    start_refusal = rules.thread_refusal(access)
    return {
        "type": "welcome",
        "person_id": access.person_id,
        "is_staff": access.is_staff,
        "may_start": start_refusal is None,
        "start_refusal": start_refusal,
        "is_muted": access.is_muted,
        "last_event_id": last_event_id,
    }


def open_room(person, slug: str):
    """(publication, the person's access, the newest event id), or None for no such room."""
    publication = Publication.objects.filter(slug=slug).first()
    if publication is None:
        return None
    access = rules.access_for(person, publication)
    if access.may_read:
        services.note_visit(person, publication)
    return publication, access, events.latest_event_id(publication.id)


def mark_read(person, publication, access, thread_id: int, message_id: int) -> None:
    thread = ChatMessage.objects.filter(
        id=thread_id, publication=publication, thread__isnull=True
    ).first()
    if thread is None or not rules.may_see(access, thread):
        raise ChatRefused("That thread does not exist any more.")
    services.mark_read(person, thread, message_id)
