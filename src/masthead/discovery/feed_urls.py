"""Feed addresses: /feed/ is RSS (the address Substack uses), with atom/ and json/ beside it."""

from django.urls import path

from masthead.discovery import feed_views
from masthead.discovery.feeds import Format


def three_formats(route: str, view, name: str) -> list:
    """RSS at `route`, Atom at `route`atom/, JSON Feed at `route`json/."""
    return [
        path(route, view, {"fmt": Format.RSS}, name=name),
        path(f"{route}atom/", view, {"fmt": Format.ATOM}, name=f"{name}_atom"),
        path(f"{route}json/", view, {"fmt": Format.JSON}, name=f"{name}_json"),
    ]


urlpatterns = [
    *three_formats("feed/", feed_views.publication_feed, "feed"),
    *three_formats("feed/section/<slug:slug>/", feed_views.section_feed, "section_feed"),
    *three_formats("feed/author/<int:person_id>/", feed_views.author_feed, "author_feed"),
    path("feed/private/<str:token>/", feed_views.private_feed, name="private_feed"),
    path(
        "feed/private-rotate/<slug:publication_slug>/",
        feed_views.private_feed_rotate,
        name="private_feed_rotate",
    ),
]
