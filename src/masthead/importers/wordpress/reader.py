"""Reading a WordPress export (WXR) into SourcePost values: posts and pages, never subscribers.

WordPress (Tools → Export) writes one XML file, or several for a big site, each possibly in a
zip. The files are read twice, streaming: first for what posts refer to (authors, attachments
for featured images and galleries), then for the posts themselves.
"""

import contextlib
import datetime as dt
import email.utils
import mimetypes
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.utils.text import slugify

from masthead.importers.archives import ExportFiles
from masthead.importers.markup import parse_html
from masthead.importers.source import (
    ExportError,
    LineKind,
    PostKind,
    PostState,
    ReportLine,
    SourceAuthor,
    SourceDelivery,
    SourcePost,
    SourceSubscriber,
)
from masthead.importers.wordpress.content import Attachment, prepare_content
from masthead.importers.wordpress.wxr import Entry, NotWxrError, read_entries

SLUG_MAX_LENGTH = 120
SUBTITLE_MAX_LENGTH = 300
KINDS = {"post": PostKind.POST, "page": PostKind.PAGE}
STATES = {
    "publish": PostState.PUBLISHED,
    "future": PostState.SCHEDULED,
    "draft": PostState.DRAFT,
    "pending": PostState.DRAFT,
    "private": PostState.DRAFT,
}
SKIPPED_STATUSES = {
    "trash": "it was in WordPress's trash",
    "auto-draft": "it is an automatic draft WordPress made, never written in",
    "inherit": "it is a revision",
}
UNCATEGORIZED = "uncategorized"
HOW_TO_EXPORT = (
    "In WordPress, open Tools → Export, choose “All content”, and upload the .xml file it "
    "gives you (or a zip of it)."
)

Report = Callable[[LineKind, str, str], None]


@dataclass
class _Index:
    """What posts refer to, read from every file before the first post."""

    wxr_names: list[str] = field(default_factory=list)
    site_path: str = ""  # "/blog" when WordPress lived under a folder
    authors: dict[str, SourceAuthor] = field(default_factory=dict)  # by login
    attachments: dict[str, Attachment] = field(default_factory=dict)  # by post id
    children: dict[str, list[str]] = field(default_factory=dict)  # parent id -> attachment ids

    def children_of(self, post_id: str) -> list[str]:
        return self.children.get(post_id, [])


