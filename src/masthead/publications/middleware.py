"""Attach request.publication, mount /pub/<slug>/ publications as if they were at "/", and show
every date and time in the time zone of the publication a page belongs to."""

from django.core.handlers.wsgi import get_script_name
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone

from masthead.core.time_zones import zone_of
from masthead.publications.models import Publication
from masthead.publications.routing import route_request


class PublicationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = route_request(request.get_host(), request.path_info)
        request.publication = route.publication
        timezone.deactivate()
        try:
            if not route.prefix:
                return self.get_response(request)
            return self._respond_under_prefix(request, route)
        finally:
            timezone.deactivate()

    def _respond_under_prefix(self, request, route):
        # Resolve the rest of the path as if the publication were mounted at its prefix, and
        # let reverse() add the prefix to every URL it builds while this request is handled.
        previous_prefix = get_script_prefix()
        request.path_info = route.path_info
        set_script_prefix(get_script_name(request.META).rstrip("/") + route.prefix + "/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(previous_prefix)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A publication's page, or a desk page (named by its publication_slug), is shown in the
        publication's time zone; pages of no publication in the install's."""
        publication = request.publication
        slug = view_kwargs.get("publication_slug")
        if publication is None and isinstance(slug, str):
            publication = Publication.objects.filter(slug=slug).only("time_zone").first()
        if publication is not None:
            timezone.activate(zone_of(publication))
