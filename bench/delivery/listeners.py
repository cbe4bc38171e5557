"""The client side of the delivery benchmark: many WebSocket clients in one asyncio process.

Started by ``bench/delivery_bench.py`` as its own process (so its CPU is measured apart from
the servers'). It speaks JSON lines: one command on stdin, one answer on stdout.

- ``{"cmd": "open", "sockets": [{"url", "origin"}, ...], "cookie": "...", "client": "raw" |
  "websockets"}``: connects every socket that is not open (25 handshakes at a time), with
  bench/delivery/rawws.py (``raw``, a few µs per frame) or the ``websockets`` library;
  answers ``{"open": n, "failed": {...}, "seconds": s}``. Later ``open`` commands (without
  ``sockets``) reopen the sockets that closed;
- ``{"cmd": "begin"}``: forgets what was recorded; answers ``{"open": [indexes of open sockets]}``;
- ``{"cmd": "count"}``: ``{"frames": frames since begin, "last": monotonic time of the last,
  "now": monotonic time}``;
- ``{"cmd": "end"}``: ``{"frames": {event_id: [[socket, monotonic time], ...]}, "closed":
  {socket: close code}, "unparsed": n}``;
- ``{"cmd": "quit"}``.

Per frame it takes the receive time and cuts ``meta.event_id`` out of the text (no JSON
parsing: the client must cost little next to the servers). Times are ``time.monotonic()``,
the clock the producer uses too (one system-wide clock on Linux).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import rawws  # bench/delivery/rawws.py (this script's directory is on sys.path)

EVENT_ID = b'"event_id":"'
CONNECT_CONCURRENCY = 25
CONNECT_ATTEMPTS = 3


class Listeners:
    """The sockets, and what they received since the last ``begin``."""

    def __init__(self) -> None:
        self.sockets: list[dict[str, str]] = []
        self.cookie = ""
        self.client = "raw"
        self.connections: dict[int, Any] = {}
        self.frames: dict[str, list[tuple[int, float]]] = {}
        self.count = 0
        self.last = 0.0
        self.unparsed = 0
        self.closed: dict[int, int | None] = {}

    def record(self, index: int, payload: bytes, at: float) -> None:
        """One text frame received on socket ``index`` at ``at``."""
        self.count += 1
        self.last = at
        start = payload.find(EVENT_ID)
        if start < 0:
            self.unparsed += 1
            return
        event_id = payload[start + 12 : start + 48].decode()
        got = self.frames.get(event_id)
        if got is None:
            self.frames[event_id] = [(index, at)]
        else:
            got.append((index, at))

    def gone(self, index: int, code: int | None) -> None:
        self.connections.pop(index, None)
        self.closed[index] = code

    async def open(self) -> dict[str, Any]:
        started = time.monotonic()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
        failed: dict[int, str] = {}
        opener = self._open_raw if self.client == "raw" else self._open_websockets

        async def one(index: int) -> None:
            async with gate:
                for attempt in range(CONNECT_ATTEMPTS):
                    try:
                        await opener(index)
                    except Exception as err:  # noqa: BLE001  (reported, retried)
                        failed[index] = f"{type(err).__name__}: {err}"
                        await asyncio.sleep(0.2 * (attempt + 1))
                        continue
                    failed.pop(index, None)
                    self.closed.pop(index, None)
                    return

        todo = [i for i in range(len(self.sockets)) if i not in self.connections]
        await asyncio.gather(*(one(i) for i in todo))
        return {
            "open": len(self.connections),
            "failed": failed,
            "seconds": round(time.monotonic() - started, 3),
        }

    async def _open_raw(self, index: int) -> None:
        socket = self.sockets[index]
        headers = {"Origin": socket["origin"], "Cookie": self.cookie}

        def on_text(payload: bytes, at: float) -> None:
            self.record(index, payload, at)

        conn = await rawws.connect(socket["url"], headers, on_text)
        self.connections[index] = conn
        assert conn.closed is not None
        conn.closed.add_done_callback(lambda f: self.gone(index, f.result()))

    async def _open_websockets(self, index: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Origin

        socket = self.sockets[index]
        ws = await connect(
            socket["url"],
            additional_headers={"Cookie": self.cookie},
            origin=Origin(socket["origin"]),
            compression=None,
            ping_interval=None,
            open_timeout=30,
            max_queue=None,
        )
        self.connections[index] = ws
        asyncio.get_running_loop().create_task(self._read_websockets(index, ws))

    async def _read_websockets(self, index: int, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        clock = time.monotonic
        try:
            async for message in ws:
                text = message.encode() if isinstance(message, str) else message
                self.record(index, text, clock())
        except ConnectionClosed:
            pass
        finally:
            self.gone(index, ws.close_code)

    def begin(self) -> dict[str, Any]:
        self.frames, self.count, self.unparsed = {}, 0, 0
        self.closed = {}
        return {"open": sorted(self.connections)}

    def end(self) -> dict[str, Any]:
        frames, self.frames = self.frames, {}
        return {"frames": frames, "closed": self.closed, "unparsed": self.unparsed}

    async def close(self) -> None:
        connections = list(self.connections.values())
        if self.client == "raw":
            for conn in connections:
                conn.close()
            await asyncio.sleep(0.2)
        else:
            await asyncio.gather(
                *(ws.close() for ws in connections), return_exceptions=True
            )


async def main() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    listeners = Listeners()

    def answer(value: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(value, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    while line := await stdin.readline():
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "open":
            if "sockets" in command:
                listeners.sockets = command["sockets"]
                listeners.cookie = command["cookie"]
                listeners.client = command.get("client", "raw")
            answer(await listeners.open())
        elif cmd == "begin":
            answer(listeners.begin())
        elif cmd == "count":
            now = time.monotonic()
            answer({"frames": listeners.count, "last": listeners.last, "now": now})
        elif cmd == "end":
            answer(listeners.end())
        elif cmd == "quit":
            await listeners.close()
            answer({"quit": True})
            return
        else:
            answer({"error": f"unknown command {cmd!r}"})


if __name__ == "__main__":
    asyncio.run(main())
