"""Chat writes: who may do what, idempotent posting, events in order, unread counts."""

import pytest

from masthead.chat import events, services
from masthead.chat.models import ChatEvent, ChatMessage, ChatSettings, ChatStarters, EventKind
from masthead.chat.services import ChatRefused
from masthead.engagement.models import Ban
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests.chat.conftest import client_id, start_thread

pytestmark = pytest.mark.django_db


def test_a_resent_message_is_stored_once(writer, publication):
    same_id = client_id()
    first, created = services.post_thread(writer, publication, client_id=same_id, body="Hi")
    again, created_again = services.post_thread(writer, publication, client_id=same_id, body="Hi")
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert ChatMessage.objects.count() == 1
    assert ChatEvent.objects.filter(kind=EventKind.POSTED).count() == 1


def test_subscribers_reply_but_only_writers_start_threads_by_default(
    writer, subscriber, publication
):
    thread = start_thread(writer, publication)
    reply, _ = services.post_reply(
        subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Hello!"
    )
    assert reply.thread_id == thread.id
    thread.refresh_from_db()
    assert thread.reply_count == 1
    with pytest.raises(ChatRefused, match="Only the publication's writers"):
        start_thread(subscriber, publication)


def test_the_setting_can_let_subscribers_start_threads(writer, subscriber, publication):
    ChatSettings.objects.create(publication=publication, starters=ChatStarters.SUBSCRIBERS)
    assert start_thread(subscriber, publication).author == subscriber


def test_outsiders_banned_and_unsubscribed_people_are_refused(
    writer, subscriber, outsider, publication
):
    thread = start_thread(writer, publication)
    with pytest.raises(ChatRefused, match="Subscribe to join"):
        services.post_reply(
            outsider, publication, thread_id=thread.id, client_id=client_id(), body="Hi"
        )
    Subscription.objects.filter(person=subscriber).update(status=SubscriptionStatus.UNSUBSCRIBED)
    with pytest.raises(ChatRefused, match="Subscribe to join"):
        services.post_reply(
            subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Hi"
        )
    Subscription.objects.filter(person=subscriber).update(status=SubscriptionStatus.ACTIVE)
    Ban.objects.create(publication=publication, person=subscriber)
    with pytest.raises(ChatRefused, match="stopped you"):
        services.post_reply(
            subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Hi"
        )


def test_closed_and_paid_threads_refuse_free_replies(writer, subscriber, publication):
    closed = start_thread(writer, publication, are_replies_closed=True)
    paid = start_thread(writer, publication, is_paid_only=True)
    with pytest.raises(ChatRefused, match="Replies are turned off"):
        services.post_reply(
            subscriber, publication, thread_id=closed.id, client_id=client_id(), body="Hi"
        )
    with pytest.raises(ChatRefused, match="paid subscribers"):
        services.post_reply(
            subscriber, publication, thread_id=paid.id, client_id=client_id(), body="Hi"
        )


def test_muted_readers_read_but_cannot_post(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    assert services.mute(writer, publication, person_id=subscriber.id) is True
    with pytest.raises(ChatRefused, match="muted"):
        services.post_reply(
            subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Hi"
        )
    with pytest.raises(ChatRefused, match="writers"):
        services.mute(subscriber, publication, person_id=writer.id)


def test_edit_and_delete_only_ones_own(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    reply, _ = services.post_reply(
        subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Frist"
    )
    with pytest.raises(ChatRefused, match="your own"):
        services.edit_message(writer, publication, message_id=reply.id, body="Changed")
    edited = services.edit_message(subscriber, publication, message_id=reply.id, body="First")
    assert edited.body == "First" and edited.edited_at is not None
    services.delete_message(subscriber, publication, message_id=reply.id)
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_the_writer_hides_a_message(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    reply, _ = services.post_reply(
        subscriber, publication, thread_id=thread.id, client_id=client_id(), body="Spam"
    )
    with pytest.raises(ChatRefused, match="writers"):
        services.hide_message(subscriber, publication, message_id=thread.id)
    services.hide_message(writer, publication, message_id=reply.id)
    reply.refresh_from_db()
    assert reply.hidden_at is not None and not reply.is_visible


def test_reactions_toggle_and_are_a_fixed_set(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    services.toggle_reaction(subscriber, publication, message_id=thread.id, reaction="heart")
    assert events.reaction_summary([thread.id])[thread.id][0]["count"] == 1
    services.toggle_reaction(subscriber, publication, message_id=thread.id, reaction="heart")
    assert events.reaction_summary([thread.id]) == {}
    with pytest.raises(ChatRefused, match="not one of"):
        services.toggle_reaction(subscriber, publication, message_id=thread.id, reaction="poo")


def test_message_html_is_escaped_and_links_work(writer, publication):
    thread = start_thread(writer, publication, body="<script>x</script> see https://example.com")
    assert "<script>" not in thread.body_html
    assert 'href="https://example.com"' in thread.body_html


def test_catch_up_replays_each_message_once_in_its_latest_state(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    seen = events.latest_event_id(publication.id)
    reply, _ = services.post_reply(
        subscriber, publication, thread_id=thread.id, client_id=client_id(), body="One"
    )
    services.edit_message(subscriber, publication, message_id=reply.id, body="One, edited")
    services.toggle_reaction(writer, publication, message_id=thread.id, reaction="clap")
    payloads, is_truncated = events.events_after(publication.id, seen)
    assert not is_truncated
    assert [p["message"]["id"] for p in payloads] == [reply.id, thread.id]
    assert "One, edited" in payloads[0]["message"]["html"]
    assert payloads[-1]["id"] == events.latest_event_id(publication.id)
    assert events.events_after(publication.id, payloads[-1]["id"]) == ([], False)


def test_unread_counts_follow_the_read_mark(writer, subscriber, publication):
    thread = start_thread(writer, publication)
    replies = [
        services.post_reply(
            writer, publication, thread_id=thread.id, client_id=client_id(), body=str(n)
        )[0]
        for n in range(3)
    ]
    assert services.unread_counts(subscriber, [thread.id]) == {thread.id: 3}
    services.mark_read(subscriber, thread, replies[1].id)
    assert services.unread_counts(subscriber, [thread.id]) == {thread.id: 1}
    services.mark_read(subscriber, thread, replies[0].id)  # never moves backwards
    assert services.unread_counts(subscriber, [thread.id]) == {thread.id: 1}
    assert services.unread_counts(writer, [thread.id]) == {}  # one's own replies are read


def test_bad_input_is_refused_with_a_message(writer, publication):
    with pytest.raises(ChatRefused, match="Write something"):
        services.post_thread(writer, publication, client_id=client_id(), body="   ")
    with pytest.raises(ChatRefused, match="at most"):
        services.post_thread(writer, publication, client_id=client_id(), body="x" * 4001)
    with pytest.raises(ChatRefused, match="reload"):
        services.post_thread(writer, publication, client_id="bad id!", body="Hi")
    with pytest.raises(ChatRefused, match="images"):
        services.post_thread(writer, publication, client_id=client_id(), body="Hi", image_ids="1,2")
