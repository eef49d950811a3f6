"""Likes and comments, and the post counters recounted from their rows.

Every write checks its rules here (rules.py), whatever view, API or command calls it.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from masthead.core.db import create_once
from masthead.core.ratelimit import check_rate
from masthead.core.rendering import render_reader_markdown
from masthead.engagement import rules
from masthead.engagement.models import (
    Ban,
    Comment,
    CommentDigest,
    CommentLike,
    Like,
    NotificationSettings,
)
from masthead.outbox.events import comment_data, record_event
from masthead.pagecache import invalidation
from masthead.posts.models import Post

VISIBLE_COMMENTS = Q(comments__is_hidden=False, comments__is_deleted=False)
MAX_COMMENT_LENGTH = 10_000
COMMENT_RATE = (10, 10 * 60)  # per person: 10 comments in 10 minutes
DIGEST_DELAY = dt.timedelta(minutes=5)


class CommentInvalid(ValueError):
    """The comment's text cannot be saved; the message is safe to show."""


def recount_post_engagement(post_id: int) -> None:
    """Set a post's counters from its rows; call inside the transaction that changed them."""
    counts = Post.objects.filter(id=post_id).aggregate(
        like_count=Count("likes", distinct=True),
        comment_count=Count("comments", filter=VISIBLE_COMMENTS, distinct=True),
        last_comment_at=Max("comments__created_at", filter=VISIBLE_COMMENTS),
    )
    Post.objects.filter(id=post_id).update(**counts)
    invalidation.post_id_changed(post_id)


@transaction.atomic
def like_post(post: Post, person) -> bool:
    """Like a post once; returns True when a new like was made."""
    rules.check(rules.like_refusal(person, post))
    created = create_once(Like, post=post, person=person)
    if created:
        recount_post_engagement(post.id)
    return created


@transaction.atomic
def unlike_post(post: Post, person) -> bool:
    rules.check(rules.like_refusal(person, post))
    deleted, _ = Like.objects.filter(post=post, person=person).delete()
    if deleted:
        recount_post_engagement(post.id)
    return bool(deleted)


def clean_body(body_markdown: str) -> str:
    body = (body_markdown or "").strip()
    if not body:
        raise CommentInvalid("Write something first.")
    if len(body) > MAX_COMMENT_LENGTH:
        raise CommentInvalid(
            f"A comment can be at most {MAX_COMMENT_LENGTH:,} characters; "
            f"this one has {len(body):,}."
        )
    return body


def add_comment(post: Post, person, body_markdown: str, parent: Comment | None = None, at=None):
    """Comment on a post, or reply to one of its comments; tells the authors after commit."""
    rules.check(rules.comment_refusal(person, post))
    body = clean_body(body_markdown)
    if parent is not None and (parent.post_id != post.id or parent.is_deleted or parent.is_hidden):
        raise CommentInvalid("That comment cannot be replied to.")
    check_rate("comment", str(person.pk), COMMENT_RATE)
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post,
            person=person,
            parent=parent,
            body_markdown=body,
            body_html=render_reader_markdown(body),
            created_at=at or timezone.now(),
        )
        recount_post_engagement(post.id)
        schedule_comment_digest(post.id)
        record_event(post.publication_id, "comment.added", comment_data(comment))
        if parent is not None and parent.person_id not in (None, person.pk):
            from masthead.engagement.tasks import send_reply_notification

            transaction.on_commit(lambda: send_reply_notification.enqueue(comment.id))
    return comment


def schedule_comment_digest(post_id: int) -> None:
    """Mark the post's digest due; only the comment that flips it schedules the task."""
    CommentDigest.objects.get_or_create(post_id=post_id)
    claimed = CommentDigest.objects.filter(post_id=post_id, is_due=False).update(is_due=True)
    if claimed:
        from masthead.engagement.tasks import send_comment_digest

        run_after = timezone.now() + DIGEST_DELAY
        transaction.on_commit(
            lambda: send_comment_digest.using(run_after=run_after).enqueue(post_id)
        )


