"""Notes: short posts by writers and readers, their likes, and who follows whom."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.posts.models import Post
from masthead.publications.models import Publication


class Note(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    # Set when a writer posts as the publication's staff; readers' notes never carry it.
    publication = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    image = models.ImageField(upload_to="notes/", blank=True)
    linked_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="linking_notes"
    )
    restack_of_note = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="restacks"
    )
    restack_of_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="note_restacks"
    )
    # One level of replies: a reply to a reply is attached to the note it answers.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    # A publication's note written ahead by its staff: hidden everywhere until this moment, then
    # cleared by notes.tasks (or the worker's catch-up). Null: the note is published.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Recounted from rows in the transaction that changes them.
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    restack_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            # The feed takes each source's newest notes with one of these two.
            models.Index(fields=["author", "-created_at", "-id"], name="note_author_time_idx"),
            models.Index(
                fields=["publication", "-created_at", "-id"], name="note_publication_time_idx"
            ),
            models.Index(fields=["parent", "created_at"], name="note_parent_time_idx"),
            # The catch-up and the desk's calendar read only the few notes still waiting.
            models.Index(
                fields=["scheduled_for"],
                name="note_scheduled_idx",
                condition=models.Q(scheduled_for__isnull=False),
            ),
        ]

    def __str__(self):
        return f"Note {self.id} by {self.author}"

    @property
    def is_scheduled(self) -> bool:
        return self.scheduled_for is not None

    @property
    def is_restack(self) -> bool:
        return self.restack_of_note_id is not None or self.restack_of_post_id is not None


class NoteLike(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="likes")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "person"], name="note_like_once_per_person"),
        ]

    def __str__(self):
        return f"{self.person} likes note {self.note_id}"


class Follow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
        ]

    def __str__(self):
        return f"{self.follower} follows {self.followed}"