class WordPressReader:
    """Reads a WordPress WXR export into SourcePost values."""

    source = "wordpress"

    def __init__(self, files: ExportFiles):
        self.files = files
        self._lines: list[ReportLine] = []
        self._index: _Index | None = None
        self._file_lines: list[ReportLine] = []
        self._counts: dict[str, int] | None = None
        self._slugs: set[str] = set()

    def check(self) -> list[ReportLine]:
        """Read the whole export: raise ExportError if it cannot be imported, else return the
        lines for what will be skipped or changed (body conversion notes come with posts())."""
        self._index = None
        lines = list(self._indexed_lines())
        report = _reporter(lines)
        self._slugs = {post.slug for post in self._read_posts(report, convert_bodies=False)}
        self._counts = {"posts": len(self._slugs), "subscribers": 0, "deliveries": 0}
        return lines

    def post_slugs(self) -> set[str]:
        """The addresses the posts will have (after check(), without converting bodies)."""
        if self._counts is None:
            self.check()
        return set(self._slugs)

    def count(self) -> dict[str, int]:
        """How many of each the iterators yield (runs check() if it has not run)."""
        if self._counts is None:
            self.check()
        assert self._counts is not None
        return dict(self._counts)

    def posts(self) -> Iterator[SourcePost]:
        """Posts and pages in the files' order, bodies converted to Masthead Markdown."""
        self._lines = []  # the importer reads posts more than once: report the latest reading
        yield from self._read_posts(_reporter(self._lines), convert_bodies=True)

    def subscribers(self) -> Iterator[SourceSubscriber]:
        """None: a WordPress export holds no subscribers (commenters are not subscribers)."""
        yield from ()

    def deliveries(self) -> Iterator[SourceDelivery]:
        yield from ()

    def report_lines(self) -> list[ReportLine]:
        """What the latest posts() skipped or changed so far, with body conversion notes."""
        return list(self._lines)

    # What posts refer to

    def _indexed_lines(self) -> list[ReportLine]:
        self._indexed()
        return list(self._file_lines)

    def _indexed(self) -> _Index:
        if self._index is None:
            self._file_lines = []
            self._index = self._read_index(_reporter(self._file_lines))
        return self._index

    def _read_index(self, report: Report) -> _Index:
        index = _Index()
        candidates = [name for name in self.files.names if _is_xml_name(name)]
        refusals: list[tuple[str, str]] = []  # (name, why)
        for name in candidates:
            try:
                for entry in read_entries(self.files, name):
                    _index_entry(index, entry)
            except NotWxrError as error:
                refusals.append((name, f"“{name}” is not a WordPress export (WXR): {error}."))
                continue
            index.wxr_names.append(name)
        if not index.wxr_names:
            if refusals:
                raise ExportError(f"{refusals[0][1]} {HOW_TO_EXPORT}")
            listed = ", ".join(f"“{name}”" for name in self.files.names[:5]) or "nothing"
            raise ExportError(
                f"This upload is not a WordPress export (WXR): it holds no .xml file ({listed}). "
                + HOW_TO_EXPORT
            )
        for name, why in refusals:
            report(LineKind.SKIPPED, f"file {name}", why)
        return index

    # Posts

    def _read_posts(self, report: Report, *, convert_bodies: bool) -> Iterator[SourcePost]:
        index = self._indexed()
        seen_ids: set[str] = set()
        slugs: set[str] = set()
        unknown_shortcodes: set[str] = set()
        for name in index.wxr_names:
            for entry in read_entries(self.files, name):
                if entry.tag != "item":
                    continue
                post_type = entry.fields.get("wp:post_type", "post").strip() or "post"
                post_id = entry.fields.get("wp:post_id", "").strip()
                item = _item_name(post_type, post_id, entry.fields.get("wp:post_name", ""))
                if post_type == "attachment":
                    continue
                if post_type not in KINDS:
                    report(LineKind.SKIPPED, item, _skipped_type_reason(post_type))
                    continue
                if not post_id:
                    report(LineKind.SKIPPED, f"{item} in {name}", "It has no wp:post_id.")
                    continue
                if post_id in seen_ids:
                    report(
                        LineKind.SKIPPED, item, f"A second copy of this {post_type} (in {name})."
                    )
                    continue
                status = entry.fields.get("wp:status", "").strip()
                if status in SKIPPED_STATUSES:
                    report(LineKind.SKIPPED, item, f"Not imported: {SKIPPED_STATUSES[status]}.")
                    continue
                seen_ids.add(post_id)
                builder = _PostBuilder(entry, index, item, report)
                post = builder.build(post_id, status, slugs)
                builder.add_body(post, unknown_shortcodes, convert=convert_bodies)
                yield post


