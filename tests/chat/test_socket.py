"""The chat socket (docs/chat-protocol.md) through the real ASGI stack: origin check, session
cookie, consumer, services, the in-memory channel layer and the presence tracker."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from masthead.asgi import application
from masthead.chat import presence
from masthead.chat.models import ChatMessage, ChatPresence, ThreadRead
from masthead.engagement.models import Ban
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.chat.conftest import client_id

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_ORIGIN = "http://127.0.0.1:8000"  # the demo: pages on :8000, the chat server on :8001
WAIT = 5  # seconds a frame may take to arrive before the test fails


@pytest.fixture(autouse=True)
def empty_channel_layer(fresh_channel_layer):
    return fresh_channel_layer


def session_cookie(person) -> str:
    client = Client()
    client.force_login(person)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def socket_for(person, slug="daily-build", origin=PAGE_ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode())] if origin else []
    if person is not None:
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(person)}"
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{slug}/", headers=headers)


async def frame_of(socket, frame_type: str, **fields) -> dict:
    """The next frame of this type (and these fields); frames before it are skipped."""
    while True:
        frame = await socket.receive_json_from(timeout=WAIT)
        if frame["type"] == frame_type and all(frame.get(k) == v for k, v in fields.items()):
            return frame


async def sent(socket) -> tuple[dict, dict]:
    """(ack, event) of the poster's own message; the event may arrive before the ack."""
    ack, events = None, {}
    while ack is None or ack["client_id"] not in events:
        frame = await socket.receive_json_from(timeout=WAIT)
        if frame["type"] == "ack":
            ack = frame
        elif frame["type"] == "event" and frame["kind"] == "posted":
            events[frame["message"]["client_id"]] = frame
        elif frame["type"] == "error":
            raise AssertionError(frame)
    return ack, events[ack["client_id"]]


async def frames_until(socket, kind: str) -> list[dict]:
    """Every frame up to and including the first of this type, presence frames left out."""
    frames = []
    while True:
        frame = await socket.receive_json_from(timeout=WAIT)
        if frame["type"] != "presence":
            frames.append(frame)
        if frame["type"] == kind:
            return frames


async def join(person, **kwargs) -> tuple[WebsocketCommunicator, dict]:
    socket = socket_for(person, **kwargs)
    connected, _ = await socket.connect(timeout=WAIT)
    assert connected
    return socket, await frame_of(socket, "welcome")


async def refused(person, **kwargs) -> tuple[dict | None, int | None]:
    """(the error frame, the close code) of a socket the server turns away."""
    socket = socket_for(person, **kwargs)
    connected, code = await socket.connect(timeout=WAIT)
    if not connected:
        return None, code
    first = await socket.receive_output(timeout=WAIT)
    error = json.loads(first["text"]) if first["type"] == "websocket.send" else None
    closed = first if error is None else await socket.receive_output(timeout=WAIT)
    assert closed["type"] == "websocket.close"
    return error, closed.get("code")


async def post(socket, body="Hello, room", thread_id=None, **fields) -> dict:
    frame = {"type": "post", "client_id": client_id(), "body": body, "thread_id": thread_id}
    await socket.send_json_to({**frame, **fields})
    return frame


async def leave(*sockets) -> None:
    for socket in sockets:
        await socket.disconnect()


def run(scenario):
    """Run a scenario in an event loop of its own, and stop that loop's presence tracker after
    it, passed or failed: a tracker left running would hold the channel layer's receive lock."""

    async def then_stop():
        try:
            await scenario()
        finally:
            await presence.stop_tracker()

    async_to_sync(then_stop)()


def test_anonymous_people_outsiders_and_banned_subscribers_are_refused(
    writer, subscriber, outsider, publication
):
    Ban.objects.create(publication=publication, person=subscriber)

    async def scenario():
        error, code = await refused(None)
        assert code == 4401
        assert "Sign in" in error["message"]
        error, code = await refused(outsider)
        assert code == 4403
        assert "Subscribe to join" in error["message"]
        error, code = await refused(subscriber)
        assert code == 4403
        assert "stopped you" in error["message"]
        _, code = await refused(writer, slug="no-such-publication")
        assert code == 4404

    run(scenario)
    assert not ChatPresence.objects.exists()


def test_a_page_from_an_unknown_origin_cannot_open_the_socket(subscriber, publication):
    async def scenario():
        for origin in ("https://evil.example", None):
            socket = socket_for(subscriber, origin=origin)
            connected, _ = await socket.connect(timeout=WAIT)
            assert not connected

    run(scenario)


