"""ASGI entry point: HTTP goes to Django, WebSocket to the Channels consumers.

Run with ``daphne coachsite.asgi:application`` (from examples/django/).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachsite.settings")

# Initialise Django (apps, models) before importing anything that uses the ORM.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from summaries.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # A real deployment wraps this in AllowedHostsOriginValidator + AuthMiddlewareStack.
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
