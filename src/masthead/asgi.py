"""ASGI entry point: the chat's WebSockets (`masthead chatserver`), and Django's pages too, so
one ASGI server can serve both from one origin (tests, daphne). In production pages go through
WSGI (`masthead serve`), which is faster for them."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
django_application = get_asgi_application()  # sets Django up before the consumers import models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from masthead.chat.routing import websocket_urlpatterns  # noqa: E402


def with_raw_send(app):
    """Keep the server's own send in the scope: the chat's fan-out sends each broadcast
    straight to it, past the session middleware's wrapper (which acts on HTTP responses only)."""

    async def keep_raw_send(scope, receive, send):
        return await app({**scope, "raw_send": send}, receive, send)

    return keep_raw_send


application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": with_raw_send(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
