"""Search of a publication's posts and notes: ranked matches, highlighted excerpts, paged.

The index lives in the database and is kept by triggers (migration 0002_search_index): FTS5
tables on SQLite, weighted tsvectors with GIN indexes on PostgreSQL. A post's text is indexed
in parts by who may read them; the viewer's readable parts come from the one paywall rule,
posts.queries.can_read_full_post, asked once per audience, so a paid body matches (and shows in
an excerpt) only for readers who may read it. Everyone else matches its title, subtitle and
preview.

Every search costs a fixed number of queries whatever the number of posts: up to three for
the viewer's access, one page of ranked ids with their total, one count of the other kind,
and one or two to load the page's rows.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from masthead.notes.models import Note
from masthead.posts.models import Audience, Post, PostAuthor, PostStatus
from masthead.posts.queries import can_read_full_post
from masthead.publications.models import Membership, Publication

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
MAX_TERM_LENGTH = 60
PAGE_SIZE = 20
MAX_PAGE_NUMBER = 500  # keeps OFFSET small; nobody reads the 10,000th result
EXCERPT_WORDS = 40
EXCERPT_WORDS_BEFORE = 12

# Words as the indexes see them: letters and digits; everything else (FTS5 and tsquery syntax
# included: quotes, stars, colons, minus signs, NEAR(...)) only separates them.
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


class Kind:
    POSTS = "posts"
    NOTES = "notes"
    TABS = [(POSTS, "Posts"), (NOTES, "Notes")]
    ALL = {POSTS, NOTES}


class QueryTooLong(ValueError):
    """The search text is longer than MAX_QUERY_LENGTH characters."""


@dataclass
class Hit:
    """One result, ready to show: its *_html fields are escaped, with <mark> around matches."""

    url: str
    title_html: SafeString
    subtitle_html: SafeString
    excerpt_html: SafeString
    moment: object = None
    byline: str = ""
    badge: str = ""  # who the post is for, when not everyone


@dataclass
class SearchResults:
    query: str
    kind: str
    number: int
    terms: list[str] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    post_count: int = 0
    note_count: int = 0

    @property
    def total_count(self) -> int:
        return self.post_count if self.kind == Kind.POSTS else self.note_count

    @property
    def has_next(self) -> bool:
        return self.number * PAGE_SIZE < self.total_count and self.number < MAX_PAGE_NUMBER

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def search_terms(query: str) -> list[str]:
    """The plain words of a query, lowercased, without repeats; raises QueryTooLong."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryTooLong(f"Searches are limited to {MAX_QUERY_LENGTH} characters.")
    terms: list[str] = []
    for word in _WORD.findall(query):
        term = word.casefold()[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def readable_audiences(viewer, publication: Publication) -> list[str]:
    """The audiences whose posts this viewer reads whole here, by the one paywall rule."""
    return [
        audience
        for audience in Audience.values
        if can_read_full_post(viewer, Post(publication_id=publication.id, audience=audience))
    ]


def search(
    publication: Publication, viewer, query: str, kind: str = Kind.POSTS, number: int = 1
) -> SearchResults:
    """A page of the publication's posts or notes matching every word of `query`, best first."""
    kind = kind if kind in Kind.ALL else Kind.POSTS
    number = min(max(1, number), MAX_PAGE_NUMBER)
    terms = search_terms(query)
    results = SearchResults(query=query, kind=kind, number=number, terms=terms)
    if not terms:
        return results
    backend = _BACKENDS[connection.vendor]
    readable = readable_audiences(viewer, publication)
    offset = (number - 1) * PAGE_SIZE
    # The shown tab's page carries its own total (a window count over the same scan); the
    # other tab is counted apart; a page past the end is counted apart too.
    if kind == Kind.POSTS:
        ids, results.post_count = backend.post_page(publication, terms, readable, offset)
        if not ids and offset:
            results.post_count = backend.count_posts(publication, terms, readable)
        results.note_count = backend.count_notes(publication, terms)
        results.hits = _post_hits(ids, terms, readable)
    else:
        ids, results.note_count = backend.note_page(publication, terms, offset)
        if not ids and offset:
            results.note_count = backend.count_notes(publication, terms)
        results.post_count = backend.count_posts(publication, terms, readable)
        results.hits = _note_hits(ids, terms)
    return results


# The SQL of each database. Both join the index to its rows, so a row deleted, unpublished or
# moved to another publication is never found, whatever the index holds.

_POSTS_WHERE = "p.publication_id = %s AND p.status = %s"
_NOTES_WHERE = (
    "NOT n.is_deleted AND n.parent_id IS NULL AND n.scheduled_for IS NULL"
    " AND (n.publication_id = %s"
    f" OR n.author_id IN (SELECT person_id FROM {Membership._meta.db_table}"
    " WHERE publication_id = %s))"
)


def _fetch_page(sql: str, params: list) -> tuple[list[int], int]:
    """Rows of (id, total): the page's ids and the total of all matches."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def _fetch_count(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class _SQLite:
    """FTS5: each term a quoted phrase, limited to the columns the viewer may read."""

    posts_from = f"discovery_post_search s JOIN {Post._meta.db_table} p ON p.id = s.rowid"
    notes_from = f"discovery_note_search s JOIN {Note._meta.db_table} n ON n.id = s.rowid"

    @staticmethod
    def _match(terms: list[str], columns: list[str]) -> str:
        # Terms hold letters and digits only, so quoting them leaves no FTS5 syntax to abuse.
        scope = "{" + " ".join(columns) + "}"
        return " AND ".join(f'{scope} : "{term}"' for term in terms)

    def _post_match(self, terms, readable) -> str:
        columns = ["title", "subtitle", "open_text"]
        if Audience.SUBSCRIBERS in readable:
            columns.append("subscribers_text")
        if Audience.PAID in readable:
            columns.append("paid_text")
        return self._match(terms, columns)

    def count_posts(self, publication, terms, readable) -> int:
        return _fetch_count(
            f"SELECT count(*) FROM {self.posts_from}"
            f" WHERE discovery_post_search MATCH %s AND {_POSTS_WHERE}",
            [self._post_match(terms, readable), publication.id, PostStatus.PUBLISHED],
        )

    @staticmethod
    def _ranked_page(matches_sql: str) -> str:
        # FTS5 computes bm25 only while it scans; the window count comes in an outer query.
        return (
            f"SELECT id, count(*) OVER () FROM ({matches_sql}) AS matches"
            " ORDER BY score, moment DESC, id DESC LIMIT %s OFFSET %s"
        )

    def post_page(self, publication, terms, readable, offset) -> tuple[list[int], int]:
        # bm25 weights: title, subtitle, then the body parts.
        return _fetch_page(
            self._ranked_page(
                "SELECT p.id AS id, p.published_at AS moment,"
                " bm25(discovery_post_search, 10.0, 4.0, 1.0, 1.0, 1.0) AS score"
                f" FROM {self.posts_from}"
                f" WHERE discovery_post_search MATCH %s AND {_POSTS_WHERE}"
            ),
            [
                self._post_match(terms, readable), publication.id, PostStatus.PUBLISHED,
                PAGE_SIZE, offset,
            ],
        )  # fmt: skip

    def count_notes(self, publication, terms) -> int:
        return _fetch_count(
            f"SELECT count(*) FROM {self.notes_from}"
            f" WHERE discovery_note_search MATCH %s AND {_NOTES_WHERE}",
            [self._match(terms, ["body"]), publication.id, publication.id],
        )

    def note_page(self, publication, terms, offset) -> tuple[list[int], int]:
        return _fetch_page(
            self._ranked_page(
                "SELECT n.id AS id, n.created_at AS moment, bm25(discovery_note_search) AS score"
                f" FROM {self.notes_from}"
                f" WHERE discovery_note_search MATCH %s AND {_NOTES_WHERE}"
            ),
            [self._match(terms, ["body"]), publication.id, publication.id, PAGE_SIZE, offset],
        )


class _PostgreSQL:
    """tsvector: weights A title, B subtitle, C the open text, D a locked body; a viewer who
    may not read a post's locked body matches (and is ranked on) its A, B and C parts only."""

    posts_from = (
        f"discovery_post_search s JOIN {Post._meta.db_table} p ON p.id = s.post_id,"
        " plainto_tsquery('english', %s) q"
    )
    notes_from = (
        f"discovery_note_search s JOIN {Note._meta.db_table} n ON n.id = s.note_id,"
        " plainto_tsquery('english', %s) q"
    )
    readable_part = (
        "CASE WHEN p.audience = ANY(%s) THEN s.document ELSE ts_filter(s.document, '{a,b,c}') END"
    )

    def _posts_where(self) -> str:
        # The GIN index finds the candidates; the readable part decides.
        return (
            f"s.document @@ q AND {_POSTS_WHERE}"
            " AND (p.audience = ANY(%s) OR ts_filter(s.document, '{a,b,c}') @@ q)"
        )

    def count_posts(self, publication, terms, readable) -> int:
        return _fetch_count(
            f"SELECT count(*) FROM {self.posts_from} WHERE {self._posts_where()}",
            [" ".join(terms), publication.id, PostStatus.PUBLISHED, readable],
        )

    def post_page(self, publication, terms, readable, offset) -> tuple[list[int], int]:
        return _fetch_page(
            f"SELECT p.id, count(*) OVER () FROM {self.posts_from} WHERE {self._posts_where()}"
            f" ORDER BY ts_rank({self.readable_part}, q) DESC, p.published_at DESC, p.id DESC"
            " LIMIT %s OFFSET %s",
            [
                " ".join(terms), publication.id, PostStatus.PUBLISHED, readable, readable,
                PAGE_SIZE, offset,
            ],
        )  # fmt: skip

    def count_notes(self, publication, terms) -> int:
        return _fetch_count(
            f"SELECT count(*) FROM {self.notes_from} WHERE s.document @@ q AND {_NOTES_WHERE}",
            [" ".join(terms), publication.id, publication.id],
        )

    def note_page(self, publication, terms, offset) -> tuple[list[int], int]:
        return _fetch_page(
            f"SELECT n.id, count(*) OVER () FROM {self.notes_from} WHERE s.document @@ q AND {_NOTES_WHERE}"
            " ORDER BY ts_rank(s.document, q) DESC, n.created_at DESC, n.id DESC"
            " LIMIT %s OFFSET %s",
            [" ".join(terms), publication.id, publication.id, PAGE_SIZE, offset],
        )


_BACKENDS = {"sqlite": _SQLite(), "postgresql": _PostgreSQL()}


# Rows to hits: one query each for a page of posts (with bylines) or notes (with authors).


def _post_hits(ids: list[int], terms: list[str], readable: list[str]) -> list[Hit]:
    if not ids:
        return []
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    posts = Post.objects.only(
        "id", "title", "subtitle", "slug", "audience", "published_at", "body_html",
        "preview_html", "publication_id",
    ).prefetch_related(Prefetch("bylines", queryset=bylines))  # fmt: skip
    by_id = posts.in_bulk(ids)
    hits = []
    for post_id in ids:
        post = by_id.get(post_id)
        if post is None:  # deleted between the two reads
            continue
        # Excerpts never quote what the viewer may not read: the preview of a locked post.
        text = post.body_html if post.audience in readable else post.preview_html
        names = ", ".join(byline.person.display_name for byline in post.bylines.all())
        hits.append(
            Hit(
                url=reverse("posts:detail", args=[post.slug]),
                title_html=highlight(post.title, terms),
                subtitle_html=highlight(post.subtitle, terms),
                excerpt_html=excerpt(plain_text(text), terms),
                moment=post.published_at,
                byline=names,
                badge="" if post.audience == Audience.EVERYONE else post.get_audience_display(),
            )
        )
    return hits


def _note_hits(ids: list[int], terms: list[str]) -> list[Hit]:
    if not ids:
        return []
    by_id = (
        Note.objects.select_related("author")
        .only("id", "body_html", "created_at", "author__display_name")
        .in_bulk(ids)
    )
    hits = []
    for note_id in ids:
        note = by_id.get(note_id)
        if note is None:
            continue
        hits.append(
            Hit(
                url=reverse("notes:detail", args=[note.id]),
                title_html=mark_safe(""),
                subtitle_html=mark_safe(""),
                excerpt_html=excerpt(plain_text(note.body_html), terms),
                moment=note.created_at,
                byline=note.author.display_name,
            )
        )
    return hits


# Excerpts: plain text, escaped piece by piece, with <mark> around the words that match.


def plain_text(fragment: str) -> str:
    """The words of rendered HTML, tags dropped and entities decoded (escaped again later)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment or ""))).strip()


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _stem(word: str) -> str:
    """A rough stem, close enough to the indexes' own (Porter, PostgreSQL's English) to mark
    the words they matched: "running" and "runs" both mark for "run"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2]:
        word = word[:-1]
    return word