def test_a_page_on_another_port_of_an_allowed_host_may_open_the_socket(subscriber, publication):
    async def scenario():
        socket, welcome = await join(subscriber, origin="http://localhost:8000")
        assert welcome["person_id"] == subscriber.pk
        await leave(socket)

    run(scenario)


def test_welcome_tells_a_subscriber_they_may_reply_but_not_start_threads(
    writer, subscriber, publication
):
    async def scenario():
        socket, welcome = await join(subscriber)
        assert welcome == {
            "type": "welcome",
            "person_id": subscriber.pk,
            "is_staff": False,
            "may_start": False,
            "start_refusal": "Only the publication's writers can start threads here. "
            "You can reply to them.",
            "is_muted": False,
            "last_event_id": 0,
        }
        await leave(socket)

    run(scenario)


def test_a_subscriber_receives_the_writers_new_thread_and_the_writer_gets_an_ack(
    writer, subscriber, publication
):
    async def scenario():
        reader_socket, _ = await join(subscriber)
        writer_socket, _ = await join(writer)
        frame = await post(writer_socket, "Welcome, everyone")
        ack, _ = await sent(writer_socket)
        event = await frame_of(reader_socket, "event")
        assert ack["client_id"] == frame["client_id"]
        assert event["kind"] == "posted"
        assert event["paid_only"] is False
        assert event["message"]["id"] == ack["message_id"]
        assert event["message"]["client_id"] == frame["client_id"]
        assert "Welcome, everyone" in event["message"]["html"]
        await leave(reader_socket, writer_socket)

    run(scenario)
    assert ChatMessage.objects.get().body == "Welcome, everyone"


def test_a_reply_reaction_edit_and_delete_reach_the_room(writer, subscriber, publication):
    async def scenario():
        writer_socket, _ = await join(writer)
        reader_socket, _ = await join(subscriber)
        await post(writer_socket, "A thread")
        thread_id = (await sent(writer_socket))[0]["message_id"]
        await frame_of(reader_socket, "event")
        await post(reader_socket, "A reply", thread_id=thread_id)
        reply_id = (await sent(reader_socket))[0]["message_id"]
        event = await frame_of(writer_socket, "event")
        assert (event["message"]["thread_id"], event["message"]["reply_count"]) == (thread_id, 1)
        await writer_socket.send_json_to(
            {"type": "react", "message_id": reply_id, "reaction": "heart"}
        )
        reacted = await frame_of(reader_socket, "event", kind="reacted")
        assert "❤️ <span>1</span>" in reacted["message"]["html"]
        await reader_socket.send_json_to({"type": "edit", "message_id": reply_id, "body": "Edited"})
        edited = await frame_of(writer_socket, "event", kind="edited")
        assert "Edited" in edited["message"]["html"]
        await reader_socket.send_json_to({"type": "delete", "message_id": reply_id})
        deleted = await frame_of(writer_socket, "event", kind="deleted")
        assert deleted["message"]["is_visible"] is False
        await leave(writer_socket, reader_socket)

    run(scenario)


def test_a_resent_post_is_stored_once_and_acknowledged_both_times(writer, publication):
    async def scenario():
        socket, _ = await join(writer)
        frame = await post(socket, "Only once")
        first = await frame_of(socket, "ack")
        await socket.send_json_to(frame)  # as after a lost connection
        second = await frame_of(socket, "ack")
        assert (
            first
            == second
            == {
                "type": "ack",
                "client_id": frame["client_id"],
                "message_id": first["message_id"],
            }
        )
        await leave(socket)

    run(scenario)
    assert ChatMessage.objects.filter(body="Only once").count() == 1


def test_hello_with_an_old_id_returns_the_missed_events_once(writer, subscriber, publication):
    async def scenario():
        reader_socket, welcome = await join(subscriber)
        await leave(reader_socket)  # the reader's connection drops
        writer_socket, _ = await join(writer)
        await post(writer_socket, "First")
        first_id = (await sent(writer_socket))[0]["message_id"]
        await post(writer_socket, "Second")
        await sent(writer_socket)
        await writer_socket.send_json_to(
            {"type": "edit", "message_id": first_id, "body": "First, edited"}
        )
        await frame_of(writer_socket, "event", kind="edited")  # stored: it was broadcast

        reader_socket, _ = await join(subscriber)
        await reader_socket.send_json_to({"type": "hello", "after": welcome["last_event_id"]})
        frames = await frames_until(reader_socket, "caught_up")
        events = [f for f in frames if f["type"] == "event"]
        # One event per message, its newest: the edit of the first, then the second's post.
        assert [(e["message"]["id"], e["kind"]) for e in events] == [
            (events[0]["message"]["id"], "posted"),
            (first_id, "edited"),
        ]
        assert "First, edited" in events[1]["message"]["html"]
        assert frames[-1] == {
            "type": "caught_up",
            "last_event_id": max(e["id"] for e in events),
            "truncated": False,
        }
        # Asked again from the newest id, the catch-up repeats the last ids it covers
        # (CATCH_UP_OVERLAP): on PostgreSQL a lower id can commit after a higher one was seen,
        # and a change that did is not lost. The client ignores what it already applied.
        await reader_socket.send_json_to({"type": "hello", "after": frames[-1]["last_event_id"]})
        assert await frames_until(reader_socket, "caught_up") == frames
        await leave(reader_socket, writer_socket)

    run(scenario)


