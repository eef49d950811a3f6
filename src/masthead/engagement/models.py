"""Likes and comments: the rows that the archive's Top and Discussions are counted from."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.posts.models import Post


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

    class Meta:
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_time_idx")]

    def __str__(self):
        return f"Comment {self.id} on {self.post}"