def claim_comment_digest(post_id: int) -> list[Comment]:
    """The comments a digest should tell about, claimed once; empty when nothing is due."""
    with transaction.atomic():
        claimed = CommentDigest.objects.filter(post_id=post_id, is_due=True).update(is_due=False)
        if not claimed:
            return []
        digest = CommentDigest.objects.get(post_id=post_id)
        comments = list(
            Comment.objects.filter(
                post_id=post_id,
                id__gt=digest.notified_through_id,
                is_hidden=False,
                is_deleted=False,
            )
            .select_related("person")
            .order_by("id")
        )
        if comments:
            CommentDigest.objects.filter(post_id=post_id).update(
                notified_through_id=comments[-1].id
            )
    return comments


def edit_comment(comment: Comment, person, body_markdown: str) -> Comment:
    if not person.is_authenticated or comment.person_id != person.pk:
        raise rules.EngagementRefused("You can only edit your own comments.")
    if comment.is_deleted or comment.is_hidden:
        raise rules.EngagementRefused("This comment can no longer be edited.")
    rules.check(rules.like_refusal(person, comment.post))
    body = clean_body(body_markdown)
    comment.body_markdown = body
    comment.body_html = render_reader_markdown(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body_markdown", "body_html", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(comment: Comment, person) -> None:
    """Delete one's own comment; with replies it keeps its place, marked deleted."""
    if not person.is_authenticated or comment.person_id != person.pk:
        raise rules.EngagementRefused("You can only delete your own comments.")
    _remove_or_mark_deleted(comment)
    recount_post_engagement(comment.post_id)


def _remove_or_mark_deleted(comment: Comment) -> None:
    if comment.replies.exists():
        Comment.objects.filter(id=comment.id).update(
            is_deleted=True, body_markdown="", body_html=""
        )
        return
    parent_id = comment.parent_id
    comment.delete()
    # A deleted comment kept only for its replies goes once its last reply goes.
    parent = Comment.objects.filter(id=parent_id, is_deleted=True).first() if parent_id else None
    if parent is not None:
        _remove_or_mark_deleted(parent)


def set_comment_hidden(comment: Comment, moderator, is_hidden: bool) -> None:
    if not rules.can_moderate(moderator, comment.post):
        raise rules.EngagementRefused("Only the publication's staff can hide comments.")
    with transaction.atomic():
        Comment.objects.filter(id=comment.id).update(is_hidden=is_hidden)
        recount_post_engagement(comment.post_id)


def set_comments_enabled(post: Post, moderator, is_enabled: bool) -> None:
    if not rules.can_moderate(moderator, post):
        raise rules.EngagementRefused("Only the publication's staff can turn comments off.")
    Post.objects.filter(id=post.id).update(comments_enabled=is_enabled)
    invalidation.post_id_changed(post.id)
    post.comments_enabled = is_enabled


def ban_person(publication_id: int, person, moderator) -> bool:
    """Stop a person liking and commenting on the publication; their comments stay."""
    if not rules.can_ban(moderator, publication_id):
        raise rules.EngagementRefused("Only the publication's owners and admins can ban.")
    if person.pk == moderator.pk or rules.role_of(person, publication_id) is not None:
        raise rules.EngagementRefused("The publication's staff cannot be banned.")
    return create_once(
        Ban, publication_id=publication_id, person=person, defaults={"created_by": moderator}
    )


def unban_person(publication_id: int, person, moderator) -> bool:
    if not rules.can_ban(moderator, publication_id):
        raise rules.EngagementRefused("Only the publication's owners and admins can lift bans.")
    deleted, _ = Ban.objects.filter(publication_id=publication_id, person=person).delete()
    return bool(deleted)


def like_comment(comment: Comment, person) -> bool:
    rules.check(rules.like_refusal(person, comment.post))
    if comment.is_deleted or comment.is_hidden:
        raise rules.EngagementRefused("This comment cannot be liked.")
    return create_once(CommentLike, comment=comment, person=person)


def unlike_comment(comment: Comment, person) -> bool:
    rules.check(rules.like_refusal(person, comment.post))
    deleted, _ = CommentLike.objects.filter(comment=comment, person=person).delete()
    return bool(deleted)


def set_notification_settings(person, *, is_comment_digest_on: bool, is_reply_email_on: bool):
    NotificationSettings.objects.update_or_create(
        person=person,
        defaults={
            "is_comment_digest_on": is_comment_digest_on,
            "is_reply_email_on": is_reply_email_on,
        },
    )
