"""``ContractsConsumer``: the Channels consumer base (imported lazily by ``channels``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar

from asgiref.typing import WebSocketConnectEvent, WebSocketDisconnectEvent, WebSocketReceiveEvent
from channels.exceptions import AcceptConnection, DenyConnection, InvalidChannelLayerError
from channels.generic.websocket import AsyncWebsocketConsumer

from . import CONTRACTS_VERSION, rollout
from ._errors import DeliveryUnavailableError, ResumeError, UnsupportedVersionError
from .delivery import StreamPosition, parse_resume
from .protocols import SUBPROTOCOL_PREFIX, CloseCode, application_twin, choose_version

if TYPE_CHECKING:
    from ._subscription import StreamSubscription

__all__ = ["ContractsConsumer"]

log = logging.getLogger("coach_app_baml_client.channels")

# RFC 6455: the reason of a close frame is at most 123 bytes of UTF-8.
MAX_CLOSE_REASON_BYTES = 123
# How long a socket closed by a shutdown waits for its client's answer.
SHUTDOWN_CLOSE_WAIT = 2.0


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

    With :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`,
    every group is a stream: each frame carries its ``meta.position``, a
    client that reconnects with ``?resume=<stream>:<epoch>:<offset>`` is sent
    every envelope after that position before the live ones (or a
    ``STREAM_RESYNC`` envelope when the history cannot cover the gap), a
    socket that falls ``max_pending_frames`` behind or whose process cannot
    reach Redis for ``unreachable_close_after`` seconds is closed with 1013,
    and a server that shuts down closes its sockets with 1012; both tell the
    client to reconnect and resume (``docs/delivery.md``).

    The stream is server-to-client by default: a client frame above
    :attr:`max_frame_bytes` closes the socket with 4413, others go to
    Channels' ``receive`` (which ignores them unless you override it). Close
    codes: :class:`~coach_app_baml_client.protocols.CloseCode`.

    Example (the Django example's ``summaries/consumers.py``)::

        class SessionEventsConsumer(ContractsConsumer):
            async def authorize(self) -> bool:
                self.session_id = self.url_kwargs["session_id"]
                return await is_participant(self.scope_user, self.session_id)

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

    max_pending_frames: ClassVar[int | None] = None
    """Frames queued for this socket before it is closed with 1013 (the client fell behind);
    ``None``: the layer's ``max_pending_frames``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counted = False
        self._open = False
        self._closing = False
        self._resume: dict[str, StreamPosition] = {}
        self._subscriptions: dict[str, StreamSubscription] = {}
        self._sink = _Sink(self)

    @property
    def url_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the URL route (Channels' ``scope["url_route"]["kwargs"]``);
        empty when the route has none."""
        route = self.scope.get("url_route")
        kwargs = route.get("kwargs") if isinstance(route, dict) else None
        return dict(kwargs) if isinstance(kwargs, dict) else {}

    @property
    def scope_user(self) -> Any:
        """The connection's user (``scope["user"]``, set by Channels' ``AuthMiddlewareStack``),
        ``None`` when no auth middleware runs."""
        return self.scope.get("user")

    async def authorize(self) -> bool:
        """Whether this connection may proceed; runs once, on connect, before any group is joined.

        Override it with your checks (``self.scope["user"]``, the URL's
        kwargs, ...). Nothing is re-checked per event. Returning ``False``
        closes the socket with 4401 when ``scope["user"]`` is absent or not
        authenticated, else 4403.
        """
        return True

    async def join(self, group: str) -> None:
        """Join ``group`` and leave it on disconnect (adds it to ``groups``).

        With a streams layer, this also sends the client what it missed of the
        group's stream since the position it announced (queued until
        :meth:`accept`); raises
        :class:`~coach_app_baml_client.DeliveryUnavailableError` when Redis
        cannot be reached (the socket is then closed with 1013).
        """
        self.groups = [*self.groups, group]  # a class-level list stays untouched
        await self._join(group)

    async def _join(self, group: str) -> None:
        layer = self.channel_layer
        await layer.group_add(group, self.channel_name)
        subscription = getattr(layer, "subscription", None)
        if subscription is None:
            return
        stream: StreamSubscription = subscription(group, self._sink, self._resume.get(group))
        self._subscriptions[group] = stream
        await stream.start()
        self._sink.start()  # sends once the socket is accepted (a join after accept too)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' consumer loop; a server shutting down closes the socket with 1012."""
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            if self._open and not self._closing:
                # The server cancels its applications as it stops: tell the client to
                # reconnect at once (and resume) rather than leave it a bare 1006, and wait
                # (briefly) for its answer, so that the server does not exit before the close
                # frame is out (daphne waits for its cancelled applications).
                with contextlib.suppress(Exception):
                    await _send_close(send, int(CloseCode.SERVICE_RESTART))
                    await asyncio.wait_for(_disconnected(receive), SHUTDOWN_CLOSE_WAIT)
            raise
        finally:
            self._release()

    async def websocket_connect(self, message: WebSocketConnectEvent) -> None:
        """Authorize, choose the version, join ``groups``, then :meth:`connect`."""
        try:
            self._resume = parse_resume(self.scope.get("query_string", b""))
        except ResumeError as err:
            log.info("refused %s: %s", self.scope.get("path"), err)
            await self._accept_and_close(
                self._offered_subprotocol(), CloseCode.BAD_REQUEST, str(err)
            )
            return
        if not await self.authorize():
            user = self.scope_user
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
            try:
                for group in self.groups:
                    await self._join(group)
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
        except (DeliveryUnavailableError, ConnectionError, OSError) as err:
            log.warning("closing %s with 1013: %r", self.scope.get("path"), err)
            self._release()
            if self._open:
                self._closing = True
                await _send_close(self.base_send, int(CloseCode.TRY_AGAIN_LATER))
            else:
                await self._accept_and_close(
                    self.contracts_subprotocol or self._offered_subprotocol(),
                    CloseCode.TRY_AGAIN_LATER,
                    "the event stream is unreachable: reconnect",
                )

    async def accept(
        self, subprotocol: str | None = None, headers: list[tuple[str, str]] | None = None
    ) -> None:
        """Accept the handshake, echoing the chosen subprotocol unless ``subprotocol`` is given."""
        await super().accept(subprotocol or self.contracts_subprotocol, headers)
        self._open = True
        if not self._counted:
            self._counted = True
            rollout.socket_opened(self.contracts_version)
        if self._subscriptions:
            self._sink.start()  # what join() queued (a replay) goes first

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close the socket (Channels' ``close``), once."""
        self._closing = True
        await super().close(code, reason)

    async def websocket_disconnect(self, message: WebSocketDisconnectEvent) -> None:
        """Leave the groups and streams and uncount the socket, then Channels' ``disconnect``."""
        self._release()
        await super().websocket_disconnect(message)

    def _release(self) -> None:
        """Leaves the streams, stops sending and uncounts the socket (idempotent)."""
        for stream in self._subscriptions.values():
            stream.close()
        self._subscriptions = {}
        self._sink.stop()
        if self._counted:
            self._counted = False
            rollout.socket_closed(self.contracts_version)

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
        self._closing = True
        # autobahn (daphne) wants a plain int code.
        await _send_close(self.base_send, int(code), reason)


class _Sink:
    """A consumer's side of its stream subscriptions: the frames they queue, sent in order by
    one task once the socket is accepted, bounded by ``max_pending_frames`` (the
    subscriptions call :meth:`send_frame` and :meth:`close_socket`)."""

    def __init__(self, consumer: ContractsConsumer) -> None:
        self._consumer = consumer
        self._frames: deque[str] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def contracts_version(self) -> str:
        """The version the socket speaks."""
        return self._consumer.contracts_version

    def send_frame(self, frame: str) -> bool:
        """Queues ``frame``; ``False`` when the socket is closing (it fell behind, say)."""
        consumer = self._consumer
        if consumer._closing:
            return False
        if len(self._frames) >= self._limit():
            self.close_socket(int(CloseCode.TRY_AGAIN_LATER), "fell behind: reconnect")
            return False
        self._frames.append(frame)
        self._wake.set()
        return True

    def close_socket(self, code: int, reason: str) -> None:
        """Closes the socket soon with ``code`` (once): its client reconnects and resumes."""
        consumer = self._consumer
        if consumer._closing:
            return
        consumer._closing = True
        self._frames.clear()
        log.info(
            "closing a contracts %s client with %d: %s", consumer.contracts_version, code, reason
        )
        task = asyncio.get_running_loop().create_task(_send_close(consumer.base_send, code, reason))
        task.add_done_callback(_log_failure)

    def start(self) -> None:
        """Starts sending, once the socket is accepted."""
        if self._task is None and self._consumer._open:
            self._task = asyncio.get_running_loop().create_task(self._send())
            self._wake.set()

    def stop(self) -> None:
        """Stops sending (the socket is gone)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _limit(self) -> int:
        consumer = self._consumer
        if consumer.max_pending_frames is not None:
            return consumer.max_pending_frames
        settings = getattr(consumer.channel_layer, "settings", None)
        return int(getattr(settings, "max_pending_frames", 2048))

    async def _send(self) -> None:
        frames, wake, consumer = self._frames, self._wake, self._consumer
        while True:
            await wake.wait()
            wake.clear()
            while frames and not consumer._closing:
                await consumer.send(text_data=frames.popleft())


async def _disconnected(receive: Any) -> None:
    """Until the server reports the socket closed (the client answered the close frame)."""
    while (await receive()).get("type") != "websocket.disconnect":
        pass


async def _send_close(send: Any, code: int, reason: str = "") -> None:
    """Sends a close frame with ``code``, or with its 4xxx twin where the server refuses
    ``code`` from applications (daphne accepts only 1000 and 3000-4999)."""
    encoded = reason.encode("utf-8")[:MAX_CLOSE_REASON_BYTES].decode("utf-8", "ignore")
    try:
        await send({"type": "websocket.close", "code": code, "reason": encoded})
    except Exception:  # noqa: BLE001  (autobahn raises a bare Exception for the code)
        twin = application_twin(code)
        if twin == code:
            raise
        await send({"type": "websocket.close", "code": twin, "reason": encoded})


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("could not close a socket: %s", task.exception())


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
