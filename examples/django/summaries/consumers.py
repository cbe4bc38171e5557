"""WebSocket side: a participant subscribes to one session and receives its envelopes.

``ContractsConsumer`` (from the contracts package) does the handshake: it runs
:meth:`SessionEventsConsumer.authorize` before joining any group, serves each
client the contracts version it announces (``coach-contracts.<version>``
subprotocol; older clients get envelopes downgraded to their version), and
bounds client frames. Close codes, sent right after the handshake so that a
browser sees them (a refused handshake is only an error event to the page):

====  =====================================================================
4401  not logged in (no valid Django session cookie)
4403  logged in, but not a participant of this session
4406  the announced contracts version is not served (reload the app)
4413  the client sent a frame larger than ``settings.MAX_WS_FRAME_BYTES``
====  =====================================================================

(The standard 1009 is reserved to the server: daphne closes with it above
``--websocket-max-message-size``; applications may only send 1000 and
3000-4999.) A wrong or missing ``Origin`` never reaches the consumer:
``AllowedHostsOriginValidator`` (``coachsite/asgi.py``) refuses the handshake.
"""

from __future__ import annotations

from uuid import UUID

from coach_app_baml_client.channels import ContractsConsumer
from django.conf import settings

from .access import is_participant
from .groups import session_group


class SessionEventsConsumer(ContractsConsumer):
    """``ws/sessions/<session_id>/``: forwards every envelope broadcast to the session's group.

    The user (``scope["user"]``, from the session cookie) is checked once, at
    connect, before the socket joins any group; nothing is re-checked per
    event. The stream is server-to-client: client frames are ignored.
    """

    max_frame_bytes = settings.MAX_WS_FRAME_BYTES
    session_id: UUID

    async def authorize(self) -> bool:
        self.session_id = self.url_kwargs["session_id"]
        return await is_participant(self.scope_user, self.session_id)

    async def connect(self) -> None:
        # Join before accepting: once the client's handshake completes it cannot
        # miss an event sent to the group.
        await self.join(session_group(self.session_id))
        await self.accept()
