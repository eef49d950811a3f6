"""Desk pages and webhooks for bounces, complaints and suppressions."""

from django.urls import include, path

from masthead.delivery import desk_suppressions

app_name = "bounces"
urlpatterns = [
    # anymail's tracking webhooks, e.g. /webhooks/anymail/postmark/tracking/ (basic auth with
    # ANYMAIL["WEBHOOK_SECRET"]); their events reach masthead.delivery.bounces through a signal.
    path("webhooks/anymail/", include("anymail.urls")),
    path(
        "desk/<slug:publication_slug>/suppressions/",
        desk_suppressions.desk_suppressions,
        name="desk_suppressions",
    ),
    path(
        "desk/<slug:publication_slug>/suppressions/<int:suppression_id>/remove/",
        desk_suppressions.desk_remove_suppression,
        name="desk_remove_suppression",
    ),
]
