"""The desk's chat pages: settings and moderation (under /desk/<publication>/chat/)."""

from django.urls import path

from masthead.chat import desk_views

urlpatterns = [
    path("", desk_views.chat_settings, name="chat_settings"),
    path("unmute/<int:person_id>/", desk_views.chat_unmute, name="chat_unmute"),
    path("mute/<int:message_id>/", desk_views.chat_mute_author, name="chat_mute_author"),
]
