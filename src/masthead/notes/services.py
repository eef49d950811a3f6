"""Posting, replying to, restacking, liking and deleting notes; following people.

Every write checks its rules here (rules.py), whatever view, command or loader calls it.
"""

import datetime as dt
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from masthead.core.db import create_once
from masthead.core.images import ImageRejected, process_image
from masthead.core.ratelimit import check_rate
from masthead.core.rendering import render_reader_markdown
from masthead.notes import rules
from masthead.notes.models import Follow, Note, NoteLike
from masthead.pagecache import invalidation
from masthead.posts.models import Post, PostStatus

MAX_NOTE_LENGTH = 2_000
NOTE_RATE = (20, 10 * 60)  # per person: 20 notes (replies and restacks too) in 10 minutes
NOTE_IMAGE_WIDTH = 1200
MAX_SCHEDULE_AHEAD = dt.timedelta(days=366)
SCHEDULE_AS_PUBLICATION = "Scheduled notes go out as the publication: tick “Post as” too."
SCHEDULE_TOP_LEVEL_ONLY = "Only new notes can be scheduled, not replies or restacks."


class NoteInvalid(ValueError):
    """The note cannot be saved as written; the message is safe to show."""


def clean_body(body_markdown: str, *, is_required: bool) -> str:
    body = (body_markdown or "").strip()
    if not body and is_required:
        raise NoteInvalid("Write something first.")
    if len(body) > MAX_NOTE_LENGTH:
        raise NoteInvalid(
            f"A note can be at most {MAX_NOTE_LENGTH:,} characters; this one has {len(body):,}."
        )
    return body


def store_note_image(person_id: int, upload) -> str:
    """Check, re-encode and store an uploaded image; returns its storage name."""
    try:
        image = process_image(upload, max_width=NOTE_IMAGE_WIDTH)
    except ImageRejected as error:
        raise NoteInvalid(str(error)) from None
    return default_storage.save(
        f"notes/{person_id}/{secrets.token_hex(16)}.{image.extension}",
        ContentFile(image.content),
    )


def _check_public_post(post: Post | None) -> None:
    if post is not None and post.status != PostStatus.PUBLISHED:
        raise NoteInvalid("Only published posts can be linked or restacked.")


def recount_note(note_id: int) -> None:
    """Set a note's counters from its rows; call inside the transaction that changed them."""
    Note.objects.filter(id=note_id).update(
        like_count=NoteLike.objects.filter(note_id=note_id).count(),
        reply_count=Note.objects.filter(parent_id=note_id, is_deleted=False).count(),
        restack_count=Note.objects.filter(restack_of_note_id=note_id, is_deleted=False).count(),
    )
    invalidation.note_changed(note_id)


def check_note_schedule(scheduled_for: dt.datetime, *, publication, is_top_level: bool) -> None:
    """A note may wait for its moment only as its publication's own top-level note."""
    if publication is None:
        raise NoteInvalid(SCHEDULE_AS_PUBLICATION)
    if not is_top_level:
        raise NoteInvalid(SCHEDULE_TOP_LEVEL_ONLY)
    now = timezone.now()
    if scheduled_for <= now:
        moment = timezone.localtime(scheduled_for).strftime("%Y-%m-%d %H:%M")
        raise NoteInvalid(f"{moment} has already passed. Pick a time in the future.")
    if scheduled_for > now + MAX_SCHEDULE_AHEAD:
        raise NoteInvalid("Notes can be scheduled at most a year ahead.")


def _is_bare_restack(note: Note | None) -> bool:
    return note is not None and note.is_restack and not note.body_markdown and not note.is_deleted


def post_note(
    person,
    body_markdown: str = "",
    *,
    publication=None,
    image=None,
    linked_post: Post | None = None,
    parent: Note | None = None,
    restack_of_note: Note | None = None,
    restack_of_post: Post | None = None,
    at=None,
    scheduled_for: dt.datetime | None = None,
) -> Note:
    """Post a note, a reply (`parent`) or a restack (`restack_of_*`, the body is optional).

    `publication` posts as the publication's staff; only its members may. `scheduled_for`
    keeps the publication's note hidden until then; the task that publishes it is written in
    the same transaction, so the note and its task are saved together or not at all.
    """
    rules.check(rules.posting_refusal(person, publication))
    if scheduled_for is not None:
        scheduled_for = scheduled_for.replace(microsecond=0)
        is_top_level = parent is None and restack_of_note is None and restack_of_post is None
        check_note_schedule(scheduled_for, publication=publication, is_top_level=is_top_level)
    for post in (linked_post, restack_of_post):
        if post is not None:
            rules.check(rules.post_refusal(person, post))
            _check_public_post(post)
    if parent is not None:
        if parent.parent_id:
            parent = Note.objects.select_related("author").get(id=parent.parent_id)
        rules.check(rules.interaction_refusal(person, parent))
    if _is_bare_restack(restack_of_note):
        # A bare restack only shares something else: restack that original instead.
        original = restack_of_note
        if original.restack_of_note_id:
            restack_of_note = original.restack_of_note
        elif original.restack_of_post_id:
            restack_of_note, restack_of_post = None, original.restack_of_post
            rules.check(rules.post_refusal(person, restack_of_post))
    if restack_of_note is not None:
        rules.check(rules.interaction_refusal(person, restack_of_note))
    is_restack = restack_of_note is not None or restack_of_post is not None
    body = clean_body(body_markdown, is_required=not (is_restack or image))
    check_rate("note", str(person.pk), NOTE_RATE)
    image_name = store_note_image(person.pk, image) if image else ""
    with transaction.atomic():
        note = Note.objects.create(
            author=person,
            publication=publication,
            body_markdown=body,
            body_html=render_reader_markdown(body),
            image=image_name,
            linked_post=linked_post,
            parent=parent,
            restack_of_note=restack_of_note,
            restack_of_post=restack_of_post,
            created_at=scheduled_for or at or timezone.now(),
            scheduled_for=scheduled_for,
        )
        for counted in (parent, restack_of_note):
            if counted is not None:
                recount_note(counted.id)
        if scheduled_for is not None:
            from masthead.notes.tasks import publish_scheduled_note

            publish_scheduled_note.using(run_after=scheduled_for).enqueue(
                note.id, scheduled_for.isoformat()
            )
    return note


