"""``ContractsConsumer``: the Channels consumer base (imported lazily by ``channels``)."""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from asgiref.typing import WebSocketConnectEvent, WebSocketDisconnectEvent, WebSocketReceiveEvent
from channels.exceptions import AcceptConnection, DenyConnection, InvalidChannelLayerError
from channels.generic.websocket import AsyncWebsocketConsumer

from . import CONTRACTS_VERSION, rollout
from ._errors import UnsupportedVersionError
from .protocols import SUBPROTOCOL_PREFIX, CloseCode, choose_version

__all__ = ["ContractsConsumer"]

log = logging.getLogger("coach_app_baml_client.channels")

# RFC 6455: the reason of a close frame is at most 123 bytes of UTF-8.
MAX_CLOSE_REASON_BYTES = 123


class ContractsConsumer(AsyncWebsocketConsumer):
    """A Channels WebSocket consumer that sends each client envelopes in the version it speaks.

    Subclass it as you would ``AsyncWebsocketConsumer``: set Channels'
    ``groups``, or join groups yourself in :meth:`connect` with
    :meth:`join`, and send envelopes to them with
    :func:`coach_app_baml_client.channels.broadcast`. On connect, in this
    order, before joining any group:

    1. :meth:`authorize` (yours; allows everyone by default). Refused: the
       socket is accepted and closed at once with 4401 (``scope["user"]`` is
       missing or not authenticated) or 4403, so that browsers see the code.
    2. The version: the client's ``coach-contracts.<version>`` subprotocol
       (:func:`~coach_app_baml_client.protocols.choose_version`). A current or
       newer client of this MAJOR is served :data:`CONTRACTS_VERSION`, an
       older one a released version from the shipped history, one that
       announces nothing :data:`CONTRACTS_VERSION`. A version that cannot be
       served is accepted (echoing its subprotocol, which browsers require)
       and closed at once with 4406, with a reason naming the served versions.
    3. ``groups`` are joined, then :meth:`connect` runs (by default it
       accepts, echoing the chosen subprotocol).

    Every envelope broadcast to a group reaches each socket in its version:
    unchanged for sockets of the broadcast's version, downgraded once per
    distinct version per broadcast for older ones; one the older version
    cannot carry (a new event type, a new enum value, …) is not sent to those
    sockets, and is counted (:func:`~coach_app_baml_client.rollout.skipped_frames`)
    and logged with the rule id and the version. Open sockets per version:
    :func:`~coach_app_baml_client.rollout.connected_versions`.

    The stream is server-to-client by default: a client frame above
    :attr:`max_frame_bytes` closes the socket with 4413, others go to
    Channels' ``receive`` (which ignores them unless you override it). Close
    codes: :class:`~coach_app_baml_client.protocols.CloseCode`.

    Example (the Django example's ``summaries/consumers.py``)::

        class SessionEventsConsumer(ContractsConsumer):
            async def authorize(self) -> bool:
                self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
                return await is_participant(self.scope["user"], self.session_id)

            async def connect(self) -> None:
                await self.join(f"session.{self.session_id}")
                await self.accept()
    """

    max_frame_bytes: ClassVar[int] = 64 * 1024
    """The largest client frame accepted, in UTF-8 bytes; above it the socket is closed (4413)."""

    contracts_version: str = CONTRACTS_VERSION
    """The contracts version this socket speaks (set on connect)."""

    contracts_subprotocol: str | None = None
    """The subprotocol echoed in the handshake, ``None`` when the client offered none."""

    _counted: bool = False

    async def authorize(self) -> bool:
        """Whether this connection may proceed; runs once, on connect, before any group is joined.

        Override it with your checks (``self.scope["user"]``, the URL's
        kwargs, ...). Nothing is re-checked per event. Returning ``False``
        closes the socket with 4401 when ``scope["user"]`` is absent or not
        authenticated, else 4403.
        """
        return True

    async def join(self, group: str) -> None:
        """Join ``group`` and leave it on disconnect (adds it to ``groups``)."""
        self.groups = [*self.groups, group]  # a class-level list stays untouched
        await self.channel_layer.group_add(group, self.channel_name)

    async def websocket_connect(self, message: WebSocketConnectEvent) -> None:
        """Authorize, choose the version, join ``groups``, then :meth:`connect`."""
        if not await self.authorize():
            user = self.scope.get("user")
            code = (
                CloseCode.FORBIDDEN
                if getattr(user, "is_authenticated", False)
                else CloseCode.UNAUTHENTICATED
            )
            log.info("refused %s: %s", self.scope.get("path"), code.name)
            await self._accept_and_close(self._offered_subprotocol(), code, code.name.lower())
            return
        try:
            choice = choose_version(self.scope.get("subprotocols") or ())
        except UnsupportedVersionError as err:
            log.info(
                "closing a contracts %s client with %d: %s",
                err.announced,
                CloseCode.UNSUPPORTED_VERSION,
                err,
                extra={"contracts_version": err.announced},
            )
            await self._accept_and_close(
                self._offered_subprotocol(), CloseCode.UNSUPPORTED_VERSION, str(err)
            )
            return
        if choice is not None:
            self.contracts_subprotocol, self.contracts_version = choice
        try:
            for group in self.groups:
                await self.channel_layer.group_add(group, self.channel_name)
        except AttributeError as err:
            raise InvalidChannelLayerError(
                "the channel layer is not configured or does not support groups"
            ) from err
        try:
            await self.connect()
        except AcceptConnection:
            await self.accept()
        except DenyConnection:
            await self.close()

    async def accept(
        self, subprotocol: str | None = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Accept the handshake, echoing the chosen subprotocol unless ``subprotocol`` is given."""
        await super().accept(subprotocol or self.contracts_subprotocol, headers)
        if not self._counted:
            self._counted = True
            rollout.socket_opened(self.contracts_version)

    async def websocket_disconnect(self, message: WebSocketDisconnectEvent) -> None:
        """Leave the groups and uncount the socket, then Channels' ``disconnect``."""
        if self._counted:
            self._counted = False
            rollout.socket_closed(self.contracts_version)
        await super().websocket_disconnect(message)

    async def websocket_receive(self, message: WebSocketReceiveEvent) -> None:
        """Close with 4413 above :attr:`max_frame_bytes`; pass other frames to ``receive``."""
        size = _frame_size(message, self.max_frame_bytes)
        if size > self.max_frame_bytes:
            log.warning(
                "closing a contracts %s client with %d: it sent a frame of %d bytes (limit %d)",
                self.contracts_version,
                CloseCode.FRAME_TOO_LARGE,
                size,
                self.max_frame_bytes,
                extra={"contracts_version": self.contracts_version},
            )
            await self.close(int(CloseCode.FRAME_TOO_LARGE))
            return
        await super().websocket_receive(message)

    async def contracts_event(self, event: dict[str, Any]) -> None:
        """Handler of the group messages of :func:`~coach_app_baml_client.channels.broadcast`.

        Sends the validated envelope text as one text frame: unchanged for
        this socket's version, downgraded for an older one, nothing when that
        version cannot carry it. A message in the shape of earlier releases
        (``{"envelope": <dict>}``, from backend processes not yet upgraded
        during a deploy) is sent as its JSON.
        """
        text, version = _message_text(event)
        if text is None:
            log.error("dropped a %r group message without text or envelope", event.get("type"))
            return
        frame = rollout.frame_for(text, version, self.contracts_version)
        if frame is not None:
            await self.send(text_data=frame)

    def _offered_subprotocol(self) -> str | None:
        # Browsers fail a handshake that offered subprotocols and got none back,
        # and would then never see the close code: echo one they offered.
        offered = [p for p in self.scope.get("subprotocols") or () if isinstance(p, str)]
        ours = [p for p in offered if p.startswith(SUBPROTOCOL_PREFIX)]
        return (ours or offered or [None])[0]

    async def _accept_and_close(
        self, subprotocol: str | None, code: CloseCode, reason: str
    ) -> None:
        await super().accept(subprotocol)
        encoded = reason.encode("utf-8")[:MAX_CLOSE_REASON_BYTES]
        # autobahn (daphne) wants a plain int code.
        await self.close(int(code), encoded.decode("utf-8", "ignore"))


def _frame_size(message: WebSocketReceiveEvent, limit: int) -> int:
    """The frame's size in bytes (UTF-8 for text).

    A text of more than ``limit`` characters is above the limit whatever its
    encoding: its length in characters is returned without encoding it.
    """
    text = message.get("text")
    if text is None:
        return len(message.get("bytes") or b"")
    if len(text) > limit or len(text) * 4 <= limit:  # 1 to 4 bytes per character
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def _message_text(event: dict[str, Any]) -> tuple[str | None, str]:
    """The envelope text of a group message and the version it was validated as."""
    text = event.get("text")
    if isinstance(text, str):
        return text, str(event.get("version") or CONTRACTS_VERSION)
    envelope = event.get("envelope")
    if isinstance(envelope, dict):
        version = envelope.get("contracts_version")
        return json.dumps(envelope), version if isinstance(version, str) else CONTRACTS_VERSION
    return None, CONTRACTS_VERSION
