"""WebSocket side: a participant subscribes to one session and receives its envelopes.

Close codes, sent right after the handshake so that a browser sees them (a
refused handshake is only an HTTP 403 to the page, indistinguishable from a
network error):

====  =====================================================================
4401  not logged in (no valid Django session cookie)
4403  logged in, but not a participant of this session
4413  the client sent a frame larger than ``settings.MAX_WS_FRAME_BYTES``
====  =====================================================================

(The standard 1009 is reserved to the server: daphne closes with it above
``--websocket-max-message-size``; applications may only send 1000 and
3000-4999.)

A wrong or missing ``Origin`` never reaches the consumer:
``AllowedHostsOriginValidator`` (``coachsite/asgi.py``) refuses the handshake.
"""

from __future__ import annotations

import json
import logging
from enum import IntEnum
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from .access import is_participant
from .groups import session_group

log = logging.getLogger(__name__)


class CloseCode(IntEnum):
    """The close codes this consumer sends."""

    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    FRAME_TOO_LARGE = 4413


class SessionEventsConsumer(AsyncWebsocketConsumer):
    """``ws/sessions/<session_id>/``: forwards every envelope broadcast to the session's group.

    The user (``scope["user"]``, from the session cookie) is checked once, at
    connect, before the socket joins any group; nothing is re-checked per
    event. The stream is server-to-client: client frames are ignored, and one
    above ``settings.MAX_WS_FRAME_BYTES`` closes the socket.
    """

    group: str | None = None

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        # Channels' base joins `self.groups` before `connect()`; the check must come first.
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        user = self.scope.get("user")
        if not await is_participant(user, session_id):
            code = (
                CloseCode.FORBIDDEN
                if getattr(user, "is_authenticated", False)
                else CloseCode.UNAUTHENTICATED
            )
            log.info("refused ws for session %s: %s", session_id, code.name)
            await self.accept()
            await self.close(code=int(code))  # autobahn wants a plain int
            return
        self.group = session_group(session_id)
        # Join before accepting: once the client's handshake completes it cannot
        # miss an event sent to the group.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await super().websocket_disconnect(message)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        text: str | None = message.get("text")
        size = (
            len(text.encode()) if text is not None else len(message.get("bytes") or b"")
        )
        if size > settings.MAX_WS_FRAME_BYTES:
            log.warning(
                "closing ws of group %s: client frame of %d bytes", self.group, size
            )
            await self.close(code=int(CloseCode.FRAME_TOO_LARGE))
        # Server-to-client only: any other client frame is ignored.

    async def contracts_event(self, event: dict[str, Any]) -> None:
        """Handler of ``{"type": "contracts.event", "envelope": {...}}`` group messages.

        The envelope was validated in producer mode by ``channels.broadcast``; it
        goes out unchanged, one envelope per text frame.
        """
        await self.send(text_data=json.dumps(event["envelope"]))
