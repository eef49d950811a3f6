"""Posts out of posts.csv and their `posts/<post_id>.html` bodies."""

from collections.abc import Iterator

from django.utils.text import slugify

from masthead.importers.archives import ExportFiles
from masthead.importers.source import (
    ExportError,
    LineKind,
    PostAudience,
    PostKind,
    PostState,
    SourcePost,
)
from masthead.importers.substack.csvfiles import CsvRows, Report, is_true, read_date

POSTS_CSV = "posts.csv"
REQUIRED_COLUMNS = ("post_id", "post_date", "is_published", "title")
SLUG_MAX_LENGTH = 120

KINDS = {
    "newsletter": PostKind.POST,
    "post": PostKind.POST,
    "page": PostKind.PAGE,
    "thread": PostKind.THREAD,
    "podcast": PostKind.PODCAST,
}
AUDIENCES = {
    "": PostAudience.EVERYONE,
    "everyone": PostAudience.EVERYONE,
    "only_free": PostAudience.SUBSCRIBERS,
    "only_paid": PostAudience.PAID,
    "founding": PostAudience.PAID,
}


def post_rows(files: ExportFiles, report: Report) -> Iterator[tuple[str, dict[str, str]]]:
    """(post_id, row) for each usable row of posts.csv; the first of a repeated id wins."""
    if not files.has(POSTS_CSV):
        return
    rows = CsvRows(files, POSTS_CSV)
    missing = [column for column in REQUIRED_COLUMNS if column not in rows.columns]
    if missing:
        rows.close()
        raise ExportError(
            f"posts.csv has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}: "
            "it is not the posts.csv Substack writes. Upload the zip as Substack sent it."
        )
    if "audience" not in rows.columns:
        report(
            LineKind.WARNING,
            POSTS_CSV,
            "has no audience column: every post is imported as public; check paid posts",
        )
    seen: set[str] = set()
    for number, row in rows:
        post_id = row["post_id"].strip()
        if not post_id:
            report(LineKind.SKIPPED, f"posts.csv row {number}", "has no post_id")
            continue
        if post_id in seen:
            report(
                LineKind.SKIPPED, f"post {post_id}", "appears twice in posts.csv: kept the first"
            )
            continue
        seen.add(post_id)
        yield post_id, row


def read_posts(files: ExportFiles, report: Report) -> Iterator[SourcePost]:
    """The posts in posts.csv's order, bodies converted to Masthead Markdown."""
    slugs: set[str] = set()
    for post_id, row in post_rows(files, report):
        item = f"post {post_id}"
        title = row["title"].strip()
        if not title:
            title = "Untitled"
            report(LineKind.WARNING, item, "has no title: imported as “Untitled”")
        slug = free_slug(slug_of(post_id, title), slugs, report, item)
        post = SourcePost(
            source_id=post_id,
            slug=slug,
            title=title,
            body_markdown=None,
            subtitle=row.get("subtitle", "").strip(),
            kind=kind_of(row.get("type", ""), report, item),
            audience=audience_of(row.get("audience", ""), report, item),
            state=PostState.PUBLISHED if is_true(row["is_published"]) else PostState.DRAFT,
            # Substack dates drafts too; the writer decides what a draft's date means.
            published_at=read_date(row["post_date"], report, item, "post_date"),
            emailed_at=read_date(row.get("email_sent_at"), report, item, "email_sent_at")
            or read_date(row.get("inbox_sent_at"), report, item, "inbox_sent_at"),
        )
        if post.kind is PostKind.PODCAST:
            post.audio_url = row.get("podcast_url", "").strip()
            if not post.audio_url:
                report(LineKind.WARNING, item, "is a podcast without a podcast_url")
        fill_body(files, post, report)
        yield post


def slug_of(post_id: str, title: str) -> str:
    """Substack's slug is what follows the number in `<number>.<slug>`."""
    _number, _dot, slug = post_id.partition(".")
    slug = slugify(slug)[:SLUG_MAX_LENGTH].strip("-")
    return slug or slugify(title)[:SLUG_MAX_LENGTH].strip("-") or "untitled"


def free_slug(slug: str, taken: set[str], report: Report, item: str) -> str:
    """The slug, or slug-2, slug-3… when an earlier post of the export has it."""
    free, number = slug, 2
    while free in taken:
        suffix = f"-{number}"
        free = slug[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        number += 1
    if free != slug:
        report(
            LineKind.WARNING,
            item,
            f"its address /p/{slug}/ belongs to an earlier post: it is now /p/{free}/",
        )
    taken.add(free)
    return free


def kind_of(value: str, report: Report, item: str) -> PostKind:
    value = value.strip().lower()
    if value and value not in KINDS:
        report(LineKind.WARNING, item, f"has an unknown type “{value[:40]}”: imported as a post")
    return KINDS.get(value, PostKind.POST)


def audience_of(value: str, report: Report, item: str) -> PostAudience:
    value = value.strip().lower()
    if value in AUDIENCES:
        return AUDIENCES[value]
    # An audience we do not know is most likely a kind of paid one: never make it public.
    report(
        LineKind.WARNING,
        item,
        f"has an unknown audience “{value[:40]}”: imported for paid subscribers only",
    )
    return PostAudience.PAID


def body_name(files: ExportFiles, post_id: str) -> str | None:
    for name in (f"posts/{post_id}.html", f"{post_id}.html"):
        if files.has(name):
            return name
    return None


def fill_body(files: ExportFiles, post: SourcePost, report: Report) -> None:
    item = f"post {post.source_id}"
    name = body_name(files, post.source_id)
    data = None
    if name is not None:
        try:
            data = files.read_bytes(name)
        except ExportError as error:
            report(LineKind.WARNING, item, f"its body could not be read ({error})")
    if data is None:
        if post.state is PostState.PUBLISHED:
            post.state = PostState.DRAFT
            report(LineKind.WARNING, item, "had no body in the export: imported as a draft")
        else:
            report(LineKind.WARNING, item, "is a draft with no body in the export")
        return
    try:
        html = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        html = data.decode("utf-8", errors="replace")
        report(LineKind.WARNING, item, "its body is not valid UTF-8: odd characters replaced")
    # Imported here so this module loads without the converter (and its parsers) until needed.
    from masthead.importers.substack_markup import substack_html_to_markdown

    converted = substack_html_to_markdown(html)
    post.body_markdown = converted.markdown
    post.image_urls = list(converted.image_urls)
    for note in converted.notes:
        report(LineKind.WARNING, item, note)
