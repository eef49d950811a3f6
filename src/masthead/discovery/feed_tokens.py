"""Private feed addresses of readers with paid access: made, shown again, rotated, looked up.

The token in an address is never stored, only its SHA-256 (FeedToken.token_hash). So that the
account page can show the same address on every visit, the token is derived rather than drawn:
an HMAC, under the install's SECRET_KEY, of the publication, the person and the row's created_at
to the microsecond, which rotating moves to now. A copy of the database alone opens no feed;
rotating gives a new token and ends the old one at once.
"""

import base64
import datetime as dt
import hashlib
import re

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac

from masthead.discovery.models import FeedToken
from masthead.publications.links import publication_link
from masthead.publications.models import Publication

KEY_SALT = "masthead.discovery.feed_token"
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes in unpadded URL-safe base64
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# How often a feed reader's fetch is written down: readers poll every few minutes.
LAST_USED_PRECISION = dt.timedelta(hours=1)


def derive_token(row: FeedToken) -> str:
    microseconds = (row.created_at - EPOCH) // dt.timedelta(microseconds=1)
    value = f"{row.publication_id}:{row.person_id}:{microseconds}"
    digest = salted_hmac(KEY_SALT, value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _new_row(person, publication: Publication) -> FeedToken:
    row = FeedToken(publication=publication, person=person, created_at=timezone.now())
    row.token_hash = hash_token(derive_token(row))
    return row


def feed_token_for(person, publication: Publication) -> str:
    """The reader's token for this publication, made the first time it is asked for."""
    row = FeedToken.objects.filter(publication=publication, person=person).first()
    if row is None:
        try:
            with transaction.atomic():
                row = _new_row(person, publication)
                row.save()
        except IntegrityError:
            # Made by another request between the read and the insert: use that one.
            row = FeedToken.objects.get(publication=publication, person=person)
    token = derive_token(row)
    if hash_token(token) != row.token_hash:
        # The SECRET_KEY changed since the token was made: the address shown from now on is
        # the one the current key derives, so make it the one that opens the feed.
        row.token_hash = hash_token(token)
        row.save(update_fields=["token_hash"])
    return token


def private_feed_url_for(person, publication: Publication) -> str:
    """The reader's private RSS address, absolute on the publication's own address (the account
    page that shows it is the install's, not the publication's)."""
    return publication_link(
        publication, "discovery:private_feed", feed_token_for(person, publication)
    )


@transaction.atomic
def rotate_feed_token(person, publication: Publication) -> str:
    """A new token for the reader; the old address stops working at once."""
    row = (
        FeedToken.objects.select_for_update().filter(publication=publication, person=person).first()
    )
    if row is None:
        row = _new_row(person, publication)
        row.save()
        return derive_token(row)
    # Strictly later than before, so the derived token always changes.
    row.created_at = max(timezone.now(), row.created_at + dt.timedelta(microseconds=1))
    token = derive_token(row)
    row.token_hash = hash_token(token)
    row.last_used_at = None
    row.save(update_fields=["created_at", "token_hash", "last_used_at"])
    return token


def has_feed_token(person, publication_id: int) -> bool:
    return FeedToken.objects.filter(publication_id=publication_id, person=person).exists()


def get_feed_reader(publication: Publication, token: str):
    """The person a private feed address of this publication belongs to; 404 for any other
    token, with no hint of why (unknown, rotated, another publication's)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise Http404("No such feed.")
    row = (
        FeedToken.objects.select_related("person")
        .filter(publication=publication, token_hash=hash_token(token))
        .first()
    )
    if row is None or not row.person.is_active:
        raise Http404("No such feed.")
    now = timezone.now()
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_PRECISION:
        FeedToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.person
