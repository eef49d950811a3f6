"""Reads of notes: a publication's notes, a person's, the home feed, a thread; fixed queries.

Feeds are gathered per source and merged: each source (a person, or a publication's own
notes) gives its newest notes before the cursor through its index, (author|publication,
-created_at, -id), and one statement unions those small slices and keeps the newest. No feed
reads every note on the install, however many notes or subscriptions there are.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.http import Http404

from masthead.accounts.models import Person
from masthead.core.cursors import MomentCursor
from masthead.notes.models import Follow, Note, NoteLike
from masthead.posts.models import PostStatus
from masthead.publications.models import Membership, Publication
from masthead.subscriptions.models import Subscription, SubscriptionStatus

PAGE_SIZE = 20
# SQLite refuses compound SELECTs of more than 500 terms; nest the union in groups below that.
UNION_GROUP = 200
_SENTINEL = -7_777_777  # stands for the source id while a per-source query is compiled once


@dataclass
class NoteCard:
    note: Note
    is_liked: bool = False
    is_own: bool = False
    replies: list["NoteCard"] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.note.id


@dataclass
class NotePage:
    cards: list[NoteCard]
    next_cursor: str | None


def _visible_top_level() -> Q:
    return Q(parent__isnull=True, is_deleted=False)


def _source_sql(column: str, cursor: MomentCursor | None, limit: int) -> tuple[str, list]:
    """SQL and params of one source's newest notes, with _SENTINEL where the source id goes."""
    notes = Note.objects.filter(_visible_top_level(), **{column: _SENTINEL})
    if cursor is not None:
        notes = notes.filter(cursor.older("created_at"))
    sliced = notes.order_by("-created_at", "-id").values("id", "created_at")[:limit]
    sql, params = sliced.query.sql_with_params()
    return sql, list(params)


def _union(
    author_ids, publication_ids, cursor: MomentCursor | None, limit: int
) -> tuple[str, list]:
    """One SELECT of every source's newest `limit` notes, as (id, created_at) rows."""
    parts: list[tuple[str, list]] = []
    for column, ids in (("author_id", author_ids), ("publication_id", publication_ids)):
        if not ids:
            continue
        sql, params = _source_sql(column, cursor, limit)
        position = params.index(_SENTINEL)
        for source_id in sorted(set(ids)):
            bound = list(params)
            bound[position] = source_id
            parts.append((sql, bound))
    groups = []
    for start in range(0, len(parts), UNION_GROUP):
        chunk = parts[start : start + UNION_GROUP]
        sql = " UNION ALL ".join(
            f"SELECT * FROM ({sql}) AS s{start + index}" for index, (sql, _) in enumerate(chunk)
        )
        groups.append((sql, [param for _, params in chunk for param in params]))
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS g{index}" for index, (sql, _) in enumerate(groups)
    )
    return union, [param for _, group_params in groups for param in group_params]


def _newest_note_ids(
    author_ids, publication_ids, cursor: MomentCursor | None, limit: int
) -> list[int]:
    """The ids of the newest `limit` notes over all sources, in one statement.

    Each source's newest `limit` notes suffice: a note among the newest `limit` overall is
    among the newest `limit` of every source it belongs to.
    """
    if not author_ids and not publication_ids:
        return []
    union, params = _union(author_ids, publication_ids, cursor, limit)
    # A note can come from two sources (its author and its publication): DISTINCT.
    statement = (
        f"SELECT DISTINCT id, created_at FROM ({union}) AS merged "  # noqa: S608 - our own compiled SQL
        f"ORDER BY created_at DESC, id DESC LIMIT {int(limit)}"
    )
    with connection.cursor() as db:
        db.execute(statement, params)
        return [row[0] for row in db.fetchall()]


def _load_cards(note_ids: list[int], viewer) -> list[NoteCard]:
    """The notes with everything their cards show, in the order of `note_ids`."""
    if not note_ids:
        return []
    rows = Note.objects.filter(id__in=note_ids).select_related(
        "author",
        "publication",
        "linked_post__publication",
        "restack_of_post__publication",
        "restack_of_note__author",
        "restack_of_note__linked_post__publication",
    )
    by_id = {note.id: note for note in rows}
    liked = _liked_ids(viewer, note_ids)
    own_id = viewer.pk if viewer.is_authenticated else None
    return [
        NoteCard(by_id[note_id], note_id in liked, by_id[note_id].author_id == own_id)
        for note_id in note_ids
        if note_id in by_id
    ]


