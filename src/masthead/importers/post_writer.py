"""Storing an export's posts: the post, its byline, section, images, old addresses and email.

Runs inside the run's batch transaction; images are fetched before it (network never inside a
transaction). An imported post is never emailed again: a post the old platform emailed gets a
finished Send, and no imported post asks for an email.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from masthead.accounts.people import ensure_people
from masthead.delivery.models import Send, SendKind, SendState
from masthead.importers.models import ImportedRecord, OldPath
from masthead.importers.source import (
    LineKind,
    PostAudience,
    PostKind,
    PostState,
    ReportLine,
    SourcePost,
)
from masthead.posts.models import Audience, Post, PostAuthor, PostStatus
from masthead.posts.services import refresh_page_links, render_post_body
from masthead.publications.models import Membership, Publication, Role, Section
from masthead.subscriptions.importing.files import check_email

ITEM_TYPE = "post"
MAX_OLD_PATH = 500

AUDIENCES = {
    PostAudience.EVERYONE: Audience.EVERYONE,
    PostAudience.SUBSCRIBERS: Audience.SUBSCRIBERS,
    PostAudience.PAID: Audience.PAID,
}


@dataclass
class StoredImages:
    """What the image fetcher made of each remote URL: a media URL, or a problem."""

    stored: dict[str, str] = field(default_factory=dict)  # remote URL -> our media URL
    problems: dict[str, str] = field(default_factory=dict)  # remote URL -> why kept as a link


def imported_post_ids(publication: Publication, source: str) -> dict[str, int]:
    """Source id -> post id of every post already imported from this source."""
    return dict(
        ImportedRecord.objects.filter(
            publication=publication, source=source, item_type=ITEM_TYPE
        ).values_list("source_id", "object_id")
    )


def conflicting_slugs(publication: Publication, source: str, slugs: set[str]) -> list[str]:
    """The export's slugs already used by posts this source did not import (sorted)."""
    ours = set(imported_post_ids(publication, source).values())
    taken = Post.objects.filter(publication=publication, slug__in=slugs).exclude(id__in=ours)
    return sorted(taken.values_list("slug", flat=True))


def default_author_id(publication: Publication, person_id: int | None) -> int | None:
    if person_id:
        return person_id
    return (
        Membership.objects.filter(publication=publication, role=Role.OWNER)
        .order_by("created_at", "id")
        .values_list("person_id", flat=True)
        .first()
    )


def _media_name(url: str) -> str:
    media_url = settings.MEDIA_URL
    return url[len(media_url) :] if url.startswith(media_url) else ""


def _section_for(publication: Publication, name: str) -> Section | None:
    name = " ".join(name.split())[:80]
    slug = slugify(name)[:60]
    if not slug:
        return None
    section, _ = Section.objects.get_or_create(
        publication=publication, slug=slug, defaults={"name": name}
    )
    return section


def _free_slug(publication: Publication, slug: str) -> str:
    slug = (slugify(slug) or "post")[:120]
    if not Post.objects.filter(publication=publication, slug=slug).exists():
        return slug
    number = 2
    while Post.objects.filter(publication=publication, slug=f"{slug[:110]}-{number}").exists():
        number += 1
    return f"{slug[:110]}-{number}"


