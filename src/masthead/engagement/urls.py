from django.urls import path

from masthead.engagement import views

app_name = "engagement"
urlpatterns = [
    path("p/<slug:slug>/like/", views.like, name="like"),
    path("p/<slug:slug>/comments/", views.comment_create, name="comment_create"),
    path("p/<slug:slug>/comments/settings/", views.comments_toggle, name="comments_toggle"),
    path("p/<slug:slug>/comments/<int:comment_id>/", views.comment_permalink, name="comment"),
    path("p/<slug:slug>/comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path(
        "p/<slug:slug>/comments/<int:comment_id>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    path("p/<slug:slug>/comments/<int:comment_id>/like/", views.comment_like, name="comment_like"),
    path("p/<slug:slug>/comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("p/<slug:slug>/comments/<int:comment_id>/ban/", views.comment_ban, name="comment_ban"),
    path("account/notifications/", views.notification_settings, name="notifications"),
]
