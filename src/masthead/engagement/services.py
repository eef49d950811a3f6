"""Likes and comments, and the post counters recounted from their rows."""

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from masthead.core.rendering import render_markdown
from masthead.engagement.models import Comment, Like
from masthead.posts.models import Post

VISIBLE_COMMENTS = Q(comments__is_hidden=False, comments__is_deleted=False)


def recount_post_engagement(post_id: int) -> None:
    """Set a post's counters from its rows; call inside the transaction that changed them."""
    counts = Post.objects.filter(id=post_id).aggregate(
        like_count=Count("likes", distinct=True),
        comment_count=Count("comments", filter=VISIBLE_COMMENTS, distinct=True),
        last_comment_at=Max("comments__created_at", filter=VISIBLE_COMMENTS),
    )
    Post.objects.filter(id=post_id).update(**counts)


@transaction.atomic
def like_post(post: Post, person) -> bool:
    """Like a post once; returns True when a new like was made."""
    _, created = Like.objects.get_or_create(post=post, person=person)
    if created:
        recount_post_engagement(post.id)
    return created


@transaction.atomic
def unlike_post(post: Post, person) -> bool:
    deleted, _ = Like.objects.filter(post=post, person=person).delete()
    if deleted:
        recount_post_engagement(post.id)
    return bool(deleted)


@transaction.atomic
def add_comment(post: Post, person, body_markdown: str, parent: Comment | None = None, at=None):
    comment = Comment.objects.create(
        post=post,
        person=person,
        parent=parent,
        body_markdown=body_markdown,
        body_html=render_markdown(body_markdown),
        created_at=at or timezone.now(),
    )
    recount_post_engagement(post.id)
    return comment
