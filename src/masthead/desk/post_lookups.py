"""Who may edit which post, in one place: authors their own posts, owners and admins every post.

Every view of the post editor starts with one of these lookups.
"""

from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from masthead.core.db import LARGEST_ID
from masthead.desk.lookups import MANAGERS, get_membership
from masthead.posts.models import Post, PostAuthor, PostStatus
from masthead.publications.models import Membership

LIST_PAGE_SIZE = 50
LAST_LIST_PAGE = 100_000  # beyond this a page's offset would overflow the database's integers


class EditablePost(NamedTuple):
    membership: Membership
    post: Post


def can_edit_every_post(membership: Membership) -> bool:
    return membership.role in MANAGERS


def editable_posts(membership: Membership) -> QuerySet[Post]:
    posts = Post.objects.filter(publication=membership.publication)
    if not can_edit_every_post(membership):
        posts = posts.filter(bylines__person=membership.person)
    return posts


def get_post_for_editor(person, publication_slug: str, post_id: int) -> EditablePost:
    """The post and the person's membership, if the person may edit the post.

    Strangers and unknown posts get 404; an author opening a colleague's post gets 403.
    """
    membership = get_membership(person, publication_slug)
    if not 0 < post_id <= LARGEST_ID:
        raise Http404("No such post.")
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    post = (
        Post.objects.filter(publication=membership.publication, id=post_id)
        .select_related("section")
        .prefetch_related(Prefetch("bylines", queryset=bylines))
        .first()
    )
    if post is None:
        raise Http404("No such post.")
    post.publication = membership.publication
    if not can_edit_every_post(membership) and not any(
        byline.person_id == person.id for byline in post.bylines.all()
    ):
        raise PermissionDenied("Only the post's authors, owners and admins may edit this post.")
    return EditablePost(membership, post)


class PostListTab:
    ALL = "all"
    CHOICES = [
        (ALL, "All"),
        (PostStatus.DRAFT, "Drafts"),
        (PostStatus.SCHEDULED, "Scheduled"),
        (PostStatus.PUBLISHED, "Published"),
    ]
    ORDERINGS = {
        ALL: ["-updated_at", "-id"],
        PostStatus.DRAFT: ["-updated_at", "-id"],
        PostStatus.SCHEDULED: ["published_at", "id"],  # the next one to go out first
        PostStatus.PUBLISHED: ["-published_at", "-id"],
    }


def post_list_page(membership: Membership, tab: str, number: int) -> dict:
    """One page of the posts the person may edit, and how many there are of each status.

    Three queries whatever the number of posts: counts, the page, and the page's bylines.
    """
    if tab not in PostListTab.ORDERINGS:
        tab = PostListTab.ALL
    number = min(max(1, number), LAST_LIST_PAGE)
    posts = editable_posts(membership)
    counts = posts.aggregate(
        all=Count("id", distinct=True),
        draft=Count("id", distinct=True, filter=Q(status=PostStatus.DRAFT)),
        scheduled=Count("id", distinct=True, filter=Q(status=PostStatus.SCHEDULED)),
        published=Count("id", distinct=True, filter=Q(status=PostStatus.PUBLISHED)),
    )
    if tab != PostListTab.ALL:
        posts = posts.filter(status=tab)
    bylines = PostAuthor.objects.select_related("person").order_by("position", "id")
    start = (number - 1) * LIST_PAGE_SIZE
    rows = list(
        posts.select_related("section")
        .defer("body_markdown", "body_html", "preview_html")
        .prefetch_related(Prefetch("bylines", queryset=bylines))
        .order_by(*PostListTab.ORDERINGS[tab])[start : start + LIST_PAGE_SIZE + 1]
    )
    tabs = [(key, label, counts[key]) for key, label in PostListTab.CHOICES]
    return {
        "tab": tab,
        "tabs": tabs,
        "number": number,
        "posts": rows[:LIST_PAGE_SIZE],
        "has_next": len(rows) > LIST_PAGE_SIZE,
    }
