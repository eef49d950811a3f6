"""The demo publication's chat: the writer's welcome, a question with readers' replies and
reactions, and a notice with replies turned off. Safe to run again: every message has a fixed
client id, so posting it again finds the stored one.

Called by `load_demo_publication()` once the author and the readers exist. The chat is marked
announced before the first post, so loading the demo emails no demo subscriber.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from masthead.accounts.models import Person
from masthead.chat import services
from masthead.chat.models import ChatMessage, ChatReaction, ChatSettings, Reaction
from masthead.demo import content

WRITER = content.AUTHOR["email"]
# (client id, author email, body, hours after the start, fields)
THREADS = [
    ("demo-chat-welcome", WRITER, "Welcome to the chat! This is where we talk between posts: "
     "questions, half-finished ideas, links worth reading. Say hello below.", 0, {}),
    ("demo-chat-question", WRITER, "Question for everyone: what is the worst outage you lived "
     "through, and what did it teach you? The best stories may end up in a post.", 26, {}),
    ("demo-chat-schedule", WRITER, "Schedule note: the consistent hashing deep dive goes out "
     "next Tuesday. Replies are off here; questions are welcome in the thread above.", 50,
     {"are_replies_closed": True}),
]  # fmt: skip
# (client id, author email, thread client id, body, hours after the start)
REPLIES = [
    ("demo-chat-reply-01", "reader01@demo.example.com", "demo-chat-welcome",
     "Hello from Bangalore! Glad this exists.", 1),
    ("demo-chat-reply-02", "reader02@demo.example.com", "demo-chat-welcome",
     "Hi all. Long-time reader, first time chatting.", 3),
    ("demo-chat-reply-03", "reader03@demo.example.com", "demo-chat-question",
     "A DNS change with a one-week TTL. We waited it out. I now read every TTL twice.", 27),
    ("demo-chat-reply-04", "reader04@demo.example.com", "demo-chat-question",
     "Our queue filled the disk, the disk filled the logs, the logs filled the other disk.", 28),
    ("demo-chat-reply-05", WRITER, "demo-chat-question",
     "Dana, that one deserves a diagram. Did you add disk alerts per volume after?", 29),
    ("demo-chat-reply-06", "reader04@demo.example.com", "demo-chat-question",
     "Per volume, and on the rate of growth, not only the level.", 30),
]  # fmt: skip
# (message client id, reader email, reaction)
REACTIONS = [
    ("demo-chat-welcome", "reader01@demo.example.com", Reaction.HEART),
    ("demo-chat-welcome", "reader05@demo.example.com", Reaction.HEART),
    ("demo-chat-welcome", "reader06@demo.example.com", Reaction.CLAP),
    ("demo-chat-question", "reader07@demo.example.com", Reaction.THUMBS_UP),
    ("demo-chat-reply-04", "reader01@demo.example.com", Reaction.LAUGH),
    ("demo-chat-reply-04", "reader02@demo.example.com", Reaction.LAUGH),
    ("demo-chat-reply-03", "reader05@demo.example.com", Reaction.WOW),
]
DAYS_AGO = 3  # the welcome thread's age when the demo is first loaded


@transaction.atomic
def load_demo_chat(publication) -> list[ChatMessage]:
    """Post the demo threads, replies and reactions that are missing; returns the threads."""
    people = {
        person.email: person
        for person in Person.objects.filter(email__endswith="@demo.example.com")
    }
    ChatSettings.objects.get_or_create(publication=publication)
    ChatSettings.objects.filter(publication=publication, announced_at__isnull=True).update(
        announced_at=timezone.now()
    )
    start = timezone.now() - dt.timedelta(days=DAYS_AGO)
    messages: dict[str, ChatMessage] = {}
    new: list[tuple[ChatMessage, int]] = []
    for client_id, email, body, hours, fields in THREADS:
        message, created = services.post_thread(
            people[email],
            publication,
            client_id=client_id,
            body=body,
            **fields,
        )
        messages[client_id] = message
        if created:
            new.append((message, hours))
    for client_id, email, thread_client_id, body, hours in REPLIES:
        message, created = services.post_reply(
            people[email],
            publication,
            thread_id=messages[thread_client_id].id,
            client_id=client_id,
            body=body,
        )
        messages[client_id] = message
        if created:
            new.append((message, hours))
    for client_id, email, reaction in REACTIONS:
        message = messages[client_id]
        if not ChatReaction.objects.filter(
            message=message, person=people[email], reaction=reaction
        ).exists():
            services.toggle_reaction(
                people[email], publication, message_id=message.id, reaction=reaction
            )
    _spread_out(new, start)
    return [messages[client_id] for client_id, *_ in THREADS]


def _spread_out(new: list[tuple[ChatMessage, int]], start) -> None:
    """Date the messages just posted over the last few days, so the chat has a history."""
    for message, hours in new:
        at = start + dt.timedelta(hours=hours)
        ChatMessage.objects.filter(id=message.id).update(created_at=at, last_activity_at=at)
    for thread_id in {m.thread_id for m, _ in new if m.thread_id is not None}:
        newest = ChatMessage.objects.filter(thread_id=thread_id).aggregate(at=Max("created_at"))
        ChatMessage.objects.filter(id=thread_id).update(last_activity_at=newest["at"])
