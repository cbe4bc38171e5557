"""Exact delivery under faults: two ASGI workers (daphne and uvicorn) sharing one real Redis.

A table of fault cases. Each opens ``SESSIONS`` × ``PER_SESSION`` clients
(``coach_app_baml_client.client.EventStream``, which reconnects and resumes),
spread over both workers, runs its fault while a producer broadcasts, and then
counts, per client, what it received: every client that resumed within the
history window has every envelope of its stream exactly once, in order; every
other client got ``STREAM_RESYNC`` with the expected cause; no socket is deaf
(the last envelopes are published after every fault). The outcome of each case
is written to ``docs/delivery.md``'s fault table.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from coach_app_baml_client import DeliveryUnavailableError
from conftest import create_login
from delivery import (
    Client,
    Cluster,
    close_all,
    cluster,
    lost_or_duplicated,
    open_clients,
    wait_delivered,
    wait_open,
)

DAPHNE_CANCELLED = (
    "pending application instances"  # daphne's log line as it cancels them
)
OUTCOMES = Path(__file__).resolve().parents[3] / "dist" / "delivery-faults.json"
SESSIONS = 6
PER_SESSION = 5
HISTORY_SIZE = 60
OUTAGE_CLOSE_SECONDS = 4
BEFORE, AFTER = 4, 4


@dataclass
class Run:
    """What a case works with."""

    cluster: Cluster
    sessions: list[uuid.UUID]
    clients: list[Client]
    cookie: str
    origin: str
    daphne_cancelled: bool = False
    """Whether daphne's shutdown cancelled its applications (see ``graceful_close``)."""

    async def publish_all(self, n: int) -> None:
        for session in self.sessions:
            await self.cluster.publish(session, n)

    async def publish_retrying(self, n: int, deadline: float = 30.0) -> int:
        """Publishes ``n`` per session, retrying each while Redis is unreachable (as the
        outbox relay does); returns how many attempts failed."""
        failures = 0
        end = time.monotonic() + deadline
        for session in self.sessions:
            for _ in range(n):
                while True:
                    try:
                        await self.cluster.publish(session, 1)
                        break
                    except DeliveryUnavailableError:
                        failures += 1
                        assert time.monotonic() < end, "Redis did not come back"
                        await asyncio.sleep(0.1)
        return failures


Case = Callable[[Run], Awaitable[None]]


async def worker_killed(run: Run) -> None:
    await run.publish_all(BEFORE)
    run.cluster.workers[0].kill()
    await run.publish_all(10)
    await asyncio.sleep(1.0)  # its clients retry meanwhile
    run.cluster.workers[0].start()


async def workers_stopped_gracefully(run: Run) -> None:
    await run.publish_all(BEFORE)
    for worker in run.cluster.workers:  # daphne, then uvicorn: a rolling restart
        before = worker.log.read_text().count(DAPHNE_CANCELLED)
        worker.stop()
        run.daphne_cancelled |= worker.log.read_text().count(DAPHNE_CANCELLED) > before
        await run.publish_all(5)
        worker.start()
        await wait_open(run.clients)


def graceful_close(run: Run, i: int) -> int:
    """uvicorn sends 1012 itself. daphne refuses 1012 from applications, so the consumer sends
    its twin 4012, unless daphne's shutdown failed before cancelling its applications (daphne
    4.2.3 raises KeyError there when a connection closed before its application started, in
    the second before): then its sockets just drop (1006). Either way nothing is lost."""
    if i % 2:
        return 1012
    return 4012 if run.daphne_cancelled else 1006


async def redis_restarted_at_once(run: Run) -> None:
    await run.publish_all(BEFORE)
    run.cluster.redis.stop()
    run.cluster.redis.start()
    await run.publish_retrying(10)


async def redis_down_2s(run: Run) -> None:
    await run.publish_all(BEFORE)
    run.cluster.redis.stop()
    failed = asyncio.create_task(run.publish_retrying(10))
    await asyncio.sleep(2.0)
    run.cluster.redis.start()
    assert await failed > 0, "publishing should have failed while Redis was down"