def test_a_paid_only_thread_is_not_delivered_to_free_subscribers(writer, subscriber, publication):
    async def scenario():
        reader_socket, welcome = await join(subscriber)
        writer_socket, _ = await join(writer)
        await post(writer_socket, "For paid subscribers", is_paid_only=True)
        _, paid = await sent(writer_socket)
        assert paid["paid_only"] is True
        await post(writer_socket, "For everyone")
        _, free = await sent(writer_socket)
        # The first event the reader gets is the free thread: the paid one was filtered out.
        assert (await frame_of(reader_socket, "event"))["id"] == free["id"]
        await reader_socket.send_json_to({"type": "hello", "after": welcome["last_event_id"]})
        frames = await frames_until(reader_socket, "caught_up")
        assert [f["id"] for f in frames if f["type"] == "event"] == [free["id"]]
        await leave(reader_socket, writer_socket)

    run(scenario)


def test_typing_reaches_the_others_but_not_the_typist(writer, subscriber, publication):
    async def scenario():
        writer_socket, _ = await join(writer)
        reader_socket, _ = await join(subscriber)
        await reader_socket.send_json_to({"type": "typing", "thread_id": None})
        typing = await frame_of(writer_socket, "typing")
        assert typing == {
            "type": "typing",
            "person_id": subscriber.pk,
            "name": "Sam Subscriber",
            "thread_id": None,
        }
        await reader_socket.send_json_to({"type": "ping"})
        assert await frames_until(reader_socket, "pong") == [{"type": "pong"}]
        await leave(writer_socket, reader_socket)

    run(scenario)


def test_presence_counts_people_across_their_sockets_and_drops_those_who_leave(
    writer, subscriber, publication
):
    async def scenario():
        writer_socket, _ = await join(writer)
        assert await frame_of(writer_socket, "presence") == {"type": "presence", "count": 1}
        reader_socket, _ = await join(subscriber)
        second_tab, _ = await join(subscriber)
        await frame_of(reader_socket, "presence", count=2)
        await frame_of(writer_socket, "presence", count=2)
        await reader_socket.disconnect()
        await second_tab.disconnect()
        await frame_of(writer_socket, "presence", count=1)
        assert await database_sync_to_async(ChatPresence.objects.count)() == 1
        await leave(writer_socket)
        await asyncio.sleep(presence.FLUSH_SECONDS * 3)  # the tracker writes the leave

    run(scenario)


def test_unreadable_frames_get_an_error_and_the_socket_stays_open(writer, publication):
    async def scenario():
        socket, _ = await join(writer)
        for bad in ("not json", "[1, 2]", '{"no": "type"}', '{"type": "launch"}'):
            await socket.send_to(text_data=bad)
            error = await frame_of(socket, "error")
            assert "did not understand" in error["message"]
        await socket.send_to(bytes_data=b"\x00\x01")
        assert "did not understand" in (await frame_of(socket, "error"))["message"]
        await socket.send_json_to({"type": "hello", "after": "yesterday"})
        assert "did not understand" in (await frame_of(socket, "error"))["message"]
        await socket.send_json_to({"type": "edit", "message_id": "12", "body": "x"})
        assert "did not understand" in (await frame_of(socket, "error"))["message"]
        await socket.send_json_to({"type": "post", "client_id": "bad id!", "body": "x"})
        error = await frame_of(socket, "error")
        assert error["client_id"] == "bad id!"
        frame = await post(socket, "")
        error = await frame_of(socket, "error")
        assert error == {
            "type": "error",
            "message": "Write something first.",
            "client_id": frame["client_id"],
        }
        await socket.send_json_to({"type": "ping"})
        assert (await frame_of(socket, "pong")) == {"type": "pong"}
        await leave(socket)

    run(scenario)


