"""The sitemap of a publication: its fixed pages, its published posts and pages, its notes.

/sitemap.xml is always an index (Django's sitemaps framework) naming one sitemap per section,
/sitemap-<section>.xml, paged with ?p= past URLS_PER_SITEMAP addresses. Paid posts are listed:
their address is public and their page shows the preview.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse

from masthead.notes.models import Note
from masthead.notes.queries import writer_ids
from masthead.posts.models import Post, PostStatus
from masthead.publications.models import Publication

# sitemaps.org: at most 50,000 addresses (and 50 MB) per sitemap.
URLS_PER_SITEMAP = 50_000


class PublicationSitemap(Sitemap):
    """A sitemap of one publication; reverse() adds its /pub/<slug>/ prefix when it has one."""

    def __init__(self, publication: Publication):
        self.publication = publication

    @property
    def limit(self) -> int:  # read at each request, so that a test can lower it
        return URLS_PER_SITEMAP


class FixedPagesSitemap(PublicationSitemap):
    """Home, Archive, About and Notes: the pages every publication has."""

    def items(self) -> list[str]:
        return ["posts:home", "posts:archive", "publications:about", "notes:publication_notes"]

    def location(self, item: str) -> str:
        return reverse(item)

    def get_latest_lastmod(self):
        return None  # About and Notes change without a date to say when


class PostSitemap(PublicationSitemap):
    """Published posts of every kind, pages included: each is a real page at /p/<slug>/."""

    def items(self):
        return (
            Post.objects.filter(publication=self.publication, status=PostStatus.PUBLISHED)
            .annotate(changed_at=Greatest("updated_at", "published_at"))
            .only("slug", "updated_at", "published_at")
            .order_by("-published_at", "-id")
        )

    def location(self, post: Post) -> str:
        return reverse("posts:detail", args=[post.slug])

    def lastmod(self, post: Post):
        return post.changed_at

    def get_latest_lastmod(self):
        # One aggregate instead of Django's default, which loads every item to take a max.
        return self.items().aggregate(latest=Max("changed_at"))["latest"]


class NoteSitemap(PublicationSitemap):
    """The notes the publication's Notes page shows: posted as the publication or by its
    writers, top level, not deleted, and not an empty restack (a page with nothing of its own)."""

    def items(self):
        empty_restack = Q(body_markdown="") & (
            Q(restack_of_note__isnull=False) | Q(restack_of_post__isnull=False)
        )
        return (
            Note.objects.filter(
                Q(publication=self.publication)
                | Q(author_id__in=writer_ids([self.publication.id])),
                parent__isnull=True,
                scheduled_for__isnull=True,  # a scheduled note is not out yet
                is_deleted=False,
            )
            .exclude(empty_restack)
            .only("id", "created_at", "edited_at")
            .order_by("-created_at", "-id")
        )

    def location(self, note: Note) -> str:
        return reverse("notes:detail", args=[note.id])

    def lastmod(self, note: Note):
        return note.edited_at or note.created_at

    def get_latest_lastmod(self):
        latest = self.items().aggregate(created=Max("created_at"), edited=Max("edited_at"))
        moments = [moment for moment in latest.values() if moment is not None]
        return max(moments, default=None)


def sitemaps_of(publication: Publication) -> dict[str, Sitemap]:
    """The sections of a publication's sitemap that have addresses to list, by the name in
    /sitemap-<section>.xml: the schema wants at least one <url> in a sitemap, so a publication
    without notes, say, has no notes sitemap. One count query per section."""
    sections = {
        "pages": FixedPagesSitemap(publication),
        "posts": PostSitemap(publication),
        "notes": NoteSitemap(publication),
    }
    return {name: sitemap for name, sitemap in sections.items() if sitemap.paginator.count}
