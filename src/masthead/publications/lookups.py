"""Permission-checked lookups for publications."""

from django.http import Http404

from masthead.publications.models import Publication


def get_request_publication(request) -> Publication:
    """The publication this request is for, or a 404 when the install has none for it."""
    publication = getattr(request, "publication", None)
    if publication is None:
        raise Http404("No publication here yet.")
    return publication


def find_request_publication(request) -> Publication | None:
    """The publication this request is for, or None on an install that has none yet."""
    return getattr(request, "publication", None)