def publish_note_if_still_scheduled(note_id: int, scheduled_for: dt.datetime) -> bool:
    """Publish a scheduled note whose moment has come, unless it was deleted or changed since.

    One conditional UPDATE: two workers (or the task and the catch-up) publish it once. It
    takes its place in the feeds at the moment it is published.
    """
    now = timezone.now()
    with transaction.atomic():
        published = Note.objects.filter(
            id=note_id, scheduled_for=scheduled_for, scheduled_for__lte=now, is_deleted=False
        ).update(scheduled_for=None, created_at=now)
        if published == 1:
            invalidation.note_changed(note_id)
    return published == 1


def publish_due_notes() -> int:
    """Publish every scheduled note whose moment has passed (a lost or late task's catch-up);
    the worker's recovery round calls it. Returns how many were published."""
    due = list(
        Note.objects.filter(
            scheduled_for__isnull=False, scheduled_for__lte=timezone.now(), is_deleted=False
        ).values_list("id", "scheduled_for")
    )
    return sum(publish_note_if_still_scheduled(note_id, moment) for note_id, moment in due)


def edit_note(note: Note, person, body_markdown: str) -> Note:
    if not person.is_authenticated or note.author_id != person.pk:
        raise rules.NoteRefused(rules.NOT_YOURS)
    if note.is_deleted:
        raise rules.NoteRefused(rules.DELETED)
    if note.publication_id:
        rules.check(rules.posting_refusal(person, note.publication))
    body = clean_body(body_markdown, is_required=not (note.is_restack or note.image))
    note.body_markdown = body
    note.body_html = render_reader_markdown(body)
    note.edited_at = timezone.now()
    note.save(update_fields=["body_markdown", "body_html", "edited_at"])
    return note


@transaction.atomic
def delete_note(note: Note, person) -> None:
    """Delete one's own note; it keeps its place (for its replies), emptied and marked."""
    if not person.is_authenticated or note.author_id != person.pk:
        raise rules.NoteRefused(rules.NOT_YOURS)
    image_name = note.image.name if note.image else ""
    Note.objects.filter(id=note.id).update(
        is_deleted=True, body_markdown="", body_html="", image="", linked_post=None
    )
    invalidation.note_changed(note.id)
    note.is_deleted = True
    for counted_id in (note.parent_id, note.restack_of_note_id):
        if counted_id:
            recount_note(counted_id)
    if image_name:
        transaction.on_commit(lambda: default_storage.delete(image_name))


@transaction.atomic
def like_note(note: Note, person) -> bool:
    """Like a note once; returns True when a new like was made."""
    rules.check(rules.interaction_refusal(person, note))
    created = create_once(NoteLike, note=note, person=person)
    if created:
        recount_note(note.id)
    return created


@transaction.atomic
def unlike_note(note: Note, person) -> bool:
    if not person.is_authenticated:
        raise rules.NoteRefused(rules.SIGN_IN_FIRST)
    deleted, _ = NoteLike.objects.filter(note=note, person=person).delete()
    if deleted:
        recount_note(note.id)
    return bool(deleted)


def follow(person, followed) -> bool:
    if not person.is_authenticated:
        raise rules.NoteRefused(rules.SIGN_IN_FIRST)
    if person.pk == followed.pk:
        raise rules.NoteRefused("You cannot follow yourself.")
    return create_once(Follow, follower=person, followed=followed)


def unfollow(person, followed) -> bool:
    if not person.is_authenticated:
        raise rules.NoteRefused(rules.SIGN_IN_FIRST)
    deleted, _ = Follow.objects.filter(follower=person, followed=followed).delete()
    return bool(deleted)
