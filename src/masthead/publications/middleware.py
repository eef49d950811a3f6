"""Attach request.publication, and mount /pub/<slug>/ publications as if they were at "/"."""

from django.urls import get_script_prefix, set_script_prefix

from masthead.publications.routing import route_request


class PublicationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        route = route_request(request.get_host(), request.path_info)
        request.publication = route.publication
        if route.prefix:
            # Resolve the rest of the path as if the publication were mounted at its prefix,
            # and let reverse() add the prefix back to every URL it builds.
            request.path_info = route.path_info
            set_script_prefix(get_script_prefix().rstrip("/") + route.prefix + "/")
        return self.get_response(request)
