"""Attach request.publication, and mount /pub/<slug>/ publications as if they were at "/"."""

from django.core.handlers.wsgi import get_script_name
from django.urls import get_script_prefix, set_script_prefix

from masthead.publications.routing import route_request


class PublicationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = route_request(request.get_host(), request.path_info)
        request.publication = route.publication
        if not route.prefix:
            return self.get_response(request)
        # Resolve the rest of the path as if the publication were mounted at its prefix, and
        # let reverse() add the prefix to every URL it builds while this request is handled.
        previous_prefix = get_script_prefix()
        request.path_info = route.path_info
        set_script_prefix(get_script_name(request.META).rstrip("/") + route.prefix + "/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(previous_prefix)