class _PostBuilder:
    """One WXR item as a SourcePost, reporting what changed on the way."""

    def __init__(self, entry: Entry, index: _Index, item: str, report: Report):
        self.entry = entry
        self.fields = entry.fields
        self.index = index
        self.item = item
        self.report = report

    def warn(self, reason: str) -> None:
        self.report(LineKind.WARNING, self.item, reason)

    def build(self, post_id: str, status: str, slugs: set[str]) -> SourcePost:
        fields = self.fields
        post_type = fields.get("wp:post_type", "post").strip() or "post"
        title = plain_text(fields.get("title", ""))
        post = SourcePost(
            source_id=post_id,
            slug=self._unique_slug(fields.get("wp:post_name", ""), title, post_id, slugs),
            title=title,
            body_markdown=None,
            subtitle=_shortened(plain_text(fields.get("excerpt:encoded", ""))),
            kind=KINDS[post_type],
            state=self._state(status),
            published_at=self._published_at(),
            updated_at=_wordpress_date(fields.get("wp:post_modified_gmt", ""))
            or _wordpress_date(fields.get("wp:post_modified", "")),
            authors=self._authors(),
            old_paths=self._old_paths(post_id, post_type),
        )
        post.section, post.tags = self._section_and_tags()
        post.cover_image_url = self._cover_image_url()
        post.audio_url = self._audio_url()
        if post.audio_url and post.kind == PostKind.POST:
            post.kind = PostKind.PODCAST
        if self.entry.comment_count:
            count = self.entry.comment_count
            self.warn(f"{count} comment{'s were' if count != 1 else ' was'} not imported.")
        return post

    def add_body(self, post: SourcePost, unknown_shortcodes: set[str], *, convert: bool) -> None:
        raw = self.fields.get("content:encoded", "")
        prepared = prepare_content(
            raw,
            post_id=post.source_id,
            attachments=self.index.attachments,
            children=self.index.children_of,
        )
        for warning in prepared.warnings:
            self.warn(warning)
        for name in prepared.unknown_shortcodes:
            if name not in unknown_shortcodes:
                unknown_shortcodes.add(name)
                self.warn(
                    f"The shortcode [{name}] means nothing outside WordPress; it is kept as "
                    "plain text (here and in any other post using it)."
                )
        images = [post.cover_image_url] if post.cover_image_url else []
        if convert and prepared.html:
            from masthead.importers.markup import html_to_markdown

            try:
                converted = html_to_markdown(prepared.html)
            except RecursionError:
                self.warn("Its content is nested too deeply to convert; it was left out.")
            else:
                post.body_markdown = converted.markdown
                images.extend(converted.image_urls)
                for note in converted.notes:
                    self.warn(note)
        post.image_urls = list(dict.fromkeys(images))

    def _unique_slug(self, post_name: str, title: str, post_id: str, slugs: set[str]) -> str:
        base = (
            _slug(unquote(post_name.strip()))
            or _slug(title)
            or _slug(f"{self.fields.get('wp:post_type', 'post')}-{post_id}")
            or "post"
        )
        slug, number = base, 1
        while slug in slugs:
            number += 1
            suffix = f"-{number}"
            slug = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if slug != base:
            self.warn(f"Another post already uses the address “{base}”; this one became “{slug}”.")
        slugs.add(slug)
        return slug

    def _state(self, status: str) -> PostState:
        state = STATES.get(status)
        if state is None:
            self.warn(
                f"Its WordPress status “{status}” is unknown here; it was imported as a draft."
            )
            state = PostState.DRAFT
        elif status == "private":
            self.warn("It was private on WordPress; it was imported as a draft.")
        if self.fields.get("wp:post_password", "").strip() and state != PostState.DRAFT:
            self.warn("It was password-protected on WordPress; it was imported as a draft.")
            state = PostState.DRAFT
        return state

    def _published_at(self) -> dt.datetime | None:
        fields = self.fields
        return (
            _wordpress_date(fields.get("wp:post_date_gmt", ""))
            or _wordpress_date(fields.get("wp:post_date", ""))  # drafts have no GMT date
            or _rss_date(fields.get("pubDate", ""))
        )

    def _authors(self) -> list[SourceAuthor]:
        login = self.fields.get("dc:creator", "").strip()
        if not login:
            return []
        author = self.index.authors.get(login) or SourceAuthor(name=login)
        return [SourceAuthor(name=author.name, email=author.email)]

    def _old_paths(self, post_id: str, post_type: str) -> list[str]:
        paths = []
        try:
            link = urlsplit(self.fields.get("link", "").strip())
        except ValueError:
            link = None
        if link and link.path.rstrip("/") not in ("", self.index.site_path):
            paths.append(link.path)
        elif link and link.query:
            paths.append(f"{link.path or '/'}?{link.query}")
        paths.append(f"{self.index.site_path}/?p={post_id}")
        if post_type == "page":
            paths.append(f"{self.index.site_path}/?page_id={post_id}")
        return list(dict.fromkeys(paths))

    def _section_and_tags(self) -> tuple[str, list[str]]:
        section, tags = "", []
        for domain, nicename, raw_name in self.entry.categories:
            name = plain_text(raw_name)
            if not name:
                continue
            if domain == "category":
                is_default = UNCATEGORIZED in (nicename.lower(), name.lower())
                if not section and not is_default:
                    section = name
                elif not is_default:
                    tags.append(name)
            elif domain == "post_tag":
                tags.append(name)
        return section, list(dict.fromkeys(tags))

    def _cover_image_url(self) -> str:
        for key, value in self.entry.meta:
            if key == "_thumbnail_id" and value.strip():
                attachment = self.index.attachments.get(value.strip())
                if attachment:
                    return attachment.url
                self.warn(
                    f"Its featured image (attachment {value.strip()}) is not in the export; "
                    "the post has no cover image."
                )
        return ""

    def _audio_url(self) -> str:
        for key, value in self.entry.meta:
            if key != "enclosure":
                continue
            lines = [line.strip() for line in value.splitlines()]
            url = lines[0] if lines else ""
            mime = lines[2] if len(lines) > 2 else mimetypes.guess_type(url)[0] or ""
            if url.startswith(("http://", "https://")) and mime.startswith("audio/"):
                return url
        return ""


