"""A small cluster for delivery tests: a Redis that can be stopped, killed and wiped, ASGI
workers (daphne or uvicorn) that can be SIGKILLed and restarted, and many clients that count
exactly what each one received.

Everything listens on loopback. Publishing goes through the same
``broadcast`` the views call, from this process, with its own
``RedisStreamsChannelLayer`` (as a second backend process would); the
outbox tests post over HTTP instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coach_app_baml_client import envelope_json
from coach_app_baml_client.channels import broadcast
from coach_app_baml_client.client import EventStream
from coach_app_baml_client.delivery import ResyncCause, StreamPosition
from coach_app_baml_client.layers import RedisStreamsChannelLayer
from conftest import django_env
from asgi_workers import Kind, Worker

import services  # tools/services.py (on the path through pytest.ini)


@dataclass
class Cluster:
    """Redis, the workers, the producer's layer, and what was published per stream."""

    redis: services.ManagedRedis
    workers: list[Worker]
    layer: RedisStreamsChannelLayer
    published: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    """The event ids broadcast per stream, in stream order."""
    positions: dict[str, list[StreamPosition]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Their positions, in the same order."""

    def published_after(self, group: str, position: StreamPosition) -> list[str]:
        """The event ids broadcast to ``group`` after ``position`` (in its epoch)."""
        return [
            event_id
            for event_id, at in zip(self.published[group], self.positions[group])
            if at.epoch == position.epoch and at.offset > position.offset
        ]

    async def publish(self, session: uuid.UUID, n: int = 1) -> list[StreamPosition]:
        """Broadcasts ``n`` typing indicators to ``session``'s group, one after another."""
        group = f"session.{session}"
        positions = []
        for _ in range(n):
            envelope = envelope_json("TYPING_INDICATOR", typing_payload(session))
            position = await broadcast(self.layer, group, envelope)
            assert position is not None
            self.published[group].append(_event_id(envelope))
            self.positions[group].append(position)
            positions.append(position)
        return positions


def typing_payload(session: uuid.UUID) -> dict[str, Any]:
    return {"thread_id": str(session), "user_id": str(uuid.uuid4()), "is_typing": True}


def _event_id(envelope: bytes) -> str:
    import json

    return str(json.loads(envelope)["meta"]["event_id"])


@contextlib.contextmanager
def cluster(
    service_env: dict[str, str],
    logs: Path,
    kinds: tuple[Kind, ...] = ("daphne", "uvicorn"),
    persistent: bool = True,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """A Redis of its own, the example on ``kinds`` workers sharing it, and a producer layer."""
    with services.ManagedRedis(persistent=persistent) as redis:
        env = {
            **os.environ,
            **service_env,
            **django_env(),
            "REDIS_URL": redis.url,
            "COACH_OUTBOX_RELAY": "1",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        workers = [
            Worker(kind, env, logs / f"{kind}-{i}.log") for i, kind in enumerate(kinds)
        ]
        try:
            for worker in workers:
                worker.start()
            # The producer trims the streams: it has the workers' history settings.
            layer = RedisStreamsChannelLayer(
                hosts=[redis.url],
                publish_timeout=5.0,
                history_size=int(env.get("COACH_HISTORY_SIZE", 500)),
            )
            yield Cluster(redis, workers, layer)
        finally:
            for worker in workers:
                worker.stop()


@dataclass
class Client:
    """One socket's worth of events: what it received per stream, in order."""

    stream: EventStream
    group: str
    received: list[str] = field(default_factory=list)
    resync_marks: list[int] = field(default_factory=list)
    """How many envelopes had been received when each resync arrived."""
    task: asyncio.Task[None] | None = None
    error: BaseException | None = None

    @property
    def resyncs(self) -> list[tuple[StreamPosition, ResyncCause]]:
        return self.stream.resyncs

    def reopen(self) -> None:
        """A new connection from the last positions handled (the old one was closed)."""
        old = self.stream
        self.stream = EventStream(
            old.url,
            headers=old.headers,
            origin=old.origin,
            positions=old.positions,
            on_resync=self.on_resync,
            backoff=0.2,
            max_backoff=2.0,
        )
        self.stream.resyncs[:0] = old.resyncs
        self.stream.connections = old.connections
        self.stream.close_codes[:0] = old.close_codes
        self.task = asyncio.get_running_loop().create_task(self.run())

    def on_resync(self, position: StreamPosition, cause: ResyncCause) -> None:
        self.resync_marks.append(len(self.received))

    async def run(self) -> None:
        try:
            async for envelope in self.stream:
                self.received.append(envelope["meta"]["event_id"])
        except BaseException as err:  # noqa: BLE001  (kept for the assertion message)
            self.error = err


def open_clients(
    cluster: Cluster,
    sessions: list[uuid.UUID],
    per_session: int,
    cookie: str,
    origin: str | None = None,
) -> list[Client]:
    """``per_session`` clients per session, spread over the workers round robin (``origin``:
    the page's, the first worker's by default)."""
    origin = origin or cluster.workers[0].http_url
    clients = []
    for i in range(per_session * len(sessions)):
        session = sessions[i % len(sessions)]
        worker = cluster.workers[i % len(cluster.workers)]
        client = Client(EventStream(""), f"session.{session}")
        client.stream = EventStream(
            f"{worker.ws_url}/ws/sessions/{session}/",
            headers={"Cookie": cookie},
            origin=origin,
            on_resync=client.on_resync,
            backoff=0.2,
            max_backoff=2.0,
        )
        client.task = asyncio.get_running_loop().create_task(client.run())
        clients.append(client)
    return clients


async def wait_open(clients: list[Client], timeout: float = 30.0) -> None:
    """Until every client's socket is open (and has joined its stream)."""
    deadline = time.monotonic() + timeout
    while any(c.stream.state != "open" for c in clients):
        if time.monotonic() > deadline:
            states = {c.stream.state for c in clients}
            raise AssertionError(f"clients not open within {timeout} s: {states}")
        await asyncio.sleep(0.05)


async def wait_delivered(
    cluster: Cluster, clients: list[Client], timeout: float = 30.0
) -> None:
    """Until every client received everything published to its stream (or timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(c.received) >= len(cluster.published[c.group]) for c in clients):
            return
        await asyncio.sleep(0.05)


async def close_all(clients: list[Client]) -> None:
    for client in clients:
        await client.stream.close()
    for client in clients:
        if client.task is not None:
            client.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await client.task


def lost_or_duplicated(cluster: Cluster, clients: list[Client]) -> list[str]:
    """One line per client whose events are not exactly the published ones, in order."""
    problems = []
    for i, client in enumerate(clients):
        expected = cluster.published[client.group]
        if client.received != expected:
            missing = len(set(expected) - set(client.received))
            extra = len(client.received) - len(set(client.received))
            problems.append(
                f"client {i} ({client.group}): {len(client.received)} received of "
                f"{len(expected)}, {missing} missing, {extra} duplicated, "
                f"in order: {client.received == sorted(client.received, key=expected.index) if not missing else '-'}"
                f", resyncs {client.resyncs}, closes {client.stream.close_codes}, error {client.error!r}"
            )
    return problems
