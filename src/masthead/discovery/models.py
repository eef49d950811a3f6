"""Feeds, search and what search engines read: the private feed tokens of paid readers."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class FeedToken(models.Model):
    """A reader's private feed address for one publication: /feed/private/<token>/ gives the
    full text (and audio) their paid access allows. Only the token's SHA-256 is stored; the
    reader can rotate it, which ends the old address at once."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "person"], name="feed_token_once"),
        ]

    def __str__(self):
        return f"Private feed of {self.person} for {self.publication}"
