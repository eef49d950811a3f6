"""Absolute links to a publication's pages, for email and anything else built outside a request."""

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery
from django.urls import get_script_prefix, reverse

from masthead.publications.models import Publication, PublicationHost


def site_path(name: str, *args, **kwargs) -> str:
    """reverse() without the mount prefix of whatever publication the current request is for."""
    path = reverse(name, args=args, kwargs=kwargs)
    prefix = get_script_prefix()
    return "/" + path[len(prefix) :] if path.startswith(prefix) else path


def publication_root(publication: Publication) -> str:
    """The address a publication answers at: its first host name, the install's base URL for the
    primary publication, or /pub/<slug>/ under it."""
    return publication_roots([publication.id])[publication.id]


def publication_roots(publication_ids) -> dict[int, str]:
    """publication_root of many publications, in one query whatever their number."""
    if not publication_ids:
        return {}
    first_host = (
        PublicationHost.objects.filter(publication=OuterRef("pk")).order_by("id").values("host")
    )
    if settings.PRIMARY_PUBLICATION:
        is_primary = Q(slug=settings.PRIMARY_PUBLICATION)
    else:
        oldest = Publication.objects.order_by("created_at", "id").values("pk")[:1]
        is_primary = Q(pk=Subquery(oldest))
    rows = (
        Publication.objects.filter(id__in=publication_ids)
        .annotate(
            first_host=Subquery(first_host[:1]),
            is_primary=ExpressionWrapper(is_primary, output_field=BooleanField()),
        )
        .values_list("id", "slug", "first_host", "is_primary")
    )
    scheme = "https" if settings.IS_HTTPS else "http"
    roots = {}
    for publication_id, slug, host, is_primary_row in rows:
        if host:
            roots[publication_id] = f"{scheme}://{host}"
        elif is_primary_row:
            roots[publication_id] = settings.BASE_URL
        else:
            roots[publication_id] = f"{settings.BASE_URL}/pub/{slug}"
    return roots


def publication_link(publication: Publication, name: str, *args, **kwargs) -> str:
    return publication_root(publication) + site_path(name, *args, **kwargs)


def install_link(name: str, *args, **kwargs) -> str:
    """A link to an install-wide page (account, desk) on the install's base URL."""
    return settings.BASE_URL + site_path(name, *args, **kwargs)
