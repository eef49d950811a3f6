"""Reads of notes: a publication's notes, a person's, the home feed, a thread; fixed queries.

Feeds are gathered per source and merged: each source (a person, or a publication's own
notes) gives its newest notes before the cursor through its index, (author|publication,
-created_at, -id), and one statement unions those small slices and keeps the newest. No feed
reads every note on the install, however many notes or subscriptions there are.

A note shows a post only as a PostCard: what the public may see of it now (title, subtitle,
publication, address), or that it is gone. Templates never get the Post row, so a draft's new
title or a paid post's body cannot slip into a card.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from masthead.accounts.models import Person
from masthead.core.cursors import MomentCursor
from masthead.notes.models import Follow, Note, NoteLike
from masthead.notes.rules import POST_GONE
from masthead.posts.models import Post, PostStatus
from masthead.posts.queries import listed
from masthead.publications.links import publication_roots, site_path
from masthead.publications.models import Membership, Publication
from masthead.subscriptions.models import Subscription, SubscriptionStatus

PAGE_SIZE = 20
# SQLite refuses compound SELECTs of more than 500 terms; nest the union in groups below that.
UNION_GROUP = 200
_SENTINEL = -7_777_777  # stands for the source id while a per-source query is compiled once

# Deleting a post or an account empties the restack's link (SET_NULL): what it shared is unknown.
RESTACK_GONE = "The restacked post or note is no longer available."

# From a note to the posts its card shows: its own, and those of the note it quotes.
POST_PATHS = (
    "linked_post",
    "restack_of_post",
    "restack_of_note__linked_post",
    "restack_of_note__restack_of_post",
)
POST_CARD_FIELDS = {"id", "publication", "title", "subtitle", "slug", "status"}
PUBLICATION_CARD_FIELDS = {"id", "name", "slug"}


@dataclass(frozen=True)
class PostCard:
    """What a note shows of a post; `gone_message` is set when nothing of it may be shown."""

    title: str = ""
    subtitle: str = ""
    publication_name: str = ""
    url: str = ""
    gone_message: str = ""

    @property
    def is_available(self) -> bool:
        return not self.gone_message


@dataclass
class NoteCard:
    note: Note
    is_liked: bool = False
    is_own: bool = False
    replies: list["NoteCard"] = field(default_factory=list)
    post_cards: list[PostCard] = field(default_factory=list)
    # The cards of the note this one restacks (shown inside its quote).
    quoted_post_cards: list[PostCard] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.note.id

    @property
    def is_bare_restack(self) -> bool:
        return not self.note.body_markdown and (
            self.note.is_restack or _has_lost_its_target(self.note)
        )


@dataclass
class NotePage:
    cards: list[NoteCard]
    next_cursor: str | None


# A scheduled note is the publication's secret until its moment: no feed, page, count or card
# shows it. Every read of notes for readers starts from this.
PUBLISHED = Q(scheduled_for__isnull=True)


def visible_notes():
    """Notes anyone may be shown: not waiting for their scheduled moment."""
    return Note.objects.filter(PUBLISHED)


def _visible_top_level() -> Q:
    return Q(parent__isnull=True, is_deleted=False) & PUBLISHED


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


def _unshown_fields() -> list[str]:
    post_fields = [f.name for f in Post._meta.concrete_fields if f.name not in POST_CARD_FIELDS]
    publication_fields = [
        f.name for f in Publication._meta.concrete_fields if f.name not in PUBLICATION_CARD_FIELDS
    ]
    publication_paths = ["publication", *(f"{path}__publication" for path in POST_PATHS)]
    return [f"{path}__{name}" for path in POST_PATHS for name in post_fields] + [
        f"{path}__{name}" for path in publication_paths for name in publication_fields
    ]


def _card_rows():
    """Notes with everything their cards show, in one query; of posts and publications, only
    what a card needs (a draft's body never leaves the database for a card)."""
    return Note.objects.select_related(
        "author",
        "publication",
        "restack_of_note__author",
        *(f"{path}__publication" for path in POST_PATHS),
    ).defer(*_unshown_fields())


def _has_lost_its_target(note: Note) -> bool:
    """An empty note: only a restack may be empty, so what it restacked was deleted."""
    return not (
        note.is_deleted
        or note.body_markdown
        or note.image
        or note.is_restack
        or note.linked_post_id
        or note.parent_id
    )


def _shown_posts(note: Note | None) -> list[Post]:
    if note is None or note.is_deleted:
        return []
    return [post for post in (note.linked_post, note.restack_of_post) if post is not None]


def _is_elsewhere(post: Post, here: Publication | None) -> bool:
    """A published post of another publication than the page's: its card needs the root."""
    is_here = here is not None and post.publication_id == here.id
    return post.status == PostStatus.PUBLISHED and not is_here


def _post_card(post: Post, roots: dict[int, str], here: Publication | None) -> PostCard:
    """`here` is the publication the page is for: its posts get paths under its mount."""
    if post.status != PostStatus.PUBLISHED:
        return PostCard(gone_message=POST_GONE)
    if _is_elsewhere(post, here):
        url = roots[post.publication_id] + site_path("posts:detail", post.slug)
    else:
        url = reverse("posts:detail", args=[post.slug])
    return PostCard(post.title, post.subtitle, post.publication.name, url)


def _post_cards(note: Note | None, roots, here) -> list[PostCard]:
    cards = [_post_card(post, roots, here) for post in _shown_posts(note)]
    if note is not None and _has_lost_its_target(note):
        cards.append(PostCard(gone_message=RESTACK_GONE))
    return cards


def _attach_post_cards(cards: list[NoteCard], here: Publication | None) -> None:
    """Give each card its post cards, with one query for all other publications' addresses."""
    foreign_ids = {
        post.publication_id
        for card in cards
        for shown in (card.note, card.note.restack_of_note)
        for post in _shown_posts(shown)
        if _is_elsewhere(post, here)
    }
    roots = publication_roots(foreign_ids)
    for card in cards:
        card.post_cards = _post_cards(card.note, roots, here)
        card.quoted_post_cards = _post_cards(card.note.restack_of_note, roots, here)


def post_card(post: Post, here: Publication | None) -> PostCard:
    """The card of one post, as a note would show it on `here`'s pages."""
    roots = publication_roots([post.publication_id]) if _is_elsewhere(post, here) else {}
    return _post_card(post, roots, here)


def _load_cards(note_ids: list[int], viewer, here: Publication | None = None) -> list[NoteCard]:
    """The notes with everything their cards show, in the order of `note_ids`."""
    if not note_ids:
        return []
    by_id = {note.id: note for note in _card_rows().filter(id__in=note_ids)}
    liked = _liked_ids(viewer, note_ids)
    own_id = viewer.pk if viewer.is_authenticated else None
    cards = [
        NoteCard(by_id[note_id], note_id in liked, by_id[note_id].author_id == own_id)
        for note_id in note_ids
        if note_id in by_id
    ]
    _attach_post_cards(cards, here)
    return cards


def _liked_ids(viewer, note_ids) -> set[int]:
    if not viewer.is_authenticated or not note_ids:
        return set()
    return set(
        NoteLike.objects.filter(person=viewer, note_id__in=note_ids).values_list(
            "note_id", flat=True
        )
    )


def _page(author_ids, publication_ids, cursor: MomentCursor | None, viewer, here) -> NotePage:
    ids = _newest_note_ids(author_ids, publication_ids, cursor, PAGE_SIZE + 1)
    cards = _load_cards(ids[:PAGE_SIZE], viewer, here)
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
    return _page(writer_ids([publication.id]), [publication.id], cursor, viewer, publication)


def person_notes_page(person, viewer, cursor=None, here: Publication | None = None) -> NotePage:
    """`here`, on this page and below: the publication whose pages show the notes."""
    return _page([person.pk], [], cursor, viewer, here)


def feed_page(viewer, cursor=None, here: Publication | None = None) -> NotePage:
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
    return _page(author_ids, publication_ids, cursor, viewer, here)


def note_thread(note_id: int, viewer, here: Publication | None = None) -> NoteCard:
    """A note and its replies, oldest reply first; a reply's address shows its parent."""
    note = (
        Note.objects.filter(id=note_id).only("id", "parent_id", "publication_id", "scheduled_for")
    ).first()
    if note is None or (note.is_scheduled and not _is_staff(viewer, note.publication_id)):
        raise Http404("No such note.")
    root_id = note.parent_id or note.id
    notes = list(_card_rows().filter(Q(id=root_id) | Q(parent_id=root_id)))
    liked = _liked_ids(viewer, [row.id for row in notes])
    own_id = viewer.pk if viewer.is_authenticated else None
    cards = [NoteCard(row, row.id in liked, row.author_id == own_id) for row in notes]
    _attach_post_cards(cards, here)
    root = next((card for card in cards if card.id == root_id), None)
    if root is None:  # removed with its author's account since the first read
        raise Http404("No such note.")
    root.replies = sorted(
        (card for card in cards if card.id != root_id),
        key=lambda card: (card.note.created_at, card.id),
    )
    return root


def _is_staff(viewer, publication_id: int | None) -> bool:
    if publication_id is None or not viewer.is_authenticated:
        return False
    return Membership.objects.filter(person=viewer, publication_id=publication_id).exists()


def note_card(note_id: int, here: Publication | None = None) -> NoteCard:
    """One note as a card, for pages about it (restacking it); 404 when there is none."""
    note = _card_rows().filter(PUBLISHED, id=note_id).first()
    if note is None:
        raise Http404("No such note.")
    card = NoteCard(note)
    _attach_post_cards([card], here)
    return card


def _get_any_note(note_id: int) -> Note:
    note = Note.objects.select_related("author", "publication").filter(id=note_id).first()
    if note is None:
        raise Http404("No such note.")
    return note


def get_note(note_id: int) -> Note:
    """A published note (to reply to, like, restack); a scheduled one is not there yet."""
    note = _get_any_note(note_id)
    if note.is_scheduled:
        raise Http404("No such note.")
    return note


def get_note_for_author(person, note_id: int) -> Note:
    """The person's own note, scheduled or not; others' notes are 404s, so nobody learns what
    they cannot edit."""
    note = _get_any_note(note_id)
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
        listed(publication.posts.filter(status=PostStatus.PUBLISHED))
        .only("id", "title", "slug", "publication_id", "published_at")
        .order_by("-published_at", "-id")[:count]
    )
