"""The desk's webhooks, included at /desk/<publication_slug>/webhooks/ by the desk's URLconf:
the full names are desk:outbox:desk_endpoints and so on."""

from django.urls import path

from masthead.outbox import views

app_name = "outbox"
urlpatterns = [
    path("", views.desk_endpoints, name="desk_endpoints"),
    path("<int:endpoint_id>/", views.desk_endpoint_detail, name="desk_endpoint_detail"),
    path("<int:endpoint_id>/toggle/", views.desk_endpoint_toggle, name="desk_endpoint_toggle"),
    path("<int:endpoint_id>/delete/", views.desk_endpoint_delete, name="desk_endpoint_delete"),
    path("<int:endpoint_id>/test/", views.desk_endpoint_test, name="desk_endpoint_test"),
]
