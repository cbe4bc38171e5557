"""WebSocket side: a client subscribes to one session and receives its envelopes."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .groups import session_group


class SessionEventsConsumer(AsyncJsonWebsocketConsumer):
    """``ws/sessions/<session_id>/``: forwards every envelope broadcast to the session's group.

    A real deployment authenticates the user and checks that they belong to the
    session before ``group_add``; this example has no auth.
    """

    group: str

    async def connect(self) -> None:
        self.group = session_group(self.scope["url_route"]["kwargs"]["session_id"])
        # Join before accepting: once the client's handshake completes it cannot
        # miss an event sent to the group.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Server-to-client only; ignore anything the client sends.
        return None

    async def contracts_event(self, event: dict[str, Any]) -> None:
        """Handler of ``{"type": "contracts.event", "envelope": {...}}`` group messages.

        The envelope was validated in producer mode by ``channels.broadcast``; it
        goes out unchanged, one envelope per text frame.
        """
        await self.send_json(event["envelope"])
