"""API keys: per publication, scoped read or write, stored as a SHA-256 digest of their secret."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from masthead.publications.models import Publication


class KeyScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


class ApiKey(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=5, choices=KeyScope.choices, default=KeyScope.READ)
    # The first characters of the key, shown in the desk so its owner can tell keys apart.
    prefix = models.CharField(max_length=16)
    secret_digest = models.CharField(max_length=64, unique=True)
    # Who created it: posts created with the key are bylined to them.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["publication", "-created_at"], name="apikey_pub_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def can_write(self) -> bool:
        return self.scope == KeyScope.WRITE
