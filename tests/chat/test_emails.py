"""Chat emails, through the real worker and a real SMTP server: the first thread's announcement,
and the opt-in digest of new threads for people who were not there."""

import datetime as dt

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from masthead.chat import digests, services
from masthead.chat.models import ChatReader, ChatSettings
from masthead.chat.tasks import announce_first_thread, send_chat_digest
from masthead.delivery.models import Suppression, SuppressionReason
from masthead.engagement.models import Ban
from masthead.publications.models import Membership, Role
from masthead.subscriptions.models import Subscription, SubscriptionStatus
from tests import factories
from tests.chat.conftest import start_thread
from tests.delivery.sinks import RefusingSink

# Tasks are enqueued when the posting transaction commits, so these tests commit for real.
pytestmark = pytest.mark.django_db(transaction=True)

ANNOUNCE = "masthead.chat.tasks.announce_first_thread"
DIGEST = "masthead.chat.tasks.send_chat_digest"
# Ten minutes into a digest window, so a test's threads all fall in the same one.
START = dt.datetime(2030, 3, 4, 10, 10, tzinfo=dt.UTC)


def subscribe(publication, name, status=SubscriptionStatus.ACTIVE):
    person = factories.make_person(name=name)
    Subscription.objects.create(publication=publication, person=person, status=status)
    return person


def tasks_of(path):
    return DBTaskResult.objects.filter(task_path=path)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def digest_reader(publication, clock):
    """A subscriber who turned the digest on when last in the room, at START."""
    person = subscribe(publication, "Dee Digest")
    services.note_visit(person, publication)
    services.set_digest(person, publication, is_on=True)
    return person


# The first thread ------------------------------------------------------------------------------


def test_the_first_thread_is_announced_once_to_each_active_subscriber(
    publication, writer, smtp_sink, run_worker
):
    readers = [subscribe(publication, f"Reader {n}") for n in range(3)]
    gone = subscribe(publication, "Gone", SubscriptionStatus.UNSUBSCRIBED)

    start_thread(writer, publication, body="Ask me anything about caches.")

    assert tasks_of(ANNOUNCE).count() == 1
    run_worker()
    assert sorted(m.envelope_to[0] for m in smtp_sink.messages) == sorted(r.email for r in readers)
    message = smtp_sink.last_to(readers[0].email)
    assert message.subject == "The Daily Build started a chat"
    assert "Ask me anything about caches." in message.text
    assert "/chat/" in message.text
    assert "/unsubscribe/" in message.text
    assert not smtp_sink.to(gone.email)
    assert not smtp_sink.to(writer.email)

    start_thread(writer, publication, body="A second thread")
    run_worker()

    assert tasks_of(ANNOUNCE).count() == 1
    assert len(smtp_sink.messages) == 3
    assert len(smtp_sink.connections) == 1  # one SMTP connection for the whole announcement


def test_the_mail_server_being_down_delays_the_announcement_without_losing_it(
    publication, writer, settings, run_worker, clock
):
    reader = subscribe(publication, "Patient")
    sink = RefusingSink(refused=set())  # not started yet: nothing listens on its port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 5},
        }
    }
    start_thread(writer, publication)
    run_worker()
    assert ChatReader.objects.get(person=reader).digest_through_id == 0  # the claim came back

    sink.controller.start()
    try:
        clock.shift(digests.RETRY_DELAY)
        run_worker()
    finally:
        sink.controller.stop()
    assert len(sink.to(reader.email)) == 1


def test_the_announcement_run_twice_emails_nobody_twice(publication, writer, smtp_sink, run_worker):
    reader = subscribe(publication, "Rae")
    start_thread(writer, publication)
    announce_first_thread.enqueue(publication.id)  # as if the task were enqueued again

    run_worker()

    assert tasks_of(ANNOUNCE).count() == 2
    assert len(smtp_sink.to(reader.email)) == 1
    assert ChatReader.objects.get(person=reader).digest_through_id > 0


def test_suppressed_banned_and_team_addresses_get_no_announcement(
    publication, writer, smtp_sink, run_worker
):
    kept = subscribe(publication, "Kept")
    bounced = subscribe(publication, "Bounced")
    everywhere = subscribe(publication, "Complained")
    banned = subscribe(publication, "Banned")
    admin = subscribe(publication, "Admin")
    Membership.objects.create(publication=publication, person=admin, role=Role.ADMIN)
    Suppression.objects.create(
        publication=publication, email=bounced.email, reason=SuppressionReason.HARD_BOUNCE
    )
    Suppression.objects.create(email=everywhere.email, reason=SuppressionReason.COMPLAINT)
    Ban.objects.create(publication=publication, person=banned)

    start_thread(writer, publication)
    run_worker()

    assert [m.envelope_to for m in smtp_sink.messages] == [[kept.email]]


def test_a_paid_only_first_thread_is_announced_without_quoting_it(
    publication, writer, smtp_sink, run_worker
):
    reader = subscribe(publication, "Free Reader")

    start_thread(writer, publication, body="Secret paid words", is_paid_only=True)
    run_worker()

    message = smtp_sink.last_to(reader.email)
    assert "Secret paid words" not in message.text
    assert "Secret paid words" not in message.html
    assert "started a chat" in message.text


def test_a_chat_for_paid_subscribers_announces_to_nobody_yet(
    publication, writer, smtp_sink, run_worker
):
    subscribe(publication, "Free Reader")
    ChatSettings.objects.create(publication=publication, readers="paid")

    start_thread(writer, publication)
    run_worker()

    assert smtp_sink.messages == []


