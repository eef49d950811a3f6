"""The demo publication's chat: a few threads with replies and reactions, loaded idempotently and
without emailing the demo subscribers."""

import pytest
from django_tasks_db.models import DBTaskResult

from masthead.chat.models import ChatEvent, ChatMessage, ChatReaction, ChatSettings
from masthead.demo import content
from masthead.demo.services import load_demo_publication


@pytest.mark.django_db
def test_the_demo_chat_has_a_welcome_a_question_with_replies_and_a_closed_thread():
    publication = load_demo_publication()

    threads = list(
        ChatMessage.objects.filter(publication=publication, thread__isnull=True).order_by("id")
    )

    assert len(threads) == 3
    welcome, question, closed = threads
    assert welcome.author.email == content.AUTHOR["email"]
    assert welcome.body.startswith("Welcome to the chat")
    assert question.reply_count == question.replies.count() >= 3
    assert {reply.author.email for reply in question.replies.all()} > {content.AUTHOR["email"]}
    assert closed.are_replies_closed and closed.reply_count == 0
    assert ChatReaction.objects.filter(message=welcome).count() >= 2
    assert welcome.created_at < question.created_at < closed.created_at
    assert question.last_activity_at == max(r.created_at for r in question.replies.all())


@pytest.mark.django_db
def test_loading_the_demo_chat_twice_duplicates_nothing():
    load_demo_publication()
    tables = (ChatMessage, ChatReaction, ChatEvent, ChatSettings)
    counts = [table.objects.count() for table in tables]
    dates = list(ChatMessage.objects.order_by("id").values_list("created_at", flat=True))

    load_demo_publication()

    assert [table.objects.count() for table in tables] == counts
    assert list(ChatMessage.objects.order_by("id").values_list("created_at", flat=True)) == dates


@pytest.mark.django_db(transaction=True)
def test_loading_the_demo_emails_no_subscriber_about_the_chat(smtp_sink, run_worker):
    publication = load_demo_publication()

    run_worker()

    assert ChatSettings.objects.get(publication=publication).announced_at is not None
    assert not DBTaskResult.objects.filter(task_path__startswith="masthead.chat.").exists()
    assert not [m for m in smtp_sink.messages if "chat" in m.subject.lower()]
