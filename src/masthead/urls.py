"""Top-level URLs. Publication pages resolve relative to the publication's mount point."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("desk/", include("masthead.desk.urls")),
    path("", include("masthead.accounts.urls")),
    path("", include("masthead.subscriptions.urls")),
    path("", include("masthead.posts.urls")),
    path("", include("masthead.publications.urls")),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
]
