"""Demo notes for the demo publication: a few by its author and readers; safe to run again.

Call after `load_demo_publication()`, which creates the author and the readers.
"""

import datetime as dt

from django.db import transaction

from masthead.accounts.models import Person
from masthead.core.rendering import render_reader_markdown
from masthead.demo import content
from masthead.notes.models import Note, NoteLike
from masthead.notes.services import recount_note
from masthead.posts.models import Post, PostStatus

# (author email or None for the demo author, as the publication?, body, minutes after the start)
NOTES = [
    (None, True, "New post is out: how a single cache bug took Facebook down in 2010. "
     "The fix was one line; finding it took hours.", 0),
    (None, False, "Reading old postmortems is the cheapest way to learn **distributed systems**. "
     "Which one taught you the most?", 90),
    ("reader01@demo.example.com", False, "The *Library vs Service* piece settled a week-long "
     "argument on my team.", 150),
    ("reader02@demo.example.com", False, "Caches are easy; invalidation is the whole job.", 210),
    (None, False, "Next up: a deep dive into consistent hashing. Questions welcome.", 300),
]  # fmt: skip
REPLY = ("reader03@demo.example.com", "Kafka's log compaction bit us once. Would love a write-up!")
RESTACK = ("reader04@demo.example.com", "Worth reading twice.")
LIKERS = ["reader05@demo.example.com", "reader06@demo.example.com", "reader07@demo.example.com"]


def _ensure_note(author, body: str, at, **fields) -> Note:
    note = Note.objects.filter(author=author, body_markdown=body, **fields).first()
    if note is None:
        note = Note.objects.create(
            author=author, body_markdown=body, body_html=render_reader_markdown(body), created_at=at,
            **fields,
        )  # fmt: skip
    return note


@transaction.atomic
def load_demo_notes(publication) -> list[Note]:
    """Create the demo notes (missing ones only) and return the top-level ones."""
    author = Person.objects.get(email=content.AUTHOR["email"])
    newest_post = (
        Post.objects.filter(publication=publication, status=PostStatus.PUBLISHED)
        .order_by("-published_at", "-id")
        .first()
    )
    start = newest_post.published_at if newest_post else publication.created_at
    people = {
        person.email: person
        for person in Person.objects.filter(email__endswith="@demo.example.com")
    }
    notes = []
    for email, as_publication, body, minutes in NOTES:
        writer = people.get(email, author) if email else author
        notes.append(
            _ensure_note(
                writer,
                body,
                start + dt.timedelta(minutes=minutes),
                publication=publication if as_publication else None,
                linked_post=newest_post if as_publication else None,
            )
        )
    question = notes[1]
    if REPLY[0] in people:
        _ensure_note(
            people[REPLY[0]],
            REPLY[1],
            question.created_at + dt.timedelta(minutes=5),
            parent=question,
        )
    if RESTACK[0] in people and newest_post is not None:
        notes.append(
            _ensure_note(
                people[RESTACK[0]],
                RESTACK[1],
                start + dt.timedelta(minutes=20),
                restack_of_post=newest_post,
            )
        )
    NoteLike.objects.bulk_create(
        [NoteLike(note=question, person=people[email]) for email in LIKERS if email in people],
        ignore_conflicts=True,
    )
    for note in notes:
        recount_note(note.id)
    return notes
