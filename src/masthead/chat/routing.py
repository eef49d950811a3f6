"""The chat's WebSocket routes, served by `masthead chatserver` (see masthead.asgi)."""

from django.urls import path

from masthead.chat.consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<slug:slug>/", ChatConsumer.as_asgi()),
]
