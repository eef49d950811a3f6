"""This process's chat sockets, by room: the fan-out of the room's broadcasts to them, and who
is here (one ChatPresence row per open socket, written in batches).

Fan-out: the process, not each socket, is a member of the room's channel-layer group. One
relay per room receives each broadcast once and hands the pre-encoded text to every local
socket that may see it, straight to the server's send: no query, no queue and no task per
socket. With Redis, a broadcast is one message per server process, not one per reader.

Presence: one tracker per server process (per event loop), so the database sees one bulk
insert and one bulk delete per flush whatever the number of sockets opening and closing, and
one refresh per heartbeat for all of this process's sockets. A process that dies stops
refreshing its rows, and they stop counting once older than PRESENCE_WINDOW.

The heartbeat also rechecks who may still read: the sockets of a person banned or
unsubscribed while connected look their access up again and are closed (4403).
"""

import asyncio
import contextlib
import json
import logging
import weakref
from collections import defaultdict
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.utils import timezone

from masthead.chat import rules
from masthead.chat.events import room_group
from masthead.chat.models import ChatPresence, ChatReaders
from masthead.engagement.models import Ban
from masthead.publications.models import Membership, Publication
from masthead.subscriptions.models import Subscription, SubscriptionStatus

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5  # joins and leaves are written, and counts broadcast, this often at most
HEARTBEAT_SECONDS = 30
PRESENCE_WINDOW = timedelta(seconds=75)  # a row not refreshed for this long no longer counts
CHUNK = 500  # ids per IN (...) list


def chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def presence_message(count: int) -> dict:
    return {"type": "chat.presence", "text": json.dumps({"type": "presence", "count": count})}


def count_present(publication_id: int) -> int:
    """People (not sockets) with the room open in any process."""
    cutoff = timezone.now() - PRESENCE_WINDOW
    return (
        ChatPresence.objects.filter(publication_id=publication_id, seen_at__gte=cutoff)
        .values("person_id")
        .distinct()
        .count()
    )


def people_who_may_not_read(publication_id: int, person_ids: set[int]) -> set[int]:
    """Of these connected people, those who may no longer read the room.

    rules.access_for decides; it is asked only about the people whose standing may have
    changed: everyone but the staff and, when all subscribers may read, the active subscribers
    who are not banned. That keeps the heartbeat at a few queries per room, not per person.
    """
    publication = Publication.objects.filter(id=publication_id).first()
    if publication is None:
        return set(person_ids)
    readers = rules.settings_for(publication).readers
    suspects: set[int] = set()
    for part in chunks(sorted(person_ids)):
        staff = set(
            Membership.objects.filter(
                publication_id=publication_id, person_id__in=part
            ).values_list("person_id", flat=True)
        )
        settled = set(staff)
        if readers == ChatReaders.SUBSCRIBERS:
            subscribed = set(
                Subscription.objects.filter(
                    publication_id=publication_id,
                    person_id__in=part,
                    status=SubscriptionStatus.ACTIVE,
                ).values_list("person_id", flat=True)
            )
            banned = set(
                Ban.objects.filter(publication_id=publication_id, person_id__in=part).values_list(
                    "person_id", flat=True
                )
            )
            settled |= subscribed - banned
        suspects |= set(part) - settled
    people = get_user_model().objects.filter(id__in=suspects)
    return {
        person.pk for person in people if not rules.access_for(person, publication).may_read
    } | (suspects - {person.pk for person in people})


