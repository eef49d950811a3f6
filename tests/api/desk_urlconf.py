"""The site's URLs with the desk's API key pages wired in, until desk/urls.py includes them."""

from django.urls import include, path

from masthead import urls as site_urls
from masthead.desk import urls as desk_urls

API_KEYS = path("<slug:publication_slug>/api/", include("masthead.api.desk_urls"))
desk_patterns = list(desk_urls.urlpatterns)
if not any(str(p.pattern) == str(API_KEYS.pattern) for p in desk_patterns):
    desk_patterns.append(API_KEYS)

urlpatterns = [
    path("desk/", include((desk_patterns, "desk"))),
    *(p for p in site_urls.urlpatterns if str(p.pattern) != "desk/"),
]
