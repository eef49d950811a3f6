"""Counts the public pages Django serves (rendered, or answered from the page cache inside
Django); the fast path counts the stored pages it answers itself (pagecache.fastpath)."""

from masthead.stats import collect
from masthead.stats.visits import viewer_from_environ


class CountViewsMiddleware:
    """Near the top of MIDDLEWARE, so that it sees the response every other middleware made.

    A public page is one a `pagecache.serving.cached_page` view answered: it marks the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, "is_public_page", False)
            and request.method == "GET"
            and response.status_code == 200
            and collect.is_html(response.get("Content-Type", ""))
        ):
            publication = getattr(request, "publication", None)
            if publication is not None:
                meta = request.META
                collect.count_view(
                    publication.id,
                    viewer_from_environ(meta),
                    host=meta.get("HTTP_HOST", ""),
                    path=meta.get("PATH_INFO", ""),
                    query=meta.get("QUERY_STRING", ""),
                    post_slug=getattr(request, "public_page_post_slug", "") or "",
                )
        return response
