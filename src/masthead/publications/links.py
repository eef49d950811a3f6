"""Absolute links to a publication's pages, for email and anything else built outside a request."""

from django.conf import settings
from django.urls import get_script_prefix, reverse

from masthead.publications.models import Publication
from masthead.publications.routing import primary_publication


def site_path(name: str, *args, **kwargs) -> str:
    """reverse() without the mount prefix of whatever publication the current request is for."""
    path = reverse(name, args=args, kwargs=kwargs)
    prefix = get_script_prefix()
    return "/" + path[len(prefix) :] if path.startswith(prefix) else path


def publication_root(publication: Publication) -> str:
    host = publication.hosts.order_by("id").values_list("host", flat=True).first()
    if host:
        scheme = "https" if settings.IS_HTTPS else "http"
        return f"{scheme}://{host}"
    primary = primary_publication()
    if primary is not None and primary.id == publication.id:
        return settings.BASE_URL
    return f"{settings.BASE_URL}/pub/{publication.slug}"


def publication_link(publication: Publication, name: str, *args, **kwargs) -> str:
    return publication_root(publication) + site_path(name, *args, **kwargs)


def install_link(name: str, *args, **kwargs) -> str:
    """A link to an install-wide page (account, desk) on the install's base URL."""
    return settings.BASE_URL + site_path(name, *args, **kwargs)
