"""Creating, checking and revoking API keys; only a digest of each secret is stored."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from masthead.api.models import ApiKey, KeyScope

KEY_PREFIX = "mh_"
VISIBLE_CHARS = 8  # after "mh_": enough to tell keys apart, far too few to guess the rest
LAST_USED_PRECISION_SECONDS = 60  # write last_used_at at most once a minute per key


class ApiKeyError(Exception):
    """A key could not be made; the message is safe to show."""


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(publication, person, name: str, scope: str) -> NewKey:
    name = (name or "").strip()[:100]
    if not name:
        raise ApiKeyError("Give the key a name.")
    if scope not in KeyScope.values:
        raise ApiKeyError("Choose read or write.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        publication=publication,
        name=name,
        scope=scope,
        prefix=secret[: len(KEY_PREFIX) + VISIBLE_CHARS],
        secret_digest=digest_of(secret),
        created_by=person,
    )
    return NewKey(key, secret)


def find_active_key(secret: str) -> ApiKey | None:
    """The live key with this secret, or None; unknown and revoked keys look the same."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = (
        ApiKey.objects.select_related("publication", "created_by")
        .filter(secret_digest=digest_of(secret), revoked_at__isnull=True)
        .first()
    )
    if key is not None:
        _note_use(key)
    return key


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    last = key.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_PRECISION_SECONDS:
        ApiKey.objects.filter(id=key.id).update(last_used_at=now)
        key.last_used_at = now


@transaction.atomic
def revoke_key(key: ApiKey) -> None:
    ApiKey.objects.filter(id=key.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])


def keys_of(publication):
    return ApiKey.objects.filter(publication=publication).order_by("-created_at", "-id")
