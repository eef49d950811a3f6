"""ASGI entry point, for WebSockets (Channels) once chat exists; HTTP goes through WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "masthead.settings")
application = get_asgi_application()
