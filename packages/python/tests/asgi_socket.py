"""A WebSocket client of an ASGI app, for the tests that drive the real ContractsConsumer.

channels.testing's WebsocketCommunicator needs daphne; asgiref's
ApplicationCommunicator does not. Import after ``pytest.importorskip("channels")``.
"""

from __future__ import annotations

from typing import Any

from asgiref.testing import ApplicationCommunicator


class Socket(ApplicationCommunicator):  # type: ignore[misc]
    """A WebSocket client of an ASGI app: the handshake; test modules add what they read."""

    async def connect(self) -> tuple[bool, Any]:
        """``(True, subprotocol)`` when accepted, ``(False, code)`` when refused."""
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(5)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        assert response["type"] == "websocket.accept", response
        return True, response.get("subprotocol")

    async def disconnect(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)
