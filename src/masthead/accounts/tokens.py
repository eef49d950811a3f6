"""Signed tokens for links in email: what they carry, how long they live, how they fail."""

from django.core import signing


class BadToken(Exception):
    """A link that is forged, altered, expired or already used; the message says which."""


def make_token(salt: str, payload: dict) -> str:
    return signing.dumps(payload, salt=salt, compress=True)


def read_token(salt: str, token: str, max_age_seconds: int | None = None) -> dict:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age_seconds)
    except signing.SignatureExpired:
        raise BadToken("This link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise BadToken("This link is not valid. It may have been cut short or altered.") from None
    if not isinstance(payload, dict):
        raise BadToken("This link is not valid.")
    return payload
