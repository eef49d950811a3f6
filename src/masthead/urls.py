"""Top-level URLs. Publication pages resolve relative to the publication's mount point."""

from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.views.static import serve


def serve_media(request, path):
    """Uploaded images; reads MEDIA_ROOT per request. Behind a proxy, serve /media/ there."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):
        # A name the file system cannot take (too long, a NUL byte) names no upload.
        raise Http404("No such file.") from None


urlpatterns = [
    path("admin/", admin.site.urls),
    path("desk/", include("masthead.desk.urls")),
    path("api/v1/", include("masthead.api.urls")),
    path("", include("masthead.accounts.urls")),
    path("", include("masthead.delivery.urls")),
    path("", include("masthead.delivery.bounce_urls")),
    path("", include("masthead.billing.urls")),
    path("", include("masthead.subscriptions.urls")),
    path("", include("masthead.posts.urls")),
    path("", include("masthead.engagement.urls")),
    path("", include("masthead.referrals.urls")),
    path("", include("masthead.notes.urls")),
    path("", include("masthead.chat.urls")),
    path("", include("masthead.publications.urls")),
    path("", include("masthead.discovery.urls")),
    path("media/<path:path>", serve_media, name="media"),
]
