"""The search index of posts and notes, kept by database triggers in every writer's transaction.

Triggers (not services) keep it current, so every write path (the desk, imports, restores, the
admin, a raw UPDATE) updates the index in the same transaction as the change.

Each post's text is split by who may read it, so a query never matches words a reader may not
read (posts.queries.can_read_full_post decides which parts a viewer gets, see discovery.search):
title, subtitle, `open_text` (the whole body of a post for everyone, the preview of any other),
and the whole body of a subscribers-only or paid post in `subscribers_text` or `paid_text`.

SQLite: FTS5 tables `discovery_post_search` and `discovery_note_search` (rowid = the row's id)
filled by triggers on posts_post and notes_note; published posts and undeleted notes only.
PostgreSQL: the same split as one weighted tsvector per row (A title, B subtitle, C open text,
D the locked body) in side tables with GIN indexes, filled by trigger functions.

Beware on SQLite: a later migration that makes Django rebuild posts_post or notes_note (it
copies the table and drops the old one) drops these triggers; tests/discovery checks they exist.
"""

from django.db import migrations

# The tags and entities markdown-it writes; without them words like "strong" or "href" would
# match every post. SQLite has no regular expressions, and its parser refuses more than about
# 25 nested calls, hence this short list: closing tags become opening ones first.
_SQLITE_MARKUP = [
    "<p>", "<em>", "<strong>", "<li>", "<ul>", "<ol>", "<blockquote>", "<pre>", "<code>",
    "<h2>", "<h3>", "<a>", '<a href="', ' rel="noopener noreferrer nofollow"',
    '<code class="language-', '<img src="', ' alt="', "&amp;", "&lt;", "&gt;", "&#x27;",
]  # fmt: skip


def _sqlite_plain(column: str) -> str:
    expression = f"replace(coalesce({column}, ''), '</', '<')"
    for markup in _SQLITE_MARKUP:
        expression = f"replace({expression}, '{markup}', ' ')"
    return expression


def _postgres_plain(column: str) -> str:
    expression = f"regexp_replace(coalesce({column}, ''), '<[^>]*>', ' ', 'g')"
    for entity in ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;"):
        expression = f"replace({expression}, '{entity}', ' ')"
    return expression


def _sqlite_post_values(row: str) -> str:
    body, preview = _sqlite_plain(f"{row}.body_html"), _sqlite_plain(f"{row}.preview_html")
    return (
        f"{row}.id, {row}.title, {row}.subtitle,"
        f" CASE WHEN {row}.audience = 'everyone' THEN {body} ELSE {preview} END,"
        f" CASE WHEN {row}.audience = 'subscribers' THEN {body} ELSE '' END,"
        f" CASE WHEN {row}.audience = 'paid' THEN {body} ELSE '' END"
    )


POST_COLUMNS = "rowid, title, subtitle, open_text, subscribers_text, paid_text"
POST_WATCHED = "title, subtitle, body_html, preview_html, audience, status"
NOTE_WATCHED = "body_html, is_deleted"
TOKENIZER = "porter unicode61 remove_diacritics 2"

SQLITE_CREATE = [
    f"CREATE VIRTUAL TABLE discovery_post_search USING fts5("
    f"title, subtitle, open_text, subscribers_text, paid_text, tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE discovery_note_search USING fts5(body, tokenize='{TOKENIZER}')",
    f"""CREATE TRIGGER discovery_post_search_insert AFTER INSERT ON posts_post
        WHEN new.status = 'published' BEGIN
        INSERT INTO discovery_post_search({POST_COLUMNS}) VALUES ({_sqlite_post_values("new")});
        END""",
    f"""CREATE TRIGGER discovery_post_search_update AFTER UPDATE OF {POST_WATCHED} ON posts_post
        BEGIN
        DELETE FROM discovery_post_search WHERE rowid = old.id;
        INSERT INTO discovery_post_search({POST_COLUMNS})
        SELECT {_sqlite_post_values("new")} WHERE new.status = 'published';
        END""",
    """CREATE TRIGGER discovery_post_search_delete AFTER DELETE ON posts_post BEGIN
        DELETE FROM discovery_post_search WHERE rowid = old.id;
        END""",
    f"""CREATE TRIGGER discovery_note_search_insert AFTER INSERT ON notes_note
        WHEN NOT new.is_deleted BEGIN
        INSERT INTO discovery_note_search(rowid, body)
        VALUES (new.id, {_sqlite_plain("new.body_html")});
        END""",
    f"""CREATE TRIGGER discovery_note_search_update AFTER UPDATE OF {NOTE_WATCHED} ON notes_note
        BEGIN
        DELETE FROM discovery_note_search WHERE rowid = old.id;
        INSERT INTO discovery_note_search(rowid, body)
        SELECT new.id, {_sqlite_plain("new.body_html")} WHERE NOT new.is_deleted;
        END""",
    """CREATE TRIGGER discovery_note_search_delete AFTER DELETE ON notes_note BEGIN
        DELETE FROM discovery_note_search WHERE rowid = old.id;
        END""",
    f"INSERT INTO discovery_post_search({POST_COLUMNS})"
    f" SELECT {_sqlite_post_values('p')} FROM posts_post p WHERE p.status = 'published'",
    f"INSERT INTO discovery_note_search(rowid, body)"
    f" SELECT n.id, {_sqlite_plain('n.body_html')} FROM notes_note n WHERE NOT n.is_deleted",
]

SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS discovery_{kind}_search_{event}"
        for kind in ("post", "note")
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS discovery_post_search",
    "DROP TABLE IF EXISTS discovery_note_search",
]


def _postgres_post_vector(row: str) -> str:
    body, preview = _postgres_plain(f"{row}.body_html"), _postgres_plain(f"{row}.preview_html")
    return (
        f"setweight(to_tsvector('english', coalesce({row}.title, '')), 'A')"
        f" || setweight(to_tsvector('english', coalesce({row}.subtitle, '')), 'B')"
        f" || setweight(to_tsvector('english',"
        f" CASE WHEN {row}.audience = 'everyone' THEN {body} ELSE {preview} END), 'C')"
        f" || setweight(to_tsvector('english',"
        f" CASE WHEN {row}.audience = 'everyone' THEN '' ELSE {body} END), 'D')"
    )


def _postgres_note_vector(row: str) -> str:
    return f"to_tsvector('english', {_postgres_plain(f'{row}.body_html')})"


# No foreign keys: Django's flush truncates only its own tables (a TRUNCATE trigger empties
# these), and the row triggers keep them in step with their posts and notes; searches join on
# the id anyway, so a stale row could never be shown.
POSTGRES_CREATE = [
    "CREATE TABLE discovery_post_search (post_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX discovery_post_search_gin ON discovery_post_search USING gin (document)",
    "CREATE TABLE discovery_note_search (note_id bigint PRIMARY KEY, document tsvector NOT NULL)",
    "CREATE INDEX discovery_note_search_gin ON discovery_note_search USING gin (document)",
    f"""CREATE FUNCTION discovery_post_search_refresh() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM discovery_post_search WHERE post_id = OLD.id;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'published' THEN
            INSERT INTO discovery_post_search (post_id, document)
            VALUES (NEW.id, {_postgres_post_vector("NEW")})
            ON CONFLICT (post_id) DO UPDATE SET document = EXCLUDED.document;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    f"""CREATE FUNCTION discovery_note_search_refresh() RETURNS trigger AS $$
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM discovery_note_search WHERE note_id = OLD.id;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') AND NOT NEW.is_deleted THEN
            INSERT INTO discovery_note_search (note_id, document)
            VALUES (NEW.id, {_postgres_note_vector("NEW")})
            ON CONFLICT (note_id) DO UPDATE SET document = EXCLUDED.document;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER discovery_post_search_refresh
        AFTER INSERT OR DELETE OR UPDATE OF {POST_WATCHED} ON posts_post
        FOR EACH ROW EXECUTE FUNCTION discovery_post_search_refresh()""",
    f"""CREATE TRIGGER discovery_note_search_refresh
        AFTER INSERT OR DELETE OR UPDATE OF {NOTE_WATCHED} ON notes_note
        FOR EACH ROW EXECUTE FUNCTION discovery_note_search_refresh()""",
    # TRUNCATE (Django's flush, a restore) fires no row triggers: empty the index with it.
    """CREATE FUNCTION discovery_search_truncate() RETURNS trigger AS $$
        BEGIN
          IF TG_TABLE_NAME = 'posts_post' THEN
            TRUNCATE discovery_post_search;
          ELSE
            TRUNCATE discovery_note_search;
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER discovery_post_search_truncate AFTER TRUNCATE ON posts_post
        FOR EACH STATEMENT EXECUTE FUNCTION discovery_search_truncate()""",
    """CREATE TRIGGER discovery_note_search_truncate AFTER TRUNCATE ON notes_note
        FOR EACH STATEMENT EXECUTE FUNCTION discovery_search_truncate()""",
    f"INSERT INTO discovery_post_search (post_id, document)"
    f" SELECT p.id, {_postgres_post_vector('p')} FROM posts_post p WHERE p.status = 'published'",
    f"INSERT INTO discovery_note_search (note_id, document)"
    f" SELECT n.id, {_postgres_note_vector('n')} FROM notes_note n WHERE NOT n.is_deleted",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS discovery_post_search_refresh ON posts_post",
    "DROP TRIGGER IF EXISTS discovery_note_search_refresh ON notes_note",
    "DROP TRIGGER IF EXISTS discovery_post_search_truncate ON posts_post",
    "DROP TRIGGER IF EXISTS discovery_note_search_truncate ON notes_note",
    "DROP FUNCTION IF EXISTS discovery_search_truncate()",
    "DROP FUNCTION IF EXISTS discovery_post_search_refresh()",
    "DROP FUNCTION IF EXISTS discovery_note_search_refresh()",
    "DROP TABLE IF EXISTS discovery_post_search",
    "DROP TABLE IF EXISTS discovery_note_search",
]

STATEMENTS = {
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
    "postgresql": (POSTGRES_CREATE, POSTGRES_DROP),
}


def _run(schema_editor, which: int) -> None:
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError("Search needs SQLite (with FTS5) or PostgreSQL.")
    for statement in statements[which]:
        schema_editor.execute(statement, params=None)


def create_index(apps, schema_editor):
    _run(schema_editor, 0)


def drop_index(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0001_initial"),
        ("posts", "0006_kind_audio_tags_and_subscribers_audience"),
        ("notes", "0002_notes_show_only_our_images"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