class PostWriter:
    def __init__(self, publication: Publication, source: str, importer_id: int | None):
        self.publication = publication
        self.source = source
        self.fallback_author_id = default_author_id(publication, importer_id)
        self.done = imported_post_ids(publication, source)

    def write(self, source_posts: list[SourcePost], images: StoredImages) -> list[ReportLine]:
        lines: list[ReportLine] = []
        for source_post in source_posts:
            if source_post.source_id in self.done:
                lines.append(
                    ReportLine(LineKind.SKIPPED, self._item(source_post), "already imported")
                )
                continue
            post = self._store(source_post, images, lines)
            ImportedRecord.objects.create(
                publication=self.publication,
                source=self.source,
                item_type=ITEM_TYPE,
                source_id=source_post.source_id,
                object_id=post.id,
            )
            self.done[source_post.source_id] = post.id
            lines.append(ReportLine(LineKind.IMPORTED, self._item(source_post), post.slug))
        return lines

    @staticmethod
    def _item(source_post: SourcePost) -> str:
        return f"post {source_post.source_id}"[:300]

    def _store(self, source_post: SourcePost, images: StoredImages, lines) -> Post:
        from masthead.importers.markup import rewrite_image_urls

        item = self._item(source_post)
        body = source_post.body_markdown
        state = source_post.state
        if body is None:
            body, state = "", PostState.DRAFT
        for url in source_post.image_urls:
            if url in images.problems:
                lines.append(
                    ReportLine(
                        LineKind.WARNING,
                        item,
                        f"image kept as a link ({images.problems[url]}): {url}",
                    )
                )
        body = rewrite_image_urls(body, images.stored)
        if state == PostState.SCHEDULED:
            state = PostState.DRAFT
            lines.append(
                ReportLine(
                    LineKind.WARNING, item, "was scheduled: imported as a draft to schedule again"
                )
            )
        slug = _free_slug(self.publication, source_post.slug)
        if slug != source_post.slug:
            lines.append(
                ReportLine(LineKind.WARNING, item, f"its address was taken: it is now /p/{slug}/")
            )
        now = timezone.now()
        published_at = source_post.published_at
        status = PostStatus.PUBLISHED if state == PostState.PUBLISHED else PostStatus.DRAFT
        if status == PostStatus.PUBLISHED and published_at is None:
            published_at = source_post.emailed_at or now
        post = Post(
            publication=self.publication,
            title=(source_post.title or "Untitled")[:200],
            subtitle=source_post.subtitle[:300],
            slug=slug,
            body_markdown=body,
            status=status,
            published_at=published_at if status == PostStatus.PUBLISHED else None,
            audience=AUDIENCES[source_post.audience],
            kind=source_post.kind.value
            if isinstance(source_post.kind, PostKind)
            else source_post.kind,
            audio_url=source_post.audio_url[:1000],
            tags=[tag[:40] for tag in source_post.tags][:20],
            section=_section_for(self.publication, source_post.section)
            if source_post.section
            else None,
            created_at=source_post.published_at or now,
            updated_at=source_post.updated_at or source_post.published_at or now,
        )
        cover = images.stored.get(source_post.cover_image_url, "")
        if cover and _media_name(cover):
            post.cover_image.name = _media_name(cover)
        elif source_post.cover_image_url:
            lines.append(
                ReportLine(
                    LineKind.WARNING,
                    item,
                    "cover image not imported "
                    f"({images.problems.get(source_post.cover_image_url, 'not an image here')})",
                )
            )
        render_post_body(post)
        post.save()
        self._write_byline(post, source_post)
        self._write_old_paths(post, source_post)
        if source_post.emailed_at and source_post.kind != PostKind.PAGE:
            record_emailed(post, source_post.emailed_at)
        refresh_page_links(post)
        return post

    def _write_byline(self, post: Post, source_post: SourcePost) -> None:
        names = {}
        for author in source_post.authors:
            email, problem = check_email(author.email) if author.email else ("", "no address")
            if not problem:
                names.setdefault(email, author.name)
        ids = ensure_people(names) if names else {}
        person_ids = [ids[email] for email in names] or [self.fallback_author_id]
        PostAuthor.objects.bulk_create(
            PostAuthor(post=post, person_id=person_id, position=index)
            for index, person_id in enumerate(dict.fromkeys(p for p in person_ids if p))
        )

    def _write_old_paths(self, post: Post, source_post: SourcePost) -> None:
        own = f"/p/{post.slug}/"
        paths = {
            path[:MAX_OLD_PATH]
            for path in source_post.old_paths
            if path.startswith("/") and not path.startswith("//") and path != own
        }
        taken = set(
            OldPath.objects.filter(publication=self.publication, path__in=paths).values_list(
                "path", flat=True
            )
        )
        OldPath.objects.bulk_create(
            OldPath(publication=self.publication, path=path, post=post)
            for path in sorted(paths - taken)
        )


def record_emailed(post: Post, emailed_at) -> Send:
    """A finished Send for a post the old platform emailed, so Masthead never emails it again;
    imported deliveries hang under it and feed the post's numbers."""
    send, _ = Send.objects.get_or_create(
        post=post,
        kind=SendKind.NEWSLETTER,
        defaults={
            "publication": post.publication,
            "state": SendState.DONE,
            "created_at": emailed_at,
            "started_at": emailed_at,
            "finished_at": emailed_at,
            "subject": post.title[:300],
            "sender": "",
            "html_template": "",
            "text_template": "",
        },
    )
    return send
