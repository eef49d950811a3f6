"""The desk's API key pages, under /desk/<publication>/api/."""

from django.urls import path

from masthead.api import desk_views

app_name = "api"
urlpatterns = [
    path("", desk_views.key_list, name="desk_keys"),
    path("<int:key_id>/revoke/", desk_views.key_revoke, name="desk_key_revoke"),
]
