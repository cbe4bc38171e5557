"""A minimal WebSocket client for the benchmark's receiving side (RFC 6455, text frames in).

``websockets`` costs about 25 µs of CPU per frame received; on the benchmark's two cores
that is a fifth of the machine at 16,000 frames/s, taken from the servers under test. This
client does only what receiving needs: the opening handshake (with ``Cookie`` and
``Origin``), unmasked server frames (text, close, ping), and a masked close or pong back.
No extension is offered (no compression), and a fragmented message (never sent by daphne
for frames this small) closes the connection with 1003.

Each frame goes to ``on_text(payload, received_at)``; frames that arrived in one read share
one ``time.monotonic()`` reading.

>>> frames = []
>>> p = Connection(lambda payload, at: frames.append(payload))
>>> p.handshake_done = True
>>> p.data_received(bytes([0x81, 5]) + b"hello" + bytes([0x81, 126, 0, 3]) + b"abc")
>>> frames
[b'hello', b'abc']
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

__all__ = ["Connection", "HandshakeError", "connect"]

OnText = Callable[[bytes, float], None]
TEXT, CLOSE, PING, PONG, CONTINUATION = 0x1, 0x8, 0x9, 0xA, 0x0


class HandshakeError(ConnectionError):
    """The server did not answer the opening handshake with 101."""


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask): FIN + ``opcode``, ``payload`` up to 125 bytes."""
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + body


class Connection(asyncio.Protocol):
    """One socket: the handshake, then frames to ``on_text``; ``closed`` resolves with the
    close code (1006 when the connection dropped without a close frame)."""

    def __init__(self, on_text: OnText) -> None:
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.handshake_done = False
        self.handshake: asyncio.Future[None] | None = None
        self.closed: asyncio.Future[int] | None = None
        self.buffer = b""
        self.close_code: int | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        loop = asyncio.get_running_loop()
        self.handshake = loop.create_future()
        self.closed = loop.create_future()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        if not self.handshake_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            status = buffer[: buffer.find(b"\r\n")]
            if b" 101 " not in status + b" ":
                self._fail(HandshakeError(status.decode("latin-1")))
                return
            self.handshake_done = True
            if self.handshake is not None and not self.handshake.done():
                self.handshake.set_result(None)
            buffer = buffer[end + 4 :]
        now = time.monotonic()
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            b0, length = buffer[pos], buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = struct.unpack_from("!H", buffer, pos + 2)[0]
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = struct.unpack_from("!Q", buffer, pos + 2)[0]
                head = 10
            if size - pos < head + length:
                break
            opcode = b0 & 0x0F
            payload = buffer[pos + head : pos + head + length]
            pos += head + length
            if opcode == TEXT and b0 & 0x80:
                self.on_text(payload, now)
            elif opcode == PING:
                self._write(_masked(PONG, payload[:125]))
            elif opcode == CLOSE:
                code = (
                    struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else 1005
                )
                self._close(code, echo=True)
                return
            elif opcode != PONG:
                self._close(1003, echo=True)  # fragmented or binary: not expected here
                return
        self.buffer = buffer[pos:]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.handshake is not None and not self.handshake.done():
            self.handshake.set_exception(
                exc or ConnectionError("closed during the handshake")
            )
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(self.close_code or 1006)

    def close(self, code: int = 1000) -> None:
        """Sends a close frame and closes the connection."""
        self._close(code, echo=True)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _close(self, code: int, echo: bool) -> None:
        if self.close_code is None:
            self.close_code = code
            if echo:
                self._write(
                    _masked(CLOSE, struct.pack("!H", 1000 if code >= 3000 else code))
                )
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: Exception) -> None:
        if self.handshake is not None and not self.handshake.done():
            self.handshake.set_exception(error)
        if self.transport is not None:
            self.transport.close()


async def connect(
    url: str, headers: dict[str, str], on_text: OnText, timeout: float = 30.0
) -> Connection:
    """Opens ``ws://host:port/path`` with ``headers`` (``Origin``, ``Cookie``...) and returns
    the connection once the server answered 101; raises :class:`HandshakeError` or
    ``OSError`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "ws" or parts.hostname is None:
        raise ValueError(f"expected ws://host:port/path, got {url!r}")
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {parts.hostname}:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: Connection(on_text), parts.hostname, port),
        timeout,
    )
    assert protocol.transport is not None and protocol.handshake is not None
    protocol.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    try:
        await asyncio.wait_for(protocol.handshake, timeout)
    except BaseException:
        protocol.transport.close()
        raise
    return protocol
