from django.urls import path

from masthead.delivery import desk_views, tracking, views

app_name = "delivery"
urlpatterns = [
    path("mail/", views.mail_list, name="mail_list"),
    path("mail/<str:name>/", views.mail_detail, name="mail_detail"),
    path("mail/<str:name>/frame/", views.mail_frame, name="mail_frame"),
    path("t/o/<str:token>.gif", tracking.track_open, name="track_open"),
    path("t/c/<str:token>/<int:index>/", tracking.track_click, name="track_click"),
    path("desk/<slug:publication_slug>/sends/", desk_views.send_list, name="desk_sends"),
    path(
        "desk/<slug:publication_slug>/sends/tracking/",
        desk_views.tracking_settings,
        name="desk_tracking_settings",
    ),
    path(
        "desk/<slug:publication_slug>/sends/<int:send_id>/progress.json",
        desk_views.send_progress,
        name="desk_send_progress",
    ),
    path(
        "desk/<slug:publication_slug>/sends/<int:send_id>/<slug:action>/",
        desk_views.send_action,
        name="desk_send_action",
    ),
    path(
        "desk/<slug:publication_slug>/posts/<int:post_id>/test-email/",
        desk_views.post_test_send,
        name="desk_post_test_send",
    ),
]