async def redis_down_beyond_outage_limit(run: Run) -> None:
    await run.publish_all(BEFORE)
    run.cluster.redis.stop()
    await asyncio.sleep(OUTAGE_CLOSE_SECONDS + 1.5)  # every socket is closed with 1013
    run.cluster.redis.start()
    await run.publish_retrying(10)


async def epoch_changed(run: Run) -> None:
    await run.publish_all(BEFORE)
    await wait_delivered(run.cluster, run.clients)
    run.cluster.redis.kill()
    run.cluster.redis.wipe()  # a Redis without persistence comes back empty
    run.cluster.redis.start()
    await asyncio.sleep(1.0)
    await run.publish_retrying(10)


async def burst_above_old_capacity(run: Run) -> None:
    # 1,500 broadcasts as fast as one producer goes: 7,500 frames to 30 sockets, where
    # channels_redis dropped above ~300 broadcasts/s (capacity 100 per channel).
    await run.publish_all(250)


async def quiet_period(run: Run) -> None:
    await run.publish_all(BEFORE)
    await asyncio.sleep(
        12.0
    )  # longer than redis-py's 5 s socket timeout and any blocking read
    assert all(c.stream.connections == 1 for c in run.clients), (
        "a quiet period closed sockets"
    )


async def client_offline_10s(run: Run) -> None:
    await run.publish_all(BEFORE)
    await wait_delivered(run.cluster, run.clients)
    offline = run.clients[::3]
    await pause(run, offline, run.publish_all(10), seconds=10.0)


async def position_out_of_history(run: Run) -> None:
    await run.publish_all(BEFORE)
    await wait_delivered(run.cluster, run.clients)
    await pause(run, run.clients[::3], run.publish_all(HISTORY_SIZE + 10))


async def pause(
    run: Run, offline: list[Client], meanwhile: Awaitable[None], seconds: float = 0.0
) -> None:
    """Closes ``offline``'s sockets, runs ``meanwhile``, then reconnects them from their
    last positions (as a tab whose network came back)."""
    for client in offline:
        await client.stream.close()
        assert client.task is not None
        await client.task
    await meanwhile
    await asyncio.sleep(seconds)
    for client in offline:
        client.reopen()


@dataclass(frozen=True)
class Expect:
    """The outcome of a case: ``resync`` is the cause every affected client must get, and
    ``affected`` which clients (``None``: none gets one)."""

    resync: str | None = None
    affected: Callable[[int], bool] = lambda i: True
    reconnected: Callable[[int], bool] | None = None
    first_close: Callable[[Run, int], int | None] | None = None
    """The close code client ``i`` sees first (``None``: its socket is never closed)."""


CASES: dict[str, tuple[Case, Expect]] = {
    "worker SIGKILLed and restarted": (
        worker_killed,
        Expect(
            reconnected=lambda i: i % 2 == 0,
            first_close=lambda run, i: 1006 if i % 2 == 0 else None,
        ),
    ),
    "workers stopped (SIGTERM) and restarted in turn": (
        workers_stopped_gracefully,
        Expect(reconnected=lambda i: True, first_close=graceful_close),
    ),
    "Redis restarted at once": (redis_restarted_at_once, Expect()),
    # Shorter than OUTAGE_CLOSE_SECONDS: the sockets stay open and catch up.
    "Redis down 2 s": (redis_down_2s, Expect(first_close=lambda run, i: None)),
    f"Redis down beyond {OUTAGE_CLOSE_SECONDS} s (sockets closed with 1013)": (
        redis_down_beyond_outage_limit,
        Expect(
            reconnected=lambda i: True,
            first_close=lambda run, i: 4013 if i % 2 == 0 else 1013,
        ),
    ),
    "an epoch change (Redis restarted empty)": (
        epoch_changed,
        Expect(resync="EPOCH_CHANGED"),
    ),
    "a burst of 1,500 broadcasts": (burst_above_old_capacity, Expect()),
    "a quiet period of 12 s": (quiet_period, Expect()),
    "a client offline for 10 s": (client_offline_10s, Expect()),
    "a position that fell out of the history": (
        position_out_of_history,
        Expect(resync="HISTORY_EXPIRED", affected=lambda i: i % 3 == 0),
    ),
}


