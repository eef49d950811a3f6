"""Which publication a request is for: by host name, by /pub/<slug>/ prefix, or the primary one.

- A host listed in PublicationHost serves that publication at "/".
- Any publication answers under /pub/<slug>/ on every host.
- Otherwise the primary publication (MASTHEAD_PRIMARY_PUBLICATION, or the oldest) answers at "/".
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from masthead.publications.models import Publication

PATH_PREFIX = re.compile(r"^/pub/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)?$")


@dataclass(frozen=True)
class Route:
    publication: Publication | None
    prefix: str  # "" or "/pub/<slug>"
    path_info: str


def route_request(host: str, path_info: str) -> Route:
    match = PATH_PREFIX.match(path_info)
    if match:
        publication = Publication.objects.filter(slug=match["slug"]).first()
        if publication is None:
            raise Http404("No publication by that name.")
        return Route(publication, f"/pub/{publication.slug}", match["rest"] or "/")
    hostname = host.split(":", 1)[0].lower().rstrip(".")
    publication = Publication.objects.filter(hosts__host=hostname).first()
    if publication is None:
        publication = primary_publication()
    return Route(publication, "", path_info)


def primary_publication() -> Publication | None:
    if settings.PRIMARY_PUBLICATION:
        return Publication.objects.filter(slug=settings.PRIMARY_PUBLICATION).first()
    return Publication.objects.order_by("created_at", "id").first()
