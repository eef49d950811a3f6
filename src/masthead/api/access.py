"""Who is calling: anonymous or an API key, for which publication, within its rate limit."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from ninja.security import HttpBearer

from masthead.api.errors import ApiProblem
from masthead.api.keys import find_active_key
from masthead.api.models import ApiKey
from masthead.core.ratelimit import check_rate, client_address
from masthead.publications.models import Publication

BAD_KEY = "This API key is not valid. It may have been revoked."  # unknown and revoked alike
DEFAULT_RATE_PER_KEY = (600, 60)
DEFAULT_RATE_PER_ADDRESS = (300, 60)


@dataclass(frozen=True)
class Caller:
    publication: Publication
    key: ApiKey | None

    @property
    def person(self):
        """Whom the paywall rule is asked about: the key's creator (staff read whole posts
        while they are staff), or nobody for anonymous calls."""
        if self.key is not None and self.key.created_by is not None:
            return self.key.created_by
        return AnonymousUser()


def _bearer_secret(request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(401, BAD_KEY)
    return secret.strip()


def _check_key(request, secret: str) -> ApiKey:
    key = find_active_key(secret)
    if key is None:
        raise ApiProblem(401, BAD_KEY)
    here = getattr(request, "publication", None)
    if here is not None and here.id != key.publication_id:
        raise ApiProblem(403, "This key belongs to another publication.")
    check_rate("api-key", str(key.id), getattr(settings, "API_RATE_PER_KEY", DEFAULT_RATE_PER_KEY))
    return key


def caller_of(request) -> Caller:
    """The caller of an endpoint that anyone may use; a key, when sent, must be valid."""
    cached = getattr(request, "_api_caller", None)
    if cached is not None:
        return cached
    secret = _bearer_secret(request)
    if secret is not None:
        key = _check_key(request, secret)
        caller = Caller(key.publication, key)
    else:
        publication = getattr(request, "publication", None)
        if publication is None:
            raise ApiProblem(
                404, "No publication here. Use its own address or /pub/<slug>/api/v1/."
            )
        check_rate(
            "api-anonymous",
            client_address(request),
            getattr(settings, "API_RATE_PER_ADDRESS", DEFAULT_RATE_PER_ADDRESS),
        )
        caller = Caller(publication, None)
    request._api_caller = caller
    return caller


class KeyAuth(HttpBearer):
    """Bearer API keys, for endpoints that need one (documented as such in the schema)."""

    openapi_scheme = "bearer"

    def __call__(self, request):
        if request.headers.get("Authorization") is None:
            raise ApiProblem(401, "This needs an API key: send “Authorization: Bearer mh_…”.")
        return caller_of(request)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return caller_of(request)


class WriteKeyAuth(KeyAuth):
    def __call__(self, request):
        caller = super().__call__(request)
        if not caller.key.can_write:
            raise ApiProblem(403, "This key may only read. Create a write key in the desk.")
        return caller


key_auth = KeyAuth()
write_key_auth = WriteKeyAuth()