def test_a_refused_address_is_tried_again_later_and_the_others_only_once(
    publication, writer, settings, run_worker, clock
):
    good = subscribe(publication, "Good")
    bad = subscribe(publication, "Bad")
    sink = RefusingSink(refused={bad.email})
    sink.controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": sink.port, "timeout": 10},
        }
    }
    try:
        start_thread(writer, publication)
        run_worker()
        assert ChatReader.objects.get(person=bad).digest_through_id == 0
        sink.refused.clear()
        clock.shift(digests.RETRY_DELAY)
        run_worker()
    finally:
        sink.controller.stop()

    assert tasks_of(ANNOUNCE).count() == 2
    assert len(sink.to(good.email)) == 1
    assert len(sink.to(bad.email)) == 1


# The digest ------------------------------------------------------------------------------------


def test_new_threads_are_digested_at_the_end_of_their_window(
    publication, writer, digest_reader, smtp_sink, run_worker, clock
):
    announce_to_nobody(publication)
    clock.shift(dt.timedelta(minutes=5))
    first = start_thread(writer, publication, body="Thread one")
    clock.shift(dt.timedelta(minutes=20))
    start_thread(writer, publication, body="Thread two")

    assert tasks_of(DIGEST).count() == 1  # one task for the window, not one per thread
    run_worker()
    assert smtp_sink.messages == []  # not due before the window ends

    clock.move_to(digests.window_end(START))
    run_worker()

    message = smtp_sink.last_to(digest_reader.email)
    assert message.subject == "2 new threads in the The Daily Build chat"
    assert message.text.index("Thread one") < message.text.index("Thread two")
    assert f"/chat/threads/{first.id}/" in message.text
    assert len(smtp_sink.messages) == 1


def test_nobody_gets_the_same_thread_twice(
    publication, writer, digest_reader, smtp_sink, run_worker, clock
):
    announce_to_nobody(publication)
    clock.shift(dt.timedelta(minutes=1))
    start_thread(writer, publication, body="Thread one")
    clock.move_to(digests.window_end(START))
    run_worker()
    send_chat_digest.enqueue(publication.id)
    run_worker()
    assert len(smtp_sink.to(digest_reader.email)) == 1

    clock.shift(dt.timedelta(minutes=1))
    start_thread(writer, publication, body="Thread two")
    clock.move_to(digests.window_end(START) + digests.DIGEST_WINDOW)
    run_worker()

    second = smtp_sink.last_to(digest_reader.email)
    assert len(smtp_sink.to(digest_reader.email)) == 2
    assert "Thread two" in second.text
    assert "Thread one" not in second.text


def test_the_digest_leaves_out_what_the_reader_saw_wrote_or_may_not_see(
    publication, writer, digest_reader, smtp_sink, run_worker, clock
):
    ChatSettings.objects.create(publication=publication, starters="subscribers", announced_at=START)
    clock.shift(dt.timedelta(minutes=1))
    start_thread(writer, publication, body="Seen in the room")
    services.note_visit(digest_reader, publication)
    clock.shift(dt.timedelta(minutes=1))
    start_thread(digest_reader, publication, body="My own thread")
    start_thread(writer, publication, body="Paid words", is_paid_only=True)
    hidden = start_thread(writer, publication, body="Hidden words")
    services.hide_message(writer, publication, message_id=hidden.id)
    start_thread(writer, publication, body="News for you")

    clock.move_to(digests.window_end(START))
    run_worker()

    message = smtp_sink.last_to(digest_reader.email)
    assert message.subject == "1 new thread in the The Daily Build chat"
    assert "News for you" in message.text
    for left_out in ("Seen in the room", "My own thread", "Paid words", "Hidden words"):
        assert left_out not in message.text
        assert left_out not in message.html


def test_the_announced_first_thread_is_not_digested_again(
    publication, writer, digest_reader, smtp_sink, run_worker, clock
):
    clock.shift(dt.timedelta(minutes=1))
    start_thread(writer, publication, body="The very first")
    run_worker()

    clock.move_to(digests.window_end(START))
    run_worker()

    assert len(smtp_sink.to(digest_reader.email)) == 1
    assert "started a chat" in smtp_sink.last_to(digest_reader.email).subject


def test_people_without_the_digest_or_who_left_get_none(
    publication, writer, digest_reader, smtp_sink, run_worker, clock
):
    announce_to_nobody(publication)
    other = subscribe(publication, "No Digest")
    services.note_visit(other, publication)
    clock.shift(dt.timedelta(minutes=1))
    Subscription.objects.filter(person=digest_reader).update(status=SubscriptionStatus.UNSUBSCRIBED)
    start_thread(writer, publication)

    clock.move_to(digests.window_end(START))
    run_worker()

    assert smtp_sink.messages == []


def test_no_digest_is_scheduled_when_nobody_has_it_on(publication, writer, clock):
    subscribe(publication, "No Digest")

    start_thread(writer, publication)
    start_thread(writer, publication)

    assert not tasks_of(DIGEST).exists()


def announce_to_nobody(publication):
    """Mark the chat announced, so a test's first thread is only a digest's business."""
    ChatSettings.objects.update_or_create(publication=publication, defaults={"announced_at": START})


def test_a_long_digest_lists_the_newest_threads_and_counts_the_rest(
    publication, writer, digest_reader, smtp_sink, run_worker, clock, monkeypatch
):
    monkeypatch.setattr(digests, "MAX_THREADS", 2)
    announce_to_nobody(publication)
    clock.shift(dt.timedelta(minutes=1))
    for number in range(1, 4):
        start_thread(writer, publication, body=f"Thread number {number}")

    clock.move_to(digests.window_end(START))
    run_worker()

    message = smtp_sink.last_to(digest_reader.email)
    assert message.subject == "3 new threads in the The Daily Build chat"
    assert "Thread number 1" not in message.text
    assert message.text.index("Thread number 2") < message.text.index("Thread number 3")
    assert "And 1 more." in message.text
