"""One saved version of a post's content, numbered per post."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.posts.models import Post
from masthead.publications.models import Section


class RevisionKind(models.TextChoices):
    AUTOSAVE = "autosave", "Autosave"
    SAVE = "save", "Save"
    RESTORE = "restore", "Restore"


class PostRevision(models.Model):
    """What the post said after one save. `number` counts revisions (1, 2, 3…); `version` counts
    saves, and grows also when an autosave replaces the previous autosave (revisions.services
    has the rule), so a page that started from an older save is always told."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The revision a restore brought back.
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    saved_at = models.DateTimeField(default=timezone.now)  # the last autosave folded into it
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=300, blank=True)
    slug = models.SlugField(max_length=120)
    body_markdown = models.TextField(blank=True)
    audience = models.CharField(max_length=12)
    post_kind = models.CharField(max_length=10)
    audio_url = models.URLField(max_length=1000, blank=True)
    tags = models.JSONField(default=list, blank=True)
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The email's own words (the subject test's settings are a sending plan, not text: not kept).
    email_subject = models.CharField(max_length=300, blank=True)
    preview_text = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="revision_number_per_post"),
        ]

    def __str__(self):
        return f"Revision {self.number} of post {self.post_id}"
