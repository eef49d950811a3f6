"""Reads of posts: the home page, the archive's three orderings, a single post, the pages.

Every function here costs a fixed number of queries, whatever the number of posts.
"""

from dataclasses import dataclass
from itertools import groupby

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from masthead.billing.access import has_paid_access
from masthead.posts.models import Audience, Post, PostAuthor, PostKind, PostSlugRedirect, PostStatus
from masthead.publications.models import Publication, Section
from masthead.subscriptions.models import Subscription, SubscriptionStatus

ARCHIVE_PAGE_SIZE = 20
MAX_PAGE_NUMBER = 100_000  # beyond any archive; keeps OFFSET within the database's integers


class ArchiveSort:
    LATEST = "new"
    TOP = "top"
    DISCUSSIONS = "discussions"
    TABS = [(LATEST, "Latest"), (TOP, "Top"), (DISCUSSIONS, "Discussions")]
    ALL = {LATEST, TOP, DISCUSSIONS}


ORDERINGS = {
    ArchiveSort.LATEST: ["-published_at", "-id"],
    ArchiveSort.TOP: ["-like_count", "-published_at", "-id"],
    ArchiveSort.DISCUSSIONS: ["-comment_count", "-last_comment_at", "-published_at", "-id"],
}


def listed(posts: QuerySet[Post]) -> QuerySet[Post]:
    """The posts that belong in lists and counts (home, archive, notes, leaderboards, figures):
    every kind but pages, which are reached only by their address and the site's page links."""
    return posts.exclude(kind=PostKind.PAGE)


def published_posts(publication: Publication) -> QuerySet[Post]:
    """Posts the public may see listed, with their bylines fetched in one extra query."""
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    return (
        listed(Post.objects.filter(publication=publication, status=PostStatus.PUBLISHED))
        .defer("body_markdown", "body_html", "preview_html")
        .prefetch_related(Prefetch("bylines", queryset=bylines))
    )


@dataclass
class MonthGroup:
    label: str
    posts: list[Post]


@dataclass
class ArchivePage:
    sort: str
    number: int
    posts: list[Post]
    has_next: bool

    @property
    def months(self) -> list[MonthGroup]:
        """The page's posts under "Month YYYY" headings, in the order they are listed."""
        grouped = groupby(self.posts, key=lambda post: month_label(post.published_at))
        return [MonthGroup(label, list(posts)) for label, posts in grouped]

    @property
    def is_grouped_by_month(self) -> bool:
        return self.sort == ArchiveSort.LATEST


def month_label(moment) -> str:
    return timezone.localtime(moment).strftime("%B %Y")


def archive_page(
    publication: Publication, sort: str, number: int, section: Section | None = None
) -> ArchivePage:
    """One page of the archive (of one section's posts, when given); bad sort names and page
    numbers fall back to the first page."""
    if sort not in ArchiveSort.ALL:
        sort = ArchiveSort.LATEST
    number = min(max(1, number), MAX_PAGE_NUMBER)
    posts = published_posts(publication).order_by(*ORDERINGS[sort])
    if section is not None:
        posts = posts.filter(section=section)
    if sort == ArchiveSort.DISCUSSIONS:
        posts = posts.filter(comment_count__gt=0)
    start = (number - 1) * ARCHIVE_PAGE_SIZE
    # One row more than a page tells whether there is a next page without a COUNT(*).
    rows = list(posts[start : start + ARCHIVE_PAGE_SIZE + 1])
    return ArchivePage(sort, number, rows[:ARCHIVE_PAGE_SIZE], len(rows) > ARCHIVE_PAGE_SIZE)


def home_posts(publication: Publication, count: int = 10) -> list[Post]:
    """The newest posts, first one featured on the home page."""
    return list(published_posts(publication).order_by(*ORDERINGS[ArchiveSort.LATEST])[:count])


def published_pages(publication: Publication) -> list[Post]:
    """The publication's published pages, by title, for the site's page links: one query."""
    return list(
        Post.objects.filter(
            publication=publication, status=PostStatus.PUBLISHED, kind=PostKind.PAGE
        )
        .only("id", "title", "slug")
        .order_by("title", "id")
    )


def get_published_post(publication: Publication, slug: str) -> Post:
    """A published post of any kind, pages included, by its address."""
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    post = (
        Post.objects.filter(publication=publication, slug=slug, status=PostStatus.PUBLISHED)
        .prefetch_related(Prefetch("bylines", queryset=bylines))
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    post.publication = publication  # already loaded: the comment rules read its policy
    return post


def current_slug_of_old_slug(publication: Publication, old_slug: str) -> str | None:
    """The address a published post has now, if `old_slug` is one it had before."""
    return (
        PostSlugRedirect.objects.filter(
            publication=publication, old_slug=old_slug, post__status=PostStatus.PUBLISHED
        )
        .values_list("post__slug", flat=True)
        .first()
    )


def is_whole_for_everyone(post: Post) -> bool:
    """Whether anyone at all (no account, a free subscriber) may read the whole post; when not,
    pages for them carry its preview only (posts.paywall says where it ends)."""
    return post.audience == Audience.EVERYONE


def is_whole_for_every_subscriber(post: Post) -> bool:
    """Whether every active subscriber, free or paid, may read the whole post: a post for
    everyone or for subscribers. Newsletters go only to active subscribers, so such a post's
    email is the whole post for every recipient; a paid post's is its preview, but for readers
    with paid access."""
    return post.audience in (Audience.EVERYONE, Audience.SUBSCRIBERS)


def is_active_subscriber(person, publication_id: int) -> bool:
    """Whether this person is signed in and subscribed (free or paid) now, in one query."""
    if person is None or not person.is_authenticated:
        return False
    return Subscription.objects.filter(
        publication_id=publication_id, person=person, status=SubscriptionStatus.ACTIVE
    ).exists()


def can_read_full_post(person, post: Post) -> bool:
    """The one rule of who reads a post whole: everyone, for a post for everyone; for a
    subscribers-only post, whoever is signed in with an active subscription (free or paid) or
    has paid access; for a paid post, whoever has paid access to its publication
    (billing.access: paying, comped, gifted, a group seat, its staff). Everyone else gets the
    preview."""
    if is_whole_for_everyone(post):
        return True
    if post.audience == Audience.SUBSCRIBERS and is_active_subscriber(person, post.publication_id):
        return True
    return has_paid_access(person, post.publication_id)
