"""Reads of likes and comments: a post's discussion as one viewer sees it, in fixed queries."""

from dataclasses import dataclass, field

from django.db.models import Count

from masthead.billing.access import founding_member_ids
from masthead.engagement import rules
from masthead.engagement.models import Ban, Comment, CommentLike, Like, NotificationSettings
from masthead.posts.models import Post
from masthead.publications.models import Role


class CommentSort:
    TOP = "top"
    NEWEST = "new"
    CHOICES = [(TOP, "Top"), (NEWEST, "Newest")]
    ALL = {TOP, NEWEST}


@dataclass
class ThreadComment:
    comment: Comment
    like_count: int
    is_liked: bool
    is_own: bool
    replies: list["ThreadComment"] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.comment.id

    @property
    def reply_form_id(self) -> str:
        return f"reply-to-{self.comment.id}"


@dataclass
class Discussion:
    sort: str
    comments: list[ThreadComment]
    is_post_liked: bool
    can_moderate: bool
    can_ban: bool
    comment_refusal: str | None  # why the viewer may not comment, or None
    banned_ids: set[int] = field(default_factory=set)  # filled for those who may ban
    founding_ids: set[int] = field(default_factory=set)  # commenters who are founding members
    sort_choices = CommentSort.CHOICES


def post_discussion(post: Post, viewer, sort: str = CommentSort.TOP) -> Discussion:
    """The comment tree with each comment's likes, the viewer's, and which commenters are
    founding members, in at most seven queries."""
    if sort not in CommentSort.ALL:
        sort = CommentSort.TOP
    role = rules.role_of(viewer, post.publication_id)
    can_moderate = rules.can_moderate_with_role(role, viewer, post)
    rows = list(
        Comment.objects.filter(post=post)
        .select_related("person")
        .annotate(like_count=Count("likes"))
        .order_by("created_at", "id")
    )
    liked_ids: set[int] = set()
    is_post_liked = False
    if viewer.is_authenticated:
        liked_ids = set(
            CommentLike.objects.filter(comment__post=post, person=viewer).values_list(
                "comment_id", flat=True
            )
        )
        is_post_liked = Like.objects.filter(post=post, person=viewer).exists()
    nodes = {
        row.id: ThreadComment(
            comment=row,
            like_count=row.like_count,
            is_liked=row.id in liked_ids,
            is_own=viewer.is_authenticated and row.person_id == viewer.pk,
        )
        for row in rows
    }
    top_level = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id else None
        (parent.replies if parent else top_level).append(node)
    if sort == CommentSort.TOP:
        _sort_by_likes(top_level)
    else:
        top_level.reverse()  # newest conversations first; replies stay in the order written
    can_ban = role in (Role.OWNER, Role.ADMIN)
    banned_ids: set[int] = set()
    if can_ban:
        banned_ids = set(
            Ban.objects.filter(
                publication_id=post.publication_id, person__comments__post=post
            ).values_list("person_id", flat=True)
        )
    return Discussion(
        sort=sort,
        comments=top_level,
        is_post_liked=is_post_liked,
        can_moderate=can_moderate,
        can_ban=can_ban,
        comment_refusal=rules.comment_refusal(viewer, post, role=role),
        banned_ids=banned_ids,
        founding_ids=founding_member_ids(
            post.publication_id, {row.person_id for row in rows if row.person_id}
        ),
    )


def _sort_by_likes(nodes: list[ThreadComment]) -> None:
    # Stable sort: equal likes keep the order they were written in.
    nodes.sort(key=lambda node: -node.like_count)
    for node in nodes:
        _sort_by_likes(node.replies)


def notification_settings_of(person) -> NotificationSettings:
    """The person's settings, or the defaults (both on) when they never changed them."""
    found = NotificationSettings.objects.filter(person=person).first()
    return found or NotificationSettings(person=person)
