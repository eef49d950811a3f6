"""Who may post, reply to, like and restack notes; reuses engagement's bans.

A person banned from a publication may not post as it, link or restack its posts, nor reply
to, like or restack the notes of its writers. Each rule answers with the reason, or None.
"""

from django.db.models import Q

from masthead.engagement.models import Ban
from masthead.engagement.rules import SIGN_IN_FIRST, EngagementRefused, is_banned, role_of
from masthead.posts.models import Post, PostStatus

BANNED = "The publication has stopped you from taking part in its notes."
DELETED = "This note was deleted."
NOT_STAFF = "Only the publication's staff can post notes as the publication."
NOT_YOURS = "You can only change your own notes."
POST_GONE = "This post is no longer available."

__all__ = ["EngagementRefused", "NoteRefused"]


class NoteRefused(EngagementRefused):
    """The person may not do this with notes; the message is safe to show to them."""


def note_publication_filter(note) -> Q:
    """Ban rows of the publications a note belongs to: its own and its author's."""
    query = Q(publication__memberships__person_id=note.author_id)
    if note.publication_id:
        query |= Q(publication_id=note.publication_id)
    return query


def is_banned_for_note(person, note) -> bool:
    return Ban.objects.filter(note_publication_filter(note), person=person).exists()


def posting_refusal(person, publication=None) -> str | None:
    if not person.is_authenticated:
        return SIGN_IN_FIRST
    if publication is not None:
        if is_banned(person, publication.id):
            return BANNED
        if role_of(person, publication.id) is None:
            return NOT_STAFF
    return None


def post_refusal(person, post: Post) -> str | None:
    """Linking or restacking a post, also the post a bare restack shares (as it is now)."""
    if not person.is_authenticated:
        return SIGN_IN_FIRST
    if is_banned(person, post.publication_id):
        return BANNED
    if post.status != PostStatus.PUBLISHED:
        return POST_GONE
    return None


def interaction_refusal(person, note) -> str | None:
    """Replying to, liking or restacking a note."""
    if not person.is_authenticated:
        return SIGN_IN_FIRST
    if note.is_deleted:
        return DELETED
    if note.author_id != person.pk and is_banned_for_note(person, note):
        return BANNED
    return None


def check(refusal: str | None) -> None:
    if refusal:
        raise NoteRefused(refusal)
