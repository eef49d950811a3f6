"""Rows the shared helpers keep: rate-limit counters, shared by every process through the database."""

from django.db import models


class RateCounter(models.Model):
    """Attempts in one fixed window for one (scope, identity), when Redis is not the cache.

    The key names the window, so a row only ever grows; once `expires_at` has passed it is
    deleted (core/ratelimit.py prunes them), never reset.
    """

    key = models.CharField(max_length=200, primary_key=True)
    hit_count = models.IntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.hit_count}"
