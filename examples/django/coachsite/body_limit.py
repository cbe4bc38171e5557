"""ASGI middleware: an HTTP request body larger than a limit is answered 413 before Django reads it.

Django's ASGI handler spools the whole body (to disk above
``FILE_UPLOAD_MAX_MEMORY_SIZE``) before any view runs, and
``DATA_UPLOAD_MAX_MEMORY_SIZE`` is only checked afterwards. This middleware
refuses a declared ``Content-Length`` above the limit without reading the body,
and stops reading a body without one (chunked) as soon as it grows past the
limit. Put the same limit in front of the server too (nginx
``client_max_body_size``): daphne itself buffers a request before the
application sees it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodySizeLimit:
    """Wraps an ASGI app; HTTP bodies above ``max_bytes`` get 413, other scopes pass through."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared == -1:
            await _refuse(send, 400, "Content-Length must be one non-negative integer")
            return
        if declared is not None and declared > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; there is no one to answer
            body: bytes = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, send: Send) -> None:
        await _refuse(
            send,
            413,
            f"the request body is larger than {self.max_bytes} bytes; send less",
        )


def _content_length(scope: Scope) -> int | None:
    """The declared body size; None when absent, -1 when malformed or repeated."""
    values = [v for k, v in scope.get("headers", []) if k.lower() == b"content-length"]
    if not values:
        return None
    if len(values) > 1 or not values[0].isdigit():
        return -1
    return int(values[0])


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then defers to the server."""
    pending: list[Message] = [
        {"type": "http.request", "body": body, "more_body": False}
    ]

    async def replayed() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replayed


async def _refuse(send: Send, status: int, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
