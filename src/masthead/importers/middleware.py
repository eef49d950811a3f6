"""Old addresses of imported posts (/2021/03/04/hello/, /hello/, /?p=12) lead to the post."""

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse

from masthead.importers.models import OldPath
from masthead.posts.models import PostStatus

MAX_PATH = 500


def _old_path_of(request) -> str:
    """The path as the old site wrote it; WordPress's plain links carry the post in ?p=."""
    if request.path_info == "/" and request.GET.get("p", "").isdigit():
        return f"/?p={request.GET['p']}"
    return request.path_info


def redirect_for(publication, path: str):
    # No old site had control characters in its addresses (and PostgreSQL refuses a NUL).
    if not path or len(path) > MAX_PATH or any(ord(char) < 32 for char in path):
        return None
    candidates = [path, path.rstrip("/") if path.endswith("/") else path + "/"]
    old = (
        OldPath.objects.filter(
            publication=publication, path__in=candidates, post__status=PostStatus.PUBLISHED
        )
        .select_related("post")
        .only("post__slug")
        .first()
    )
    if old is None:
        return None
    return HttpResponsePermanentRedirect(reverse("posts:detail", args=[old.post.slug]))


class OldPathRedirectMiddleware:
    """Asks the old-address table only when a publication's page would be a 404 (or for ?p=)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        publication = getattr(request, "publication", None)
        if publication is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        path = _old_path_of(request)
        if path != request.path_info:
            redirect = redirect_for(publication, path)
            if redirect is not None:
                return redirect
        response = self.get_response(request)
        if response.status_code == 404:
            return redirect_for(publication, path) or response
        return response