def _matcher(terms: list[str]):
    stems = {_stem(_fold(term)) for term in terms}

    def matches(word: str) -> bool:
        folded = _fold(word)
        return _stem(folded) in stems or any(folded.startswith(stem) for stem in stems)

    return matches


def _render(pieces: list[str], matches) -> SafeString:
    out = []
    for piece in pieces:
        if _WORD.fullmatch(piece) and matches(piece):
            out.append(f"<mark>{escape(piece)}</mark>")
        else:
            out.append(escape(piece))
    return mark_safe("".join(out))


def highlight(text: str, terms: list[str]) -> SafeString:
    """The whole text, escaped, with the matching words marked."""
    return _render(_split(text), _matcher(terms))


def _split(text: str) -> list[str]:
    """Words and the text between them, in order: joining them gives `text` back."""
    return [piece for piece in re.split(r"([^\W_]+)", text or "") if piece]


def excerpt(text: str, terms: list[str]) -> SafeString:
    """About EXCERPT_WORDS words of `text` around its first match (or its start), marked."""
    pieces = _split(text)
    matches = _matcher(terms)
    word_positions = [index for index, piece in enumerate(pieces) if _WORD.fullmatch(piece)]
    first = next((order for order, index in enumerate(word_positions) if matches(pieces[index])), 0)
    start_word = max(0, first - EXCERPT_WORDS_BEFORE)
    end_word = min(len(word_positions), start_word + EXCERPT_WORDS)
    if not word_positions:
        return mark_safe("")
    # The whole text's own ends are kept (a closing full stop); a cut ends on a word.
    start = word_positions[start_word] if start_word > 0 else 0
    end = word_positions[end_word - 1] + 1 if end_word < len(word_positions) else len(pieces)
    shown = _render(pieces[start:end], matches)
    before = "… " if start_word > 0 else ""
    after = " …" if end_word < len(word_positions) else ""
    return mark_safe(f"{before}{shown}{after}")
