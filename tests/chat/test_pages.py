"""The chat's pages: who may open them, the threads and replies they show, paging backwards,
unread counts, read marks, image uploads and the digest switch."""

import html
import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from masthead.chat import events, services
from masthead.chat.models import ChatImage, ChatReader, ChatSettings, ChatStarters, ThreadRead
from masthead.chat.rules import NOT_A_STARTER
from masthead.engagement.models import Ban
from masthead.publications.models import Membership, Role
from tests import factories
from tests.chat.conftest import client_id, start_thread

pytestmark = pytest.mark.django_db

ROOM = "/chat/"


def reply(person, publication, thread, body="A reply"):
    message, _ = services.post_reply(
        person, publication, thread_id=thread.id, client_id=client_id(), body=body
    )
    return message


def png_upload(name="photo.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


@pytest.fixture
def busy_room(monkeypatch):
    """Tests that fill a room post faster than a person may."""
    monkeypatch.setattr(services, "MESSAGE_RATE", (1_000, 60))


def signed_in(client, person):
    client.force_login(person)
    return client


# Who may open the chat -------------------------------------------------------------------------


def test_the_navigation_shows_chat(client, publication, subscriber):
    page = signed_in(client, subscriber).get("/")
    assert f'href="{ROOM}"' in page.text and ">Chat</a>" in page.text


def test_anonymous_visitors_are_invited_to_subscribe_or_sign_in(client, writer, publication):
    start_thread(writer, publication, body="Members only")
    response = client.get(ROOM)
    assert response.status_code == 200
    assert "Members only" not in response.text
    assert f'href="{reverse("subscriptions:subscribe")}">Subscribe to join' in response.text
    assert f'href="{reverse("accounts:sign_in")}?next=%2Fchat%2F">Sign in' in response.text


def test_an_outsider_is_refused_and_offered_a_subscription(client, writer, outsider, publication):
    thread = start_thread(writer, publication, body="Members only talk")
    response = signed_in(client, outsider).get(ROOM)
    assert response.status_code == 403
    assert "Subscribe to join in" in response.text
    assert reverse("subscriptions:subscribe") in response.text
    assert "Members only talk" not in response.text
    thread_page = client.get(reverse("chat:thread", args=[thread.id]))
    assert thread_page.status_code == 403
    assert "Members only talk" not in thread_page.text


def test_a_banned_subscriber_is_refused(client, writer, subscriber, publication):
    start_thread(writer, publication, body="Members only talk")
    Ban.objects.create(publication=publication, person=subscriber)
    response = signed_in(client, subscriber).get(ROOM)
    assert response.status_code == 403
    assert "stopped you" in response.text
    assert "Members only talk" not in response.text


def test_a_subscriber_sees_threads_with_their_reply_counts(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, body="What are you reading?")
    reply(subscriber, publication, thread, body="A novel")
    reply(writer, publication, thread, body="Nice")
    response = signed_in(client, subscriber).get(ROOM)
    assert response.status_code == 200
    assert "What are you reading?" in response.text
    assert "2 replies" in response.text
    assert reverse("chat:thread", args=[thread.id]) in response.text
    assert f'id="message-{thread.id}"' in response.text


def test_the_page_carries_what_the_script_needs(client, writer, subscriber, publication):
    start_thread(writer, publication)
    response = signed_in(client, subscriber).get(ROOM)
    assert 'data-socket-path="/ws/chat/daily-build/"' in response.text
    assert 'data-socket-port="0"' in response.text
    assert f'data-person-id="{subscriber.pk}"' in response.text
    assert 'data-is-staff="false"' in response.text
    assert f'data-last-event-id="{events.latest_event_id(publication.id)}"' in response.text
    assert f'data-upload-url="{reverse("chat:upload_image")}"' in response.text
    assert 'data-thread-url="/chat/threads/0/"' in response.text


def test_with_a_chat_port_the_page_may_connect_to_it(client, settings, subscriber, publication):
    settings.CHAT_SOCKET_PORT = 8001
    response = signed_in(client, subscriber).get(ROOM, HTTP_HOST="localhost:8000")
    assert 'data-socket-port="8001"' in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://localhost:8001 wss://localhost:8001" in policy


def test_paid_only_threads_are_hidden_from_free_readers(client, writer, subscriber, publication):
    paid = start_thread(writer, publication, body="For paying readers", is_paid_only=True)
    start_thread(writer, publication, body="For everyone")
    response = signed_in(client, subscriber).get(ROOM)
    assert "For everyone" in response.text
    assert "For paying readers" not in response.text
    refused = client.get(reverse("chat:thread", args=[paid.id]))
    assert refused.status_code == 403
    assert "This thread is for paid subscribers." in refused.text
    assert "For paying readers" not in refused.text


def test_staff_see_paid_only_threads(client, writer, publication):
    start_thread(writer, publication, body="For paying readers", is_paid_only=True)
    response = signed_in(client, writer).get(ROOM)
    assert "For paying readers" in response.text
    assert "Paid subscribers" in response.text


def test_the_composer_is_offered_to_those_who_may_start_threads(
    client, writer, subscriber, publication
):
    subscriber_page = signed_in(client, subscriber).get(ROOM)
    assert "data-composer" not in subscriber_page.text
    assert NOT_A_STARTER in html.unescape(subscriber_page.text)
    writer_page = signed_in(client, writer).get(ROOM)
    assert "data-composer" in writer_page.text
    assert 'name="is_paid_only"' in writer_page.text
    assert 'name="are_replies_closed"' in writer_page.text
    assert "data-image-input" in writer_page.text
    assert "writing in the chat needs it" in writer_page.text  # the noscript note


def test_subscribers_may_start_threads_when_the_setting_says_so(client, subscriber, publication):
    ChatSettings.objects.create(publication=publication, starters=ChatStarters.SUBSCRIBERS)
    page = signed_in(client, subscriber).get(ROOM)
    assert "data-composer" in page.text
    assert 'name="is_paid_only"' not in page.text  # staff only


# Paging and counts -----------------------------------------------------------------------------


def test_threads_page_backwards_from_the_newest_activity(
    client, busy_room, writer, subscriber, publication
):
    threads = [start_thread(writer, publication, body=f"Thread number {n}") for n in range(25)]
    # A reply brings the oldest thread to the top.
    reply(subscriber, publication, threads[0], body="Bump")
    signed_in(client, subscriber)
    first = client.get(ROOM)
    assert first.text.index("Thread number 0<") < first.text.index("Thread number 24<")
    assert "Thread number 5<" not in first.text
    assert "Older threads" in first.text
    cursor = first.context["page"].next_cursor
    second = client.get(ROOM, {"before": cursor})
    assert second.status_code == 200
    shown = [item.message.body for item in second.context["page"].threads]
    assert shown == [f"Thread number {n}" for n in range(5, 0, -1)]
    assert "Older threads" not in second.text
    assert "Back to the newest threads" in second.text


@pytest.mark.parametrize("cursor", ["nonsense", "99999999999999999999-1", "-1", "1-", "1" * 40])
def test_a_bad_cursor_shows_the_first_page(client, writer, subscriber, publication, cursor):
    start_thread(writer, publication, body="Still here")
    response = signed_in(client, subscriber).get(ROOM, {"before": cursor})
    assert response.status_code == 200
    assert "Still here" in response.text


def test_unread_counts_show_replies_since_the_last_visit(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, body="Thread")
    quiet = start_thread(writer, publication, body="Quiet thread")
    reply(writer, publication, thread, body="One")
    reply(writer, publication, thread, body="Two")
    reply(subscriber, publication, thread, body="My own reply is not unread")
    page = signed_in(client, subscriber).get(ROOM)
    items = {item.message.id: item.unread_count for item in page.context["page"].threads}
    assert items == {thread.id: 2, quiet.id: 0}
    assert "<span data-unread-count>2</span> new" in page.text


def test_opening_a_thread_marks_it_read(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, body="Thread")
    reply(writer, publication, thread, body="One")
    newest = reply(writer, publication, thread, body="Two")
    signed_in(client, subscriber)
    response = client.get(reverse("chat:thread", args=[thread.id]))
    assert response.status_code == 200
    assert ThreadRead.objects.get(thread=thread, person=subscriber).last_read_id == newest.id
    room = client.get(ROOM)
    assert room.context["page"].threads[0].unread_count == 0


def test_the_room_page_costs_the_same_queries_however_many_threads(
    client, django_assert_max_num_queries, busy_room, writer, subscriber, publication
):
    for n in range(30):
        thread = start_thread(writer, publication, body=f"Thread {n}")
        reply(writer, publication, thread)
        services.toggle_reaction(subscriber, publication, message_id=thread.id, reaction="heart")
    signed_in(client, subscriber)
    # Publication, session, person, access (5, paid access 1), the newest event, threads, reactions (2),
    # images, unread counts (2), the visit (first time: insert), the header's "subscribed?" = 23.
    with django_assert_max_num_queries(23):
        response = client.get(ROOM)
    assert response.status_code == 200
    assert len(response.context["page"].threads) == 20


# A thread's page -------------------------------------------------------------------------------


def test_a_thread_shows_its_replies_oldest_first(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, body="The question")
    reply(subscriber, publication, thread, body="First answer")
    reply(writer, publication, thread, body="Second answer")
    response = signed_in(client, subscriber).get(reverse("chat:thread", args=[thread.id]))
    assert response.status_code == 200
    text = response.text
    assert text.index("The question") < text.index("First answer") < text.index("Second answer")
    assert 'data-view="thread"' in text and f'data-thread-id="{thread.id}"' in text
    assert "Write a reply…" in text


def test_replies_page_backwards(
    client, django_assert_max_num_queries, busy_room, writer, publication
):
    thread = start_thread(writer, publication, body="Busy thread")
    replies = [reply(writer, publication, thread, body=f"Reply number {n}") for n in range(55)]
    signed_in(client, writer)
    url = reverse("chat:thread", args=[thread.id])
    with django_assert_max_num_queries(18):
        latest = client.get(url)
    shown = [message.id for message in latest.context["page"].replies]
    assert shown == [message.id for message in replies[5:]]
    assert "Earlier replies" in latest.text
    earlier = client.get(url, {"before": latest.context["page"].earlier_cursor})
    assert [message.id for message in earlier.context["page"].replies] == [
        message.id for message in replies[:5]
    ]
    assert "Earlier replies" not in earlier.text
    assert "Newest replies" in earlier.text
    assert "Write a reply…" not in earlier.text


def test_closed_threads_say_so_instead_of_a_composer(client, writer, subscriber, publication):
    thread = start_thread(writer, publication, body="Announcement", are_replies_closed=True)
    response = signed_in(client, subscriber).get(reverse("chat:thread", args=[thread.id]))
    assert "Replies are turned off for this thread." in response.text
    assert "data-composer" not in response.text


def test_another_publications_thread_is_not_found(client, subscriber, publication):
    other = factories.make_publication(name="Elsewhere")
    other_writer = factories.make_person()
    Membership.objects.create(publication=other, person=other_writer, role=Role.OWNER)
    elsewhere = start_thread(other_writer, other, body="Not here")
    signed_in(client, subscriber)
    response = client.get(reverse("chat:thread", args=[elsewhere.id]))
    assert response.status_code == 404


def test_a_reply_id_is_not_a_thread(client, writer, subscriber, publication):
    thread = start_thread(writer, publication)
    answer = reply(writer, publication, thread)
    response = signed_in(client, subscriber).get(reverse("chat:thread", args=[answer.id]))
    assert response.status_code == 404


@pytest.mark.parametrize("before", ["x", "-3", "9" * 30, ""])
def test_a_bad_replies_cursor_shows_the_newest(client, writer, subscriber, publication, before):
    thread = start_thread(writer, publication)
    reply(writer, publication, thread, body="Newest words")
    url = reverse("chat:thread", args=[thread.id])
    response = signed_in(client, subscriber).get(url, {"before": before})
    assert response.status_code == 200
    assert "Newest words" in response.text


def test_a_huge_thread_id_is_not_found(client, subscriber, publication):
    response = signed_in(client, subscriber).get("/chat/threads/99999999999999999999999/")
    assert response.status_code == 404


# Image uploads ---------------------------------------------------------------------------------


def upload(client, file):
    return client.post(reverse("chat:upload_image"), {"image": file})


def test_a_writer_uploads_an_image_for_a_thread(client, writer, publication):
    response = upload(signed_in(client, writer), png_upload())
    assert response.status_code == 201
    image = ChatImage.objects.get()
    assert response.json() == {"id": image.id, "url": image.image.url}
    assert (image.uploader, image.publication, image.message) == (writer, publication, None)


def test_uploads_answer_errors_as_messages(client, writer, publication):
    signed_in(client, writer)
    not_an_image = io.BytesIO(b"plain text, not pixels")
    not_an_image.name = "notes.txt"
    response = upload(client, not_an_image)
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]
    missing = client.post(reverse("chat:upload_image"), {})
    assert missing.status_code == 400
    assert missing.json() == {"error": "Choose an image to upload."}
    empty = io.BytesIO(b"")
    empty.name = "empty.png"
    assert upload(client, empty).status_code == 400
    assert ChatImage.objects.count() == 0


