"""Reading a Ghost export: the content JSON (posts, pages, tags, authors) and the members CSV.

Ghost's content export is one JSON document (Settings → Advanced → Import/Export), read whole;
its members are a separate CSV (Members → Export). Either may come alone, as plain files or in
a zip. Posts are read and converted once, by `check()`, before anything is written; members are read
by `check()` too, and streamed again by `subscribers()`.
"""

import json
import re
from collections.abc import Iterator

from django.utils.text import slugify

from masthead.importers.archives import ExportFiles
from masthead.importers.ghost.lexical import lexical_to_markdown
from masthead.importers.ghost.members import is_members_csv, read_members
from masthead.importers.ghost.mobiledoc import mobiledoc_to_markdown
from masthead.importers.ghost.values import datetime_of, dicts_of, flag_of, int_of, text_of
from masthead.importers.ghost.writing import ContentError, Conversion, is_remote
from masthead.importers.source import (
    ExportError,
    LineKind,
    PostAudience,
    PostKind,
    PostState,
    ReportLine,
    SourceAuthor,
    SourceDelivery,
    SourcePost,
    SourceSubscriber,
)

MAX_SLUG_LENGTH = 120
HOW_TO_EXPORT = (
    "In Ghost, open Settings → Advanced → Import/Export and export your content (a .json "
    "file); export members from Members → Export (a .csv file). Upload those files as they are."
)
_STATES = {
    "published": PostState.PUBLISHED,
    "sent": PostState.PUBLISHED,  # sent by email only; Masthead shows it on the web too
    "draft": PostState.DRAFT,
    "scheduled": PostState.SCHEDULED,
}
_AUDIENCES = {
    "public": PostAudience.EVERYONE,
    "members": PostAudience.SUBSCRIBERS,
    "paid": PostAudience.PAID,
    "tiers": PostAudience.PAID,
}
NOT_JSON_SUFFIXES = (".csv", ".zip", ".xml", ".html", ".txt", ".png", ".jpg", ".jpeg", ".gif")
_GHOST_SLUG = re.compile(r"[\w-]+")


