"""Unread counts beside a thread never exceed its replies; replies off hide the reply control."""

import pytest
from django.urls import reverse

from masthead.chat import services
from masthead.chat.models import ChatMessage
from tests.chat.conftest import client_id, start_thread

pytestmark = pytest.mark.django_db

ROOM = "/chat/"


def reply(person, publication, thread, body="A reply"):
    message, _ = services.post_reply(
        person, publication, thread_id=thread.id, client_id=client_id(), body=body
    )
    return message


@pytest.fixture(autouse=True)
def fast_posting(monkeypatch):
    monkeypatch.setattr(services, "MESSAGE_RATE", (1_000, 60))


def test_four_unopened_replies_are_four_new_and_none_after_reading(
    client, writer, subscriber, publication
):
    thread = start_thread(writer, publication)
    replies = [reply(writer, publication, thread) for _ in range(4)]
    client.force_login(subscriber)
    page = client.get(ROOM)
    (item,) = page.context["page"].threads
    assert (item.message.reply_count, item.unread_count) == (4, 4)
    # chat.js counts only live replies after the ones already in the page's count.
    assert f'data-counted-up-to="{replies[-1].id}"' in page.text
    assert "<span data-unread-count>4</span> new" in page.text
    client.get(reverse("chat:thread", args=[thread.id]))
    (item,) = client.get(ROOM).context["page"].threads
    assert item.unread_count == 0


def test_unread_never_exceeds_the_replies_shown(client, writer, subscriber, publication):
    thread = start_thread(writer, publication)
    for _ in range(4):
        reply(writer, publication, thread)
    # A stale total (a recount racing a post) must not show more new than replies.
    ChatMessage.objects.filter(id=thread.id).update(reply_count=2)
    client.force_login(subscriber)
    (item,) = client.get(ROOM).context["page"].threads
    assert item.unread_count == 2


def test_a_thread_with_replies_off_offers_no_reply(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, are_replies_closed=True)
    client.force_login(subscriber)
    room = client.get(ROOM).text
    assert "<span data-reply-label>Reply</span>" not in room
    assert "<span data-reply-label>Open thread</span>" in room
    page = client.get(reverse("chat:thread", args=[thread.id])).text
    assert "data-composer" not in page
    assert "data-reply-refusal" in page