def test_refused_writes_answer_with_the_reason(writer, subscriber, publication):
    async def scenario():
        reader_socket, _ = await join(subscriber)
        frame = await post(reader_socket, "May I start one?")
        error = await frame_of(reader_socket, "error")
        assert error["client_id"] == frame["client_id"]
        assert "Only the publication's writers" in error["message"]
        await reader_socket.send_json_to({"type": "hide", "message_id": 1})
        error = await frame_of(reader_socket, "error")
        assert error == {"type": "error", "message": "Only the publication's writers can do that."}
        await leave(reader_socket)

    run(scenario)
    assert not ChatMessage.objects.exists()


def test_read_moves_the_read_mark_of_a_thread(writer, subscriber, publication):
    async def scenario():
        writer_socket, _ = await join(writer)
        reader_socket, _ = await join(subscriber)
        await post(writer_socket, "Thread")
        thread_id = (await sent(writer_socket))[0]["message_id"]
        await post(writer_socket, "Reply", thread_id=thread_id)
        reply_id = (await sent(writer_socket))[0]["message_id"]
        await reader_socket.send_json_to(
            {"type": "read", "thread_id": thread_id, "message_id": reply_id}
        )
        await reader_socket.send_json_to({"type": "ping"})
        await frame_of(reader_socket, "pong")  # frames are handled in order: the read is stored
        await leave(writer_socket, reader_socket)

    run(scenario)
    assert ThreadRead.objects.get(person=subscriber).last_read_id > 0


def test_a_subscriber_banned_mid_session_is_disconnected_at_their_next_message(
    writer, subscriber, publication
):
    async def scenario():
        socket, _ = await join(subscriber)
        await database_sync_to_async(Ban.objects.create)(publication=publication, person=subscriber)
        await socket.send_json_to({"type": "typing", "thread_id": None})
        error = await frame_of(socket, "error")
        assert "stopped you" in error["message"]
        closed = await socket.receive_output(timeout=WAIT)
        assert closed == {"type": "websocket.close", "code": 4403}
        await leave()

    run(scenario)


def test_an_unsubscribed_reader_is_disconnected_by_the_heartbeat(writer, subscriber, publication):
    async def scenario():
        writer_socket, _ = await join(writer)
        reader_socket, _ = await join(subscriber)
        await frame_of(writer_socket, "presence")
        await database_sync_to_async(Subscription.objects.filter(person=subscriber).update)(
            status=SubscriptionStatus.UNSUBSCRIBED
        )
        await presence.tracker().beat()  # what the heartbeat runs every 30 seconds
        error = await frame_of(reader_socket, "error")
        assert "Subscribe to join" in error["message"]
        assert await reader_socket.receive_output(timeout=WAIT) == {
            "type": "websocket.close",
            "code": 4403,
        }
        await writer_socket.send_json_to({"type": "ping"})
        await frame_of(writer_socket, "pong")  # the writer is still connected
        await leave(writer_socket)

    run(scenario)


def test_leaving_the_room_counts_as_the_readers_last_visit(subscriber, publication):
    from masthead.chat.models import ChatReader

    def last_seen():
        return ChatReader.objects.get(person=subscriber).last_seen_at

    seen = []

    async def scenario():
        socket, _ = await join(subscriber)
        seen.append(await database_sync_to_async(last_seen)())
        await leave(socket)

    run(scenario)
    assert seen[0] is not None
    assert last_seen() > seen[0]


def test_a_reader_muted_or_unmuted_while_here_is_told_at_once(writer, subscriber, publication):
    async def scenario():
        writer_socket, _ = await join(writer)
        reader_socket, welcome = await join(subscriber)
        assert welcome["is_muted"] is False
        await writer_socket.send_json_to({"type": "mute", "person_id": subscriber.pk})
        assert (await frame_of(reader_socket, "welcome"))["is_muted"] is True
        await writer_socket.send_json_to({"type": "unmute", "person_id": subscriber.pk})
        assert (await frame_of(reader_socket, "welcome"))["is_muted"] is False
        await leave(reader_socket, writer_socket)

    run(scenario)


def test_a_settings_change_applies_to_sockets_already_open(writer, subscriber, publication):
    from masthead.chat.models import ChatSettings, ChatStarters

    async def scenario():
        reader_socket, _ = await join(subscriber)
        await post(reader_socket, "May I start one?")
        assert (
            "Only the publication's writers" in (await frame_of(reader_socket, "error"))["message"]
        )
        await database_sync_to_async(ChatSettings.objects.create)(
            publication=publication, starters=ChatStarters.SUBSCRIBERS
        )
        await post(reader_socket, "Now I may")
        await sent(reader_socket)
        await leave(reader_socket)

    run(scenario)
    assert ChatMessage.objects.get().body == "Now I may"