class GhostReader:
    """What a Ghost export holds, as SourcePost and SourceSubscriber values."""

    source = "ghost"

    def __init__(self, files: ExportFiles, *, site_url: str = ""):
        self.files = files
        self.site_url = _site_url(site_url)
        self._posts: list[SourcePost] | None = None
        self._member_lists: list[str] = []
        self._subscriber_count = 0
        self._lines: list[ReportLine] = []

    def check(self) -> list[ReportLine]:
        """Read and convert everything: raise ExportError if this is not a Ghost export, else
        return a line for each post or member skipped or changed."""
        self._load()
        return list(self._lines)

    def count(self) -> dict[str, int]:
        posts = self._load()
        return {"posts": len(posts), "subscribers": self._subscriber_count, "deliveries": 0}

    def posts(self) -> Iterator[SourcePost]:
        yield from self._load()

    def subscribers(self) -> Iterator[SourceSubscriber]:
        """The members, read again from their CSV files (a list may be long)."""
        self._load()
        yield from self._read_subscribers([])

    def _read_subscribers(self, lines: list[ReportLine]) -> Iterator[SourceSubscriber]:
        seen: set[str] = set()
        for name in self._member_lists:
            yield from read_members(self.files, name, seen, lines)

    def deliveries(self) -> Iterator[SourceDelivery]:
        """Ghost's exports hold no per-address email history."""
        yield from ()

    def report_lines(self) -> list[ReportLine]:
        self._load()
        return list(self._lines)

    # Reading

    def _load(self) -> list[SourcePost]:
        if self._posts is not None:
            return self._posts
        lines: list[ReportLine] = []
        export = self._find_content(lines)
        member_lists: list[str] = []
        unreadable: ExportError | None = None
        for name in self._names(".csv"):
            try:
                if is_members_csv(self.files, name):
                    member_lists.append(name)
            except ExportError as error:  # not UTF-8, or damaged in the zip
                unreadable = unreadable or error
        if export is None and not member_lists:
            raise unreadable or ExportError(self._not_ghost_reason())
        if unreadable is not None:
            lines.append(ReportLine(LineKind.SKIPPED, "export", str(unreadable)))
        posts = _PostsReader(export[1], export[2], self.site_url, lines).read() if export else []
        self._member_lists = member_lists
        self._subscriber_count = sum(1 for _ in self._read_subscribers(lines))
        self._posts, self._lines = posts, lines
        return posts

    def _names(self, suffix: str) -> list[str]:
        return [
            name
            for name in self.files.names
            if not name.startswith("__MACOSX/")
            and not name.rsplit("/", 1)[-1].startswith(".")
            and (name.lower().endswith(suffix) or (suffix == ".json" and self._is_json(name)))
        ]

    def _is_json(self, name: str) -> bool:
        """Whether a file uploaded on its own, under a name without ".json" (Ghost names its
        export "site.ghost.2024-01-15-10-30-45.json", and a shortened name may lose the end),
        starts like a JSON object."""
        if "/" in name or name.lower().endswith(NOT_JSON_SUFFIXES):
            return False
        with self.files.open_binary(name) as stream:
            head = stream.read(64)
        return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")

    def _find_content(self, lines: list[ReportLine]) -> tuple[str, dict, dict] | None:
        """(file name, meta, data) of the first Ghost content export among the files."""
        found: tuple[str, dict, dict] | None = None
        unreadable: ExportError | None = None
        for name in self._names(".json"):
            try:
                document = _parse_json(self.files, name)
            except ExportError as error:
                unreadable = unreadable or error
                continue
            export = _ghost_data(document)
            if export is None:
                continue
            if found is None:
                found = (name, *export)
            else:
                lines.append(
                    ReportLine(
                        LineKind.SKIPPED,
                        name,
                        f"A second Ghost export: only “{found[0]}” was imported.",
                    )
                )
        if found is None and unreadable is not None:
            raise unreadable
        if found is not None and unreadable is not None:
            lines.append(ReportLine(LineKind.WARNING, "export", str(unreadable)))
        return found

    def _not_ghost_reason(self) -> str:
        names = self._names(".json") + self._names(".csv")
        if not names:
            return (
                f"This upload is not a Ghost export: it has no .json or .csv file. {HOW_TO_EXPORT}"
            )
        listed = ", ".join(f"“{name}”" for name in names[:3])
        return (
            f"{listed} {'is' if len(names) == 1 else 'are'} not a Ghost export: no JSON with "
            f"Ghost's “db” data and no CSV with an email column. {HOW_TO_EXPORT}"
        )


def _parse_json(files: ExportFiles, name: str) -> object:
    with files.open_text(name) as stream:
        text = stream.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportError(
            f"“{name}” is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. The file may be cut short: export it from Ghost again."
        ) from None
    except RecursionError:
        raise ExportError(f"“{name}” is nested too deeply to be a Ghost export.") from None


def _ghost_data(document: object) -> tuple[dict, dict] | None:
    """(meta, data) of a Ghost export: {"db": [{"meta", "data"}]} or {"meta", "data"}."""
    if not isinstance(document, dict):
        return None
    db = document.get("db")
    if isinstance(db, list) and db and isinstance(db[0], dict):
        document = db[0]
    data, meta = document.get("data"), document.get("meta")
    if not isinstance(data, dict) or not isinstance(meta, dict):
        return None
    if not any(table in data for table in ("posts", "users", "tags", "settings")):
        return None
    return meta, data


def _site_url(raw: object) -> str:
    url = text_of(raw).strip().rstrip("/")
    return url if is_remote(url) and not re.search(r"\s", url) else ""


