"""Forms on stored pages: each form's CSRF token is stored as a placeholder and filled in for
each reader as the page is served, from their own CSRF cookie (or a new one)."""

import base64
import os
import re
from functools import cache

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

PLACEHOLDER = b"__masthead_csrf_placeholder__"
TOKEN_FIELD = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{32,64}(")')
ALLOWED = frozenset(CSRF_ALLOWED_CHARS)
INDEX = {char: position for position, char in enumerate(CSRF_ALLOWED_CHARS)}
CHARS = len(CSRF_ALLOWED_CHARS)


def strip_tokens(body: bytes) -> tuple[bytes, bool]:
    """The page with every form's token replaced by the placeholder, and whether it had any."""
    stripped, count = TOKEN_FIELD.subn(rb"\1" + PLACEHOLDER + rb"\2", body)
    return stripped, count > 0


def fill(body: bytes, token: str) -> bytes:
    return body.replace(PLACEHOLDER, token.encode("ascii"))


def is_valid_secret(value: str | None) -> bool:
    return bool(value) and len(value) == CSRF_SECRET_LENGTH and set(value) <= ALLOWED


def new_secret() -> str:
    """32 characters Django's CSRF check accepts, from 192 random bits (Django's own way draws
    each character separately, several times slower on the fast path's every new visitor)."""
    return base64.b64encode(os.urandom(24), altchars=b"ab").decode("ascii")


def masked(secret: str) -> str:
    """What django.middleware.csrf._mask_cipher_secret makes: a fresh mask, then the secret
    shifted by it, so that no two pages carry the same token (BREACH)."""
    mask = new_secret()
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(INDEX[x] + INDEX[y]) % CHARS] for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


def token_for_cookie(secret: str | None) -> tuple[str, str, str | None]:
    """(secret, a masked token for a form, a Set-Cookie header value when the secret is new)."""
    if is_valid_secret(secret):
        return secret, masked(secret), None
    secret = new_secret()
    return secret, masked(secret), f"{settings.CSRF_COOKIE_NAME}={secret}{cookie_attributes()}"


@cache
def cookie_attributes() -> str:
    """The attributes Django's CsrfViewMiddleware gives the cookie, from the same settings."""
    parts = [f"Max-Age={settings.CSRF_COOKIE_AGE}", f"Path={settings.CSRF_COOKIE_PATH}"]
    if settings.CSRF_COOKIE_DOMAIN:
        parts.append(f"Domain={settings.CSRF_COOKIE_DOMAIN}")
    if settings.CSRF_COOKIE_SECURE:
        parts.append("Secure")
    if settings.CSRF_COOKIE_HTTPONLY:
        parts.append("HttpOnly")
    if settings.CSRF_COOKIE_SAMESITE:
        parts.append(f"SameSite={settings.CSRF_COOKIE_SAMESITE}")
    return "; " + "; ".join(parts)
