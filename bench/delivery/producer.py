"""The producer of the delivery benchmark: paced broadcasts through the example's channel layer.

Started by ``bench/delivery_bench.py`` as its own process, with the environment of the
example's workers (``DJANGO_SETTINGS_MODULE``, ``REDIS_URL``, ``COACH_CHANNEL_LAYER``), so
``channels.layers.get_channel_layer()`` is the layer the workers use, with the same
configuration. JSON lines on stdin and stdout:

- ``{"cmd": "config", "sessions": [uuid, ...]}``: answers ``{"layer": "<its class>"}``;
- ``{"cmd": "prepare", "rate": R, "duration": D}``: builds ``R * D`` TYPING_INDICATOR
  envelopes (``envelope_json``: built and validated once, as a view would), event ``i`` for
  session ``i % len(sessions)``; answers ``{"ready": n}``;
- ``{"cmd": "go"}``: broadcasts them, event ``i`` at ``t0 + i / R``, each in its own task
  (at most ``MAX_IN_FLIGHT`` at once, below redis-py's pool of 100 connections: past that
  the schedule slips, which the answer shows). Two answers: ``{"sent", "errors",
  "seconds"}`` as soon as the last broadcast returned, then ``{"events": [[event_id, session
  index, scheduled, called, returned], ...], "error": the first error or null}``
  (``time.monotonic()`` seconds; ``called``, when ``broadcast()`` was entered, is the
  origin of the latencies);
- ``{"cmd": "quit"}``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import django

MAX_IN_FLIGHT = 64
LEAD = 0.02  # seconds between "go" and the first event


def typing_payload(session: str) -> dict[str, Any]:
    """A TYPING_INDICATOR payload in ``session`` (as examples/django/tests/delivery.py sends)."""
    return {"thread_id": session, "user_id": str(uuid.uuid4()), "is_typing": True}


@dataclass
class Batch:
    """The envelopes of one step, built before it starts."""

    rate: float
    sessions: list[int]
    groups: list[str]
    envelopes: list[bytes]
    ids: list[str]


def prepare(sessions: list[str], rate: float, duration: float) -> Batch:
    from coach_app_baml_client import envelope_json

    n = max(1, round(rate * duration))
    index = [i % len(sessions) for i in range(n)]
    envelopes = [
        envelope_json("TYPING_INDICATOR", typing_payload(sessions[s])) for s in index
    ]
    return Batch(
        rate=rate,
        sessions=index,
        groups=[f"session.{sessions[s]}" for s in index],
        envelopes=envelopes,
        ids=[json.loads(e)["meta"]["event_id"] for e in envelopes],
    )


async def go(layer: Any, batch: Batch) -> None:
    from coach_app_baml_client.channels import broadcast

    n, rate = len(batch.envelopes), batch.rate
    groups, envelopes = batch.groups, batch.envelopes
    called = [0.0] * n
    returned = [0.0] * n
    errors: list[str] = []
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    clock = time.monotonic

    async def one(i: int) -> None:
        try:
            called[i] = clock()
            await broadcast(layer, groups[i], envelopes[i])
            returned[i] = clock()
        except Exception as err:  # noqa: BLE001  (counted and reported)
            called[i] = 0.0
            errors.append(f"{type(err).__name__}: {err}")
        finally:
            gate.release()

    loop = asyncio.get_running_loop()
    tasks = []
    t0 = clock() + LEAD
    for i in range(n):
        delay = t0 + i / rate - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        tasks.append(loop.create_task(one(i)))
    await asyncio.gather(*tasks)
    seconds = round(clock() - t0, 3)
    answer({"sent": n - len(errors), "errors": len(errors), "seconds": seconds})
    events = [
        [batch.ids[i], batch.sessions[i], t0 + i / rate, called[i], returned[i]]
        for i in range(n)
    ]
    answer({"events": events, "error": errors[0] if errors else None})


def answer(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def main() -> None:
    django.setup()
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    sessions: list[str] = []
    batch: Batch | None = None
    while line := await stdin.readline():
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "config":
            sessions = [str(uuid.UUID(s)) for s in command["sessions"]]
            answer({"layer": f"{type(layer).__module__}.{type(layer).__qualname__}"})
        elif cmd == "prepare":
            rate, duration = float(command["rate"]), float(command["duration"])
            batch = prepare(sessions, rate, duration)
            answer({"ready": len(batch.envelopes)})
        elif cmd == "go" and batch is not None:
            await go(layer, batch)
            batch = None
        elif cmd == "quit":
            close = getattr(layer, "close", None) or getattr(layer, "close_pools", None)
            if close is not None:
                await close()
            answer({"quit": True})
            return
        else:
            answer({"error": f"unexpected command {cmd!r}"})


if __name__ == "__main__":
    asyncio.run(main())
