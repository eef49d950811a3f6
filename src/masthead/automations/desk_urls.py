"""The desk's automations pages (under /desk/<publication>/automations/)."""

from django.urls import path

from masthead.automations import views

app_name = "automations"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("new/", views.email_new, name="new"),
    path("<int:email_id>/", views.email_edit, name="edit"),
    path("<int:email_id>/delete/", views.email_delete, name="delete"),
    path("<int:email_id>/move/", views.email_move, name="move"),
    path("<int:email_id>/toggle/", views.email_toggle, name="toggle"),
    path("digest/", views.digest_settings, name="digest"),
]