class _PostsReader:
    """The posts and pages of one export's data, with their tags and authors."""

    def __init__(self, meta: dict, data: dict, site_url: str, lines: list[ReportLine]):
        self.data = data
        self.lines = lines
        settings = {
            text_of(row.get("key")): row.get("value") for row in dicts_of(data.get("settings"))
        }
        self.site_url = (
            site_url
            or _site_url(settings.get("url") or settings.get("site_url"))
            or _site_url(meta.get("url") or meta.get("site_url"))
        )
        self.users = {text_of(user.get("id")): user for user in dicts_of(data.get("users"))}
        self.tags = {text_of(tag.get("id")): tag for tag in dicts_of(data.get("tags"))}
        self.emailed_ids = {text_of(row.get("post_id")) for row in dicts_of(data.get("emails"))}

    def read(self) -> list[SourcePost]:
        posts: list[SourcePost] = []
        seen_ids: set[str] = set()
        seen_slugs: set[str] = set()
        authors = self._links("posts_authors", "author_id")
        tags = self._links("posts_tags", "tag_id")
        for row in dicts_of(self.data.get("posts")):
            source_id = text_of(row.get("id")).strip()
            item = f"post {text_of(row.get('slug'))[:100] or source_id or '(no id)'}"
            if not source_id:
                self._line(LineKind.SKIPPED, item, "The post has no id.")
                continue
            if source_id in seen_ids:
                self._line(
                    LineKind.SKIPPED, item, "Another post has the same id; the first is kept."
                )
                continue
            seen_ids.add(source_id)
            post = self._post(row, source_id, item)
            if post is None:
                continue
            post.authors = self._authors(row, authors.get(source_id, []))
            post.tags = self._tag_names(tags.get(source_id, []))
            post.slug = self._unique_slug(post.slug, seen_slugs, item)
            posts.append(post)
        return posts

    def _line(self, kind: LineKind, item: str, reason: str) -> None:
        self.lines.append(ReportLine(kind, item, reason))

    def _post(self, row: dict, source_id: str, item: str) -> SourcePost | None:
        conversion = Conversion(site_url=self.site_url)
        try:
            body = self._body(row, conversion, item)
        except ContentError as error:
            self._line(LineKind.SKIPPED, item, f"The post cannot be read: {error}.")
            return None
        is_page = text_of(row.get("type")) == "page" or flag_of(row.get("page")) is True
        status = text_of(row.get("status")).strip().lower()
        state = _STATES.get(status)
        if state is None:
            state = PostState.DRAFT
            self._line(
                LineKind.WARNING, item, f"Unknown status “{status[:40]}”: imported as a draft."
            )
        visibility = text_of(row.get("visibility")).strip().lower() or "public"
        audience = _AUDIENCES.get(visibility)
        if audience is None:
            audience = PostAudience.PAID
            self._line(
                LineKind.WARNING,
                item,
                f"Unknown visibility “{visibility[:40]}”: only paying subscribers may read it.",
            )
        published_at = datetime_of(row.get("published_at"))
        title = " ".join(text_of(row.get("title")).split())
        ghost_slug = text_of(row.get("slug")).strip()
        slug = _slug(ghost_slug) or _slug(title) or _slug(f"post-{source_id}") or "post"
        old_slug = ghost_slug if _GHOST_SLUG.fullmatch(ghost_slug) else slug
        cover = text_of(row.get("feature_image")).strip()
        cover_url = conversion.image_url(cover, is_listed=False) if cover else ""
        if cover and not is_remote(cover_url):
            cover_url = ""
        for note in conversion.notes:
            self._line(LineKind.WARNING, item, note)
        return SourcePost(
            source_id=source_id,
            slug=slug,
            title=title or "Untitled",
            body_markdown=body,
            subtitle=" ".join(text_of(row.get("custom_excerpt")).split()),
            kind=PostKind.PAGE if is_page else PostKind.POST,
            audience=audience,
            state=state,
            published_at=published_at,
            updated_at=datetime_of(row.get("updated_at")),
            emailed_at=(
                published_at or datetime_of(row.get("created_at"))
                if not is_page and state == PostState.PUBLISHED and self._was_emailed(row, status)
                else None
            ),
            cover_image_url=cover_url,
            old_paths=[f"/{old_slug}/"],
            image_urls=list(conversion.image_urls),
        )

    def _body(self, row: dict, conversion: Conversion, item: str) -> str | None:
        """The post's content as Markdown, from Lexical, else Mobiledoc, else its HTML."""
        html = text_of(row.get("html"))
        for field, convert in (
            ("lexical", lexical_to_markdown),
            ("mobiledoc", mobiledoc_to_markdown),
        ):
            source = text_of(row.get(field))
            if not source.strip():
                continue
            try:
                return convert(source, conversion)
            except (ContentError, RecursionError) as error:
                if not html.strip():
                    raise ContentError(
                        str(error)
                        if isinstance(error, ContentError)
                        else "its content is nested too deeply"
                    ) from None
                self._line(
                    LineKind.WARNING,
                    item,
                    f"Its {field} content was unreadable; its HTML was used.",
                )
                conversion.image_urls.clear()  # what the broken content had found so far
                conversion.notes.clear()
                break
        if html.strip():
            try:
                return conversion.html(html)
            except RecursionError:
                raise ContentError("its HTML is nested too deeply") from None
        return None

    def _was_emailed(self, row: dict, status: str) -> bool:
        if status == "sent" or text_of(row.get("id")) in self.emailed_ids:
            return True
        if text_of(row.get("newsletter_id")).strip():
            return True  # Ghost 5 sets the newsletter only when it sends the post
        if flag_of(row.get("send_email_when_published")):
            return True  # Ghost 3
        recipients = text_of(row.get("email_recipient_filter")).strip().lower()
        return "newsletter_id" not in row and recipients not in ("", "none")  # Ghost 4

    def _links(self, table: str, column: str) -> dict[str, list[str]]:
        """post id → the linked ids (authors, tags) in their sort order."""
        rows = sorted(dicts_of(self.data.get(table)), key=lambda row: int_of(row.get("sort_order")))
        linked: dict[str, list[str]] = {}
        for row in rows:
            ids = linked.setdefault(text_of(row.get("post_id")), [])
            target = text_of(row.get(column))
            if target and target not in ids:
                ids.append(target)
        return linked

    def _authors(self, row: dict, author_ids: list[str]) -> list[SourceAuthor]:
        if not author_ids:
            author_ids = [text_of(row.get("author_id") or row.get("author"))]
        authors = []
        for author_id in author_ids:
            user = self.users.get(author_id)
            if user is None:
                continue
            name = " ".join(text_of(user.get("name")).split())
            email = text_of(user.get("email")).strip()
            if name or email:
                authors.append(SourceAuthor(name=name or email, email=email))
        return authors

    def _tag_names(self, tag_ids: list[str]) -> list[str]:
        names: list[str] = []
        for tag_id in tag_ids:
            tag = self.tags.get(tag_id, {})
            name = " ".join(text_of(tag.get("name")).split())
            is_internal = name.startswith("#") or text_of(tag.get("visibility")) == "internal"
            if name and not is_internal and name not in names:
                names.append(name)
        return names

    def _unique_slug(self, slug: str, seen: set[str], item: str) -> str:
        unique, number = slug, 2
        while unique in seen:
            suffix = f"-{number}"
            unique = slug[: MAX_SLUG_LENGTH - len(suffix)] + suffix
            number += 1
        if unique != slug:
            self._line(
                LineKind.WARNING, item, f"Another post has its address: it is now /p/{unique}/."
            )
        seen.add(unique)
        return unique


def _slug(text: str) -> str:
    return slugify(text)[:MAX_SLUG_LENGTH].strip("-_")