@pytest.fixture(scope="module")
def running(
    service_env: dict[str, str],
    migrated: None,
    tmp_path_factory: pytest.TempPathFactory,
):
    env = {
        "COACH_HISTORY_SIZE": str(HISTORY_SIZE),
        "COACH_REDIS_OUTAGE_CLOSE_SECONDS": str(OUTAGE_CLOSE_SECONDS),
    }
    with cluster(
        service_env, tmp_path_factory.mktemp("delivery"), extra_env=env
    ) as running:
        yield running


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@pytest.mark.parametrize("name", list(CASES), ids=[_slug(n) for n in CASES])
def test_fault(name: str, running: Cluster, django_orm: None) -> None:
    case, expect = CASES[name]
    sessions = [uuid.uuid4() for _ in range(SESSIONS)]
    participant = create_login(sessions)

    async def scenario() -> list[str]:
        origin = running.workers[0].http_url
        clients = open_clients(
            running, sessions, PER_SESSION, participant.cookie, origin
        )
        run = Run(running, sessions, clients, participant.cookie, origin)
        try:
            await wait_open(clients)
            await case(run)
            await wait_open(clients)
            await run.publish_all(AFTER)  # no socket is deaf after the fault
            await wait_delivered(running, clients)
            record(name, outcome(running, clients))
            return judge(run, expect)
        finally:
            await close_all(clients)

    problems = asyncio.run(scenario())
    assert not problems, f"{name}:\n" + "\n".join(problems)


def judge(run: Run, expect: Expect) -> list[str]:
    """Every client's outcome against the case's expectation."""
    running, clients = run.cluster, run.clients
    problems = []
    exact = []
    for i, client in enumerate(clients):
        causes = [cause for _, cause in client.resyncs]
        wants_resync = expect.resync is not None and expect.affected(i)
        if wants_resync:
            if causes != [expect.resync]:
                problems.append(
                    f"client {i}: resyncs {causes}, expected [{expect.resync}]"
                )
            if client.resync_marks:
                # After the resync: every envelope published after its position, once.
                position = client.resyncs[0][0]
                tail = running.published_after(client.group, position)
                got = client.received[client.resync_marks[0] :]
                if got != tail:
                    problems.append(
                        f"client {i}: after the resync got {got}, expected {tail}"
                    )
        else:
            if causes:
                problems.append(f"client {i}: unexpected resyncs {causes}")
            exact.append(client)
        if (
            expect.reconnected is not None
            and expect.reconnected(i)
            and client.stream.connections < 2
        ):
            problems.append(
                f"client {i}: expected to reconnect, closes {client.stream.close_codes}"
            )
        if expect.first_close is not None:
            first = client.stream.close_codes[0] if client.stream.close_codes else None
            if first != expect.first_close(run, i):
                problems.append(
                    f"client {i}: first close {first}, expected {expect.first_close(run, i)}"
                )
    return problems + lost_or_duplicated(running, exact)


def outcome(running: Cluster, clients: list[Client]) -> dict[str, object]:
    """What a case did, counted over every client (for docs/delivery.md's fault table)."""
    published = {c.group: len(running.published[c.group]) for c in clients}
    closes = Counter(code for c in clients for code in c.stream.close_codes)
    return {
        "clients": len(clients),
        "broadcasts": sum(published.values()),
        "frames_expected": sum(published[c.group] for c in clients),
        "envelopes_received": sum(len(c.received) for c in clients),
        "duplicates_dropped_by_clients": sum(c.stream.duplicates for c in clients),
        "resyncs": dict(Counter(cause for c in clients for _, cause in c.resyncs)),
        "reconnects": sum(c.stream.connections - 1 for c in clients),
        "close_codes": {str(code): n for code, n in sorted(closes.items())},
    }


def record(name: str, result: dict[str, object]) -> None:
    """Adds a case's outcome to dist/delivery-faults.json."""
    OUTCOMES.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(OUTCOMES.read_text()) if OUTCOMES.exists() else {}
    known[name] = result
    OUTCOMES.write_text(json.dumps(known, indent=2) + "\n")
