"""Likes and comments: the rows that the archive's Top and Discussions are counted from."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.posts.models import Post
from masthead.publications.models import Publication


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "person"], name="like_once_per_person"),
        ]

    def __str__(self):
        return f"{self.person} likes {self.post}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    # Null once the author deletes their account: the comment then shows as "deleted user".
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body_markdown = models.TextField()
    body_html = models.TextField(editable=False)
    is_hidden = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_time_idx")]

    def __str__(self):
        return f"Comment {self.id} on {self.post}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "person"], name="comment_like_once_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.person} likes comment {self.comment_id}"


class Ban(models.Model):
    """A person the publication's staff barred from liking and commenting on its posts."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="bans")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "person"], name="ban_once_per_person"),
        ]

    def __str__(self):
        return f"{self.person} banned from {self.publication}"


class NotificationSettings(models.Model):
    """Which comment emails a person wants; no row means both are on."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    is_comment_digest_on = models.BooleanField(default=True)
    is_reply_email_on = models.BooleanField(default=True)

    def __str__(self):
        return f"Notification settings of {self.person}"


class CommentDigest(models.Model):
    """Per post: which comments its authors were told about, and whether a digest is due.

    `is_due` is claimed with conditional UPDATEs, so a burst of comments schedules one task
    and the task sends at most one digest per run.
    """

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="comment_digest")
    notified_through_id = models.BigIntegerField(default=0)
    is_due = models.BooleanField(default=False)

    def __str__(self):
        return f"Comment digest of {self.post}"