def _index_entry(index: _Index, entry: Entry) -> None:
    fields = entry.fields
    if entry.tag == "link" and not index.site_path:
        with contextlib.suppress(ValueError):  # a broken site address: paths stay at the root
            index.site_path = urlsplit(entry.text).path.rstrip("/")
    elif entry.tag == "wp:author":
        login = fields.get("wp:author_login", "").strip()
        if login:
            index.authors[login] = SourceAuthor(
                name=plain_text(fields.get("wp:author_display_name", "")) or login,
                email=fields.get("wp:author_email", "").strip(),
            )
    elif entry.tag == "item" and fields.get("wp:post_type", "").strip() == "attachment":
        post_id = fields.get("wp:post_id", "").strip()
        url = (fields.get("wp:attachment_url", "") or fields.get("guid", "")).strip()
        if post_id and url.startswith(("http://", "https://")):
            alt = next((v for k, v in entry.meta if k == "_wp_attachment_image_alt"), "")
            parent = fields.get("wp:post_parent", "").strip()
            index.attachments[post_id] = Attachment(
                url=url,
                alt=alt.strip(),
                mime_type=fields.get("wp:post_mime_type", "").strip(),
                parent_id=parent,
            )
            if parent and parent != "0":
                index.children.setdefault(parent, []).append(post_id)


def _reporter(lines: list[ReportLine]) -> Report:
    def report(kind: LineKind, item: str, reason: str) -> None:
        lines.append(ReportLine(kind=kind, item=item, reason=reason))

    return report


def _is_xml_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.lower().endswith(".xml") and not base.startswith(".") and "__MACOSX/" not in name


def _item_name(post_type: str, post_id: str, post_name: str) -> str:
    post_name = unquote(post_name.strip())
    return f"{post_type} {post_id}.{post_name}" if post_name else f"{post_type} {post_id}".strip()


def _skipped_type_reason(post_type: str) -> str:
    known = {
        "nav_menu_item": "a menu entry",
        "revision": "an old revision",
        "wp_block": "a reusable block",
        "wp_template": "a theme template",
        "wp_template_part": "a theme template part",
        "wp_global_styles": "theme styles",
        "wp_navigation": "a navigation menu",
        "customize_changeset": "a Customizer draft",
        "custom_css": "the theme's extra CSS",
    }
    what = known.get(post_type, f"of the type “{post_type}”, which a plugin or theme adds")
    return f"Not imported: it is {what}; only posts and pages are."


def _slug(text: str) -> str:
    return slugify(text)[:SLUG_MAX_LENGTH].strip("-")


def plain_text(html: str) -> str:
    """Text without tags or entities, whitespace collapsed (titles, excerpts, names)."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    return " ".join(parse_html(html).get_text(" ").split())


def _shortened(text: str) -> str:
    if len(text) <= SUBTITLE_MAX_LENGTH:
        return text
    cut = text[: SUBTITLE_MAX_LENGTH - 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cut.rstrip(" ,;:.") + "…"


WORDPRESS_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})\s*$")


def _wordpress_date(text: str) -> dt.datetime | None:
    """ "2021-03-04 10:00:00" as UTC; None for "0000-00-00 00:00:00" and anything unreadable."""
    match = WORDPRESS_DATE.match(text)
    if not match:
        return None
    try:
        return dt.datetime(*(int(part) for part in match.groups()), tzinfo=dt.UTC)
    except ValueError:
        return None


RSS_DATE = re.compile(r"^\s*(?:\w{3},\s*)?\d{1,2}\s+\w{3}\s+\d{4}\s")


def _rss_date(text: str) -> dt.datetime | None:
    """pubDate, when nothing better is there; drafts have "Mon, 30 Nov -0001", which is None."""
    if not RSS_DATE.match(text):
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
