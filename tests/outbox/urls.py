"""The site's URLs with the webhooks desk wired in where the lead will put it (desk/urls.py:
`path("<slug:publication_slug>/webhooks/", include("masthead.outbox.urls"))`)."""

from django.urls import include, path

from masthead import urls as site_urls
from masthead.desk import urls as desk_urls

desk_patterns = [
    *desk_urls.urlpatterns,
    path("<slug:publication_slug>/webhooks/", include("masthead.outbox.urls")),
]
urlpatterns = [path("desk/", include((desk_patterns, "desk"))), *site_urls.urlpatterns]
