"""What names a stored page (scheme, host, path, query and audience) and what it depends on.

A page depends on version counters: the whole install ("site"), its publication, the
publication's lists (anything that shows counts: likes, comments, subscribers, notes) and, for a
post's page, that post. A change bumps the counters it affects; a stored page whose counters
moved is stale.
"""

import hashlib

ANONYMOUS = "anonymous"

SITE = "site"


def publication_dep(publication_id: int) -> str:
    return f"pub:{publication_id}"


def lists_dep(publication_id: int) -> str:
    return f"lists:{publication_id}"


def post_dep(publication_id: int, slug: str) -> str:
    return f"post:{publication_id}:{slug}"


def page_deps(publication_id: int, post_slug: str | None = None) -> tuple[str, ...]:
    deps = (SITE, publication_dep(publication_id), lists_dep(publication_id))
    return deps + (post_dep(publication_id, post_slug),) if post_slug else deps


def page_key(scheme: str, host: str, path: str, query: str, audience: str) -> str:
    """The same for Django and the fast path: both build it from the raw request line."""
    name = "\0".join((scheme, host.lower(), path, query, audience))
    return hashlib.blake2b(name.encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