class PresenceTracker:
    """This process's sockets, by room; see the module's docstring."""

    def __init__(self):
        self.rooms: dict[int, dict[str, int]] = defaultdict(dict)  # room: {channel: person}
        self.sockets: dict[int, dict] = defaultdict(dict)  # room: {channel: consumer}
        self.relays: dict[int, asyncio.Task] = {}
        self.relay_ready: dict[int, asyncio.Event] = {}
        self.joined: dict[str, tuple[int, int]] = {}  # channel: (room, person), not yet written
        self.left: set[str] = set()  # channels whose rows are to be deleted
        self.dirty: set[int] = set()  # rooms whose count may have changed
        self.last_counts: dict[int, int] = {}
        self.wake = asyncio.Event()
        self.chores: set[asyncio.Task] = set()  # per-socket rechecks: the loop keeps weak refs
        self.flusher = asyncio.get_running_loop().create_task(self.run_flushes())
        self.heart = asyncio.get_running_loop().create_task(self.run_heartbeats())

    # Called by the consumers ------------------------------------------------------------------

    async def join(self, consumer) -> None:
        """From now on the socket gets the room's broadcasts, and counts as here."""
        publication_id, channel_name = consumer.publication.id, consumer.channel_name
        await self.open_relay(publication_id)
        self.sockets[publication_id][channel_name] = consumer
        self.rooms[publication_id][channel_name] = consumer.person.pk
        self.joined[channel_name] = (publication_id, consumer.person.pk)
        self.dirty.add(publication_id)
        self.wake.set()

    def leave(self, consumer) -> None:
        publication_id, channel_name = consumer.publication.id, consumer.channel_name
        if self.rooms.get(publication_id, {}).pop(channel_name, None) is None:
            return
        self.sockets[publication_id].pop(channel_name, None)
        if not self.rooms[publication_id]:
            del self.rooms[publication_id]
            del self.sockets[publication_id]
        if self.joined.pop(channel_name, None) is None:
            self.left.add(channel_name)  # its row was written: delete it
        self.dirty.add(publication_id)
        self.wake.set()

    # Fan-out ----------------------------------------------------------------------------------

    async def open_relay(self, publication_id: int) -> None:
        ready = self.relay_ready.get(publication_id)
        if ready is None:
            ready = self.relay_ready[publication_id] = asyncio.Event()
            layer = get_channel_layer()
            channel = await layer.new_channel()
            await layer.group_add(room_group(publication_id), channel)
            self.relays[publication_id] = asyncio.get_running_loop().create_task(
                self.relay(publication_id, channel)
            )
            ready.set()
        await ready.wait()

    async def relay(self, publication_id: int, channel: str) -> None:
        layer = get_channel_layer()
        try:
            while True:
                message = await layer.receive(channel)
                try:
                    await self.deliver(publication_id, message)
                except Exception:
                    log.exception("chat: delivering %s failed", message.get("type"))
        finally:
            with contextlib.suppress(Exception):
                await layer.group_discard(room_group(publication_id), channel)

    async def deliver(self, publication_id: int, message: dict) -> None:
        consumers = list(self.sockets.get(publication_id, {}).values())
        kind = message["type"]
        if kind == "chat.event":
            is_paid_only = message["paid_only"]
            targets = []
            for consumer in consumers:
                if is_paid_only and not consumer.access.sees_paid:
                    continue
                if consumer.catching_up is not None:
                    consumer.catching_up.append(message)  # sent after the catch-up, in order
                    continue
                targets.append(consumer)
        elif kind == "chat.access":  # a person muted or unmuted: only their sockets look again
            for consumer in consumers:
                if consumer.access.person_id == message["person_id"]:
                    self.run_chore(consumer.refresh_access())
            return
        elif kind == "chat.typing":
            targets = [c for c in consumers if c.channel_name != message["sender"]]
        else:  # chat.presence
            targets = consumers
        frame = {"type": "websocket.send", "text": message["text"]}
        await send_to_all(targets, frame)

    def run_chore(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.chores.add(task)
        task.add_done_callback(self.chores.discard)

    def close_idle_relays(self) -> None:
        for publication_id in [room for room in self.relays if room not in self.sockets]:
            self.relays.pop(publication_id).cancel()
            self.relay_ready.pop(publication_id, None)

    # The loops ------------------------------------------------------------------------------

    async def run_flushes(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            try:
                await self.flush()
            except Exception:  # the database may be briefly away; try again next time
                log.exception("chat presence: flush failed")
            await asyncio.sleep(FLUSH_SECONDS)

    async def flush(self) -> None:
        joined, self.joined = self.joined, {}
        left, self.left = self.left, set()
        dirty, self.dirty = self.dirty, set()
        counts = await database_sync_to_async(write_changes)(joined, left, dirty)
        await self.broadcast(counts, only_changed=False)

    async def run_heartbeats(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.beat()
            except Exception:
                log.exception("chat presence: heartbeat failed")

    async def beat(self) -> None:
        self.close_idle_relays()
        rooms = {room: dict(channels) for room, channels in self.rooms.items()}
        pending = set(self.joined)  # rows not written yet: the next flush writes them
        channels = [c for members in rooms.values() for c in members if c not in pending]
        counts, revoked = await database_sync_to_async(refresh)(rooms, channels)
        await self.broadcast(counts, only_changed=True)
        sockets = {c: s for members in self.sockets.values() for c, s in members.items()}
        for channel_name in revoked:
            consumer = sockets.get(channel_name)
            if consumer is not None:  # else it left meanwhile
                self.run_chore(consumer.recheck_access())  # looks again, then closes

    async def broadcast(self, counts: dict[int, int], *, only_changed: bool) -> None:
        layer = get_channel_layer()
        for room, count in counts.items():
            if only_changed and self.last_counts.get(room) == count:
                continue
            self.last_counts[room] = count
            await layer.group_send(room_group(room), presence_message(count))
            if room not in self.rooms:
                self.last_counts.pop(room, None)

    async def stop(self) -> None:
        """Cancel every task and wait until each has ended: a relay's receive gives back the
        channel layer's receive lock only as it ends, and a lock left held would stop the next
        event loop's relays (a test's loop; a server that is restarted in one process)."""
        tasks = [self.flusher, self.heart, *self.chores, *self.relays.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def send_to_all(consumers: list, frame: dict) -> None:
    """Send one frame to every socket, each send started at once and run as far as it goes.

    Eager tasks: a send that completes without waiting (uvicorn's, unless the socket's buffer
    is full) costs no trip through the event loop, and one slow reader holds up only its own
    send, which is awaited with the others that had to wait. A socket that is closing raises;
    its disconnect is on its way.
    """
    loop = asyncio.get_running_loop()
    waiting = []
    for consumer in consumers:
        sending = consumer.raw_send(frame)
        if asyncio.iscoroutine(sending):
            task = asyncio.Task(sending, loop=loop, eager_start=True)
        else:  # granian's send returns a future of its own, which always waits
            task = asyncio.ensure_future(sending)
        if not task.done():
            waiting.append(task)
        elif not task.cancelled():
            task.exception()  # retrieved: a closing socket's error is expected
    if waiting:
        await asyncio.gather(*waiting, return_exceptions=True)


def write_changes(
    joined: dict[str, tuple[int, int]], left: set[str], dirty: set[int]
) -> dict[int, int]:
    now = timezone.now()
    ChatPresence.objects.bulk_create(
        [
            ChatPresence(publication_id=room, person_id=person, channel_name=channel, seen_at=now)
            for channel, (room, person) in joined.items()
        ],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    for part in chunks(sorted(left)):
        ChatPresence.objects.filter(channel_name__in=part).delete()
    return {room: count_present(room) for room in dirty}


def refresh(rooms: dict[int, dict[str, int]], channels: list[str]) -> tuple[dict, list[str]]:
    """The heartbeat's database work: keep this process's rows alive, forget dead processes'
    rows, count every room, and find the sockets whose person may no longer read."""
    now = timezone.now()
    for part in chunks(channels):
        ChatPresence.objects.filter(channel_name__in=part).update(seen_at=now)
    ChatPresence.objects.filter(seen_at__lt=now - 2 * PRESENCE_WINDOW).delete()
    counts = {room: count_present(room) for room in rooms}
    revoked = []
    for room, members in rooms.items():
        refused = people_who_may_not_read(room, set(members.values()))
        revoked += [channel for channel, person in members.items() if person in refused]
    return counts, revoked


_trackers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceTracker]" = (
    weakref.WeakKeyDictionary()
)


def tracker() -> PresenceTracker:
    """The tracker of the running event loop (one per server process; one per test's loop)."""
    loop = asyncio.get_running_loop()
    found = _trackers.get(loop)
    if found is None:
        found = _trackers[loop] = PresenceTracker()
    return found


async def stop_tracker() -> None:
    found = _trackers.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.stop()