def _liked_ids(viewer, note_ids) -> set[int]:
    if not viewer.is_authenticated or not note_ids:
        return set()
    return set(
        NoteLike.objects.filter(person=viewer, note_id__in=note_ids).values_list(
            "note_id", flat=True
        )
    )


def _page(author_ids, publication_ids, cursor: MomentCursor | None, viewer) -> NotePage:
    ids = _newest_note_ids(author_ids, publication_ids, cursor, PAGE_SIZE + 1)
    cards = _load_cards(ids[:PAGE_SIZE], viewer)
    next_cursor = None
    if len(ids) > PAGE_SIZE and cards:
        last = cards[-1].note
        next_cursor = MomentCursor(last.created_at, last.id).encode()
    return NotePage(cards, next_cursor)


def writer_ids(publication_ids) -> list[int]:
    return list(
        Membership.objects.filter(publication_id__in=publication_ids)
        .values_list("person_id", flat=True)
        .distinct()
    )


def publication_notes_page(publication: Publication, viewer, cursor=None) -> NotePage:
    """Notes of the publication's writers and those posted as the publication."""
    return _page(writer_ids([publication.id]), [publication.id], cursor, viewer)


def person_notes_page(person, viewer, cursor=None) -> NotePage:
    return _page([person.pk], [], cursor, viewer)


def feed_page(viewer, cursor=None) -> NotePage:
    """The reader's own notes, those of people they follow and of publications they read."""
    publication_ids = list(
        Subscription.objects.filter(person=viewer, status=SubscriptionStatus.ACTIVE).values_list(
            "publication_id", flat=True
        )
    )
    author_ids = {viewer.pk}
    author_ids.update(Follow.objects.filter(follower=viewer).values_list("followed_id", flat=True))
    if publication_ids:
        author_ids.update(writer_ids(publication_ids))
    return _page(author_ids, publication_ids, cursor, viewer)


def note_thread(note_id: int, viewer) -> NoteCard:
    """A note and its replies, oldest reply first; a reply's address shows its parent."""
    note = Note.objects.filter(id=note_id).only("id", "parent_id").first()
    if note is None:
        raise Http404("No such note.")
    root_id = note.parent_id or note.id
    root = _load_cards([root_id], viewer)[0]
    replies = list(
        Note.objects.filter(parent_id=root_id).select_related("author").order_by("created_at", "id")
    )
    liked = _liked_ids(viewer, [reply.id for reply in replies])
    own_id = viewer.pk if viewer.is_authenticated else None
    root.replies = [
        NoteCard(reply, reply.id in liked, reply.author_id == own_id) for reply in replies
    ]
    return root


def get_note(note_id: int) -> Note:
    note = Note.objects.select_related("author", "publication").filter(id=note_id).first()
    if note is None:
        raise Http404("No such note.")
    return note


def get_note_for_author(person, note_id: int) -> Note:
    """The person's own note; others' notes are 404s, so nobody learns what they cannot edit."""
    note = get_note(note_id)
    if not person.is_authenticated or note.author_id != person.pk:
        raise Http404("No such note of yours.")
    return note


def get_person(person_id: int) -> Person:
    person = Person.objects.filter(id=person_id, is_active=True).first()
    if person is None:
        raise Http404("No such person.")
    return person


def is_following(viewer, person) -> bool:
    if not viewer.is_authenticated:
        return False
    return Follow.objects.filter(follower=viewer, followed=person).exists()


def recent_posts(publication: Publication, count: int = 3):
    """Posts a signed-in reader may restack from the Notes page."""
    return list(
        publication.posts.filter(status=PostStatus.PUBLISHED)
        .only("id", "title", "slug", "publication_id", "published_at")
        .order_by("-published_at", "-id")[:count]
    )
