"""The chat's pages: the room, a thread, image uploads and the digest switch."""

from django.urls import path

from masthead.chat import views

app_name = "chat"
urlpatterns = [
    path("chat/", views.room, name="room"),
    path("chat/threads/<int:thread_id>/", views.thread, name="thread"),
    path("chat/images/", views.upload_image, name="upload_image"),
    path("chat/digest/", views.digest, name="digest"),
]
