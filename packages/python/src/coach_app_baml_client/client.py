"""A Python client of a contracts WebSocket server that reconnects and misses nothing.

Install the extra: ``pip install "coach-app-baml-client[client]"`` (it brings
``websockets``). The same behaviour as ``connectEnvelopes`` of the npm
package, for Python services and tests:

- it announces this package's contracts version (``coach-contracts.<version>``);
- every frame is validated in consumer mode; valid envelopes are yielded,
  each ``meta.event_id`` once (duplicates are dropped);
- it remembers the last ``meta.position`` it handled per stream and, when the
  socket closes with anything but a refusal (4400, 4401, 4403, 4406, 4413),
  reconnects with jittered exponential backoff (at once after 1012 / 4012) and
  resumes from those positions (``?resume=<stream>:<epoch>:<offset>``);
- a ``STREAM_RESYNC`` envelope (the server could not replay what was missed)
  moves the stream to the position it names and calls ``on_resync``: refetch
  the state there.

::

    async with EventStream(url, headers={"Cookie": cookie}, on_resync=refetch) as events:
        async for envelope in events:
            apply(envelope)
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin, Subprotocol

from . import CONTRACTS_VERSION, EnvelopeValidationError, validate_envelope
from .delivery import ResyncCause, StreamPosition, position_of, resume_query
from .protocols import RECONNECT_AT_ONCE, REFUSALS, contracts_protocols

__all__ = ["ConnectionState", "EventStream", "StreamRefused"]

log = logging.getLogger("coach_app_baml_client.client")

ConnectionState = Literal["connecting", "open", "reconnecting", "closed"]
"""Where an :class:`EventStream` is: ``connecting`` (first attempt), ``open``,
``reconnecting`` (waiting or trying again after a drop), ``closed`` (for good)."""

OnResync = Callable[[StreamPosition, ResyncCause], "Awaitable[None] | None"]
OnInvalid = Callable[[str, EnvelopeValidationError], "Awaitable[None] | None"]


class StreamRefused(ConnectionError):
    """The server refused the stream for good (a close code of :data:`REFUSALS`, or an HTTP
    status in the handshake); ``code`` is the close code (or HTTP status)."""

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(f"the server refused the stream ({code}): {reason or 'no reason given'}")


class EventStream:
    """Envelopes from ``url``, across reconnects, each once and in order per stream.

    ``positions`` seeds the resume positions (from an earlier run); ``headers``
    and ``origin`` go into every handshake (cookies, say). ``backoff`` is the
    first delay after a drop, doubled per failed attempt up to ``max_backoff``
    and jittered by ±50 %; it resets once a connection delivered a frame.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        origin: str | None = None,
        version: str = CONTRACTS_VERSION,
        positions: Mapping[str, StreamPosition] | None = None,
        on_resync: OnResync | None = None,
        on_invalid: OnInvalid | None = None,
        backoff: float = 0.25,
        max_backoff: float = 10.0,
        dedupe_window: int = 4096,
        open_timeout: float = 10.0,
    ) -> None:
        if backoff <= 0 or max_backoff < backoff:
            raise ValueError("backoff must be positive and at most max_backoff")
        self.url = url
        self.headers = dict(headers or {})
        self.origin = origin
        self.version = version
        self.positions: dict[str, StreamPosition] = dict(positions or {})
        self.state: ConnectionState = "connecting"
        self.connections = 0
        """How many times a connection was opened."""
        self.duplicates = 0
        """Envelopes dropped because their ``meta.event_id`` was handled already."""
        self.resyncs: list[tuple[StreamPosition, ResyncCause]] = []
        """Every ``STREAM_RESYNC`` received, in order."""
        self.close_codes: list[int] = []
        """The close code of every connection that ended."""
        self._on_resync = on_resync
        self._on_invalid = on_invalid
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._open_timeout = open_timeout
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedupe_window = dedupe_window
        self._socket: ClientConnection | None = None
        self._closing = False

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Closes the connection; the iteration ends."""
        self._closing = True
        self.state = "closed"
        if self._socket is not None:
            await self._socket.close()

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._envelopes()

    def resume_url(self) -> str:
        """``url`` with the ``resume`` parameters of the positions handled so far."""
        if not self.positions:
            return self.url
        parts = urlsplit(self.url)
        query = "&".join(q for q in (parts.query, resume_query(self.positions.values())) if q)
        return urlunsplit(parts._replace(query=query))

    async def _envelopes(self) -> AsyncIterator[dict[str, Any]]:
        delay = self._backoff
        while not self._closing:
            code: int | None = None
            reason = ""
            try:
                async with connect(
                    self.resume_url(),
                    subprotocols=[Subprotocol(p) for p in contracts_protocols(self.version)],
                    additional_headers=self.headers,
                    origin=None if self.origin is None else Origin(self.origin),
                    open_timeout=self._open_timeout,
                    max_size=None,
                ) as socket:
                    self._socket = socket
                    self.connections += 1
                    self.state = "open"
                    try:
                        async for frame in socket:
                            envelope = await self._handle(frame)
                            delay = self._backoff
                            if envelope is not None:
                                yield envelope
                    except ConnectionClosed:
                        pass
                    code = socket.close_code
                    reason = socket.close_reason or ""
            except InvalidStatus as err:
                status = err.response.status_code
                if status in (401, 403):
                    self.state = "closed"
                    raise StreamRefused(status, "refused in the handshake") from err
                log.info("handshake answered %d: retrying", status)
            except (OSError, InvalidHandshake, asyncio.TimeoutError) as err:
                log.info("could not connect (%s): retrying", err)
            finally:
                self._socket = None
            if self._closing:
                break
            if code is not None:
                self.close_codes.append(code)
                if code in REFUSALS:
                    self.state = "closed"
                    raise StreamRefused(code, reason)
            self.state = "reconnecting"
            wait = 0.05 if code in RECONNECT_AT_ONCE else delay
            await asyncio.sleep(wait * (0.5 + random.random()))
            delay = min(delay * 2, self._max_backoff)
        self.state = "closed"

    async def _handle(self, frame: str | bytes) -> dict[str, Any] | None:
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        try:
            validate_envelope(text, mode="consumer")
        except EnvelopeValidationError as err:
            self._advance(_loose_position(text))
            if not any(i.code == "unknown_event_type" for i in err.issues):
                log.warning("invalid frame: %s", err)
                if self._on_invalid is not None:
                    await _call(self._on_invalid(text, err))
            return None
        envelope = cast("dict[str, Any]", json.loads(text))
        if envelope["type"] == "STREAM_RESYNC":
            payload = envelope["payload"]
            position = position_of({"meta": {"position": payload["position"]}})
            assert position is not None
            cause = cast("ResyncCause", payload["cause"])
            self.positions[position.stream] = position
            self.resyncs.append((position, cause))
            if self._on_resync is not None:
                await _call(self._on_resync(position, cause))
            return None
        self._advance(position_of(envelope))
        event_id = envelope["meta"]["event_id"]
        if event_id in self._seen:
            self.duplicates += 1
            return None
        self._seen[event_id] = None
        if len(self._seen) > self._dedupe_window:
            self._seen.popitem(last=False)
        return envelope

    def _advance(self, position: StreamPosition | None) -> None:
        if position is None:
            return
        known = self.positions.get(position.stream)
        if known is None or known.epoch != position.epoch or known.offset < position.offset:
            self.positions[position.stream] = position


def _loose_position(text: str) -> StreamPosition | None:
    """The ``meta.position`` of a frame that is not a valid envelope, when it has one."""
    with contextlib.suppress(ValueError, TypeError, KeyError, AttributeError):
        value = json.loads(text)
        return position_of(value) if isinstance(value, dict) else None
    return None


async def _call(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result