def test_people_who_may_not_start_threads_cannot_upload(client, subscriber, outsider, publication):
    response = upload(signed_in(client, subscriber), png_upload())
    assert response.status_code == 400
    assert "Only the publication's writers" in response.json()["error"]
    outsider_response = upload(signed_in(client, outsider), png_upload())
    assert "Subscribe to join in" in outsider_response.json()["error"]
    client.logout()
    anonymous = upload(client, png_upload())
    assert anonymous.status_code == 401
    assert ChatImage.objects.count() == 0


def test_uploads_need_the_csrf_token(writer, publication):
    client = Client(enforce_csrf_checks=True)
    client.force_login(writer)
    response = upload(client, png_upload())
    assert response.status_code == 403
    assert ChatImage.objects.count() == 0


def test_uploads_only_accept_post(client, writer, publication):
    response = signed_in(client, writer).get(reverse("chat:upload_image"))
    assert response.status_code == 405


# The digest switch -----------------------------------------------------------------------------


def test_a_reader_turns_the_digest_on_and_off(client, subscriber, publication):
    signed_in(client, subscriber)
    response = client.post(reverse("chat:digest"), {"is_on": "on"})
    assert response.status_code == 302 and response.url == ROOM
    assert ChatReader.objects.get(person=subscriber).is_digest_on is True
    page = client.get(ROOM)
    assert "Chat digest is on." in page.text and "Turn off" in page.text
    client.post(reverse("chat:digest"), {"is_on": "off"})
    assert ChatReader.objects.get(person=subscriber).is_digest_on is False


def test_the_digest_switch_ignores_nonsense(client, subscriber, publication):
    signed_in(client, subscriber)
    response = client.post(reverse("chat:digest"), {"is_on": "maybe"})
    assert response.status_code == 302
    assert not ChatReader.objects.filter(person=subscriber, is_digest_on=True).exists()


def test_outsiders_cannot_turn_on_a_digest(client, outsider, publication):
    response = signed_in(client, outsider).post(reverse("chat:digest"), {"is_on": "on"})
    assert response.status_code == 403
    assert not ChatReader.objects.filter(person=outsider).exists()
    client.logout()
    anonymous = client.post(reverse("chat:digest"), {"is_on": "on"})
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:sign_in"))


def test_the_digest_switch_needs_the_csrf_token(subscriber, publication):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    response = client.post(reverse("chat:digest"), {"is_on": "on"})
    assert response.status_code == 403
    assert not ChatReader.objects.filter(person=subscriber, is_digest_on=True).exists()
