"""ASGI entry point: HTTP goes to Django, WebSocket to the Channels consumers.

Run with ``daphne coachsite.asgi:application`` (from examples/django/).

- HTTP: request bodies above ``settings.MAX_REQUEST_BODY_BYTES`` are answered
  413 before Django reads them (``coachsite/body_limit.py``).
- Outbox: every process relays the summaries' events that could not be broadcast at
  once (``coach_app_baml_client.outbox_django``).
- WebSocket: ``AllowedHostsOriginValidator`` refuses the handshake (HTTP 403)
  unless the ``Origin`` header names one of ``ALLOWED_HOSTS`` (a page of another
  site cannot open a socket with the user's cookies); ``AuthMiddlewareStack``
  puts the user of Django's session cookie in ``scope["user"]``, which the
  consumer checks before joining any group (``summaries/consumers.py``).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachsite.settings")

# Initialise Django (apps, models) before importing anything that uses the ORM.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from coach_app_baml_client.outbox_django import (  # noqa: E402
    OutboxRelay,
    OutboxRelayMiddleware,
)
from coachsite.body_limit import BodySizeLimit  # noqa: E402
from summaries.models import OutboxEvent  # noqa: E402
from summaries.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": BodySizeLimit(django_asgi_app, settings.MAX_REQUEST_BODY_BYTES),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
# Every process also relays the outbox: events stored while Redis was down are broadcast
# as soon as it is back, without a process of their own (settings.OUTBOX_RELAY).
application = (
    OutboxRelayMiddleware(router, OutboxRelay(OutboxEvent))
    if settings.OUTBOX_RELAY
    else router
)
