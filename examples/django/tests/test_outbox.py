"""A producer that does not lie: POSTs while Redis is down, retried POSTs, and the cluster view.

Two workers (daphne and uvicorn) share one real Redis, as in test_delivery.py.
The POST stores the row and its event in one transaction (the outbox) and
broadcasts after the commit; the outbox relay of every worker broadcasts what
could not be sent. So a POST is never answered 500 after storing, a retried
POST never makes a second row or event, and every event reaches every client
once.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from clients import VALID_SUMMARY, ops, post_summary
from coach_app_baml_client import CONTRACTS_VERSION
from conftest import Server, create_login
from delivery import Client, Cluster, close_all, cluster, open_clients, wait_open

SESSIONS = 2
PER_SESSION = 4


@pytest.fixture(scope="module")
def running(
    service_env: dict[str, str],
    migrated: None,
    tmp_path_factory: pytest.TempPathFactory,
):
    env = {"COACH_REPORT_INTERVAL_SECONDS": "1"}
    with cluster(
        service_env, tmp_path_factory.mktemp("outbox"), extra_env=env
    ) as running:
        yield running


def server_of(running: Cluster, i: int) -> Server:
    worker = running.workers[i]
    return Server(worker.http_url, worker.ws_url, "", worker.log)


async def post(
    running: Cluster, i: int, session: uuid.UUID, request_id: str
) -> httpx.Response:
    return await asyncio.to_thread(
        post_summary,
        server_of(running, i % len(running.workers)),
        session,
        VALID_SUMMARY,
        headers={"X-Request-ID": request_id},
    )


async def wait_for(
    clients: list[Client], expected: dict[str, set[str]], timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(set(c.received) >= expected[c.group] for c in clients):
            await asyncio.sleep(0.3)  # and nothing more arrives
            return
        await asyncio.sleep(0.05)


def test_posts_while_redis_is_down_answer_201_and_every_event_arrives_once(
    running: Cluster, django_orm: None, db: Any
) -> None:
    sessions = [uuid.uuid4() for _ in range(SESSIONS)]
    participant = create_login(sessions)

    async def scenario() -> tuple[list[Client], dict[str, set[str]], list[int], float]:
        clients = open_clients(running, sessions, PER_SESSION, participant.cookie)
        expected: dict[str, set[str]] = defaultdict(set)
        statuses: list[int] = []
        slowest = 0.0

        async def post_all(n: int) -> None:
            nonlocal slowest
            for i in range(n):
                for session in sessions:
                    start = time.monotonic()
                    response = await post(running, i, session, str(uuid.uuid4()))
                    slowest = max(slowest, time.monotonic() - start)
                    statuses.append(response.status_code)
                    if response.status_code == 201:
                        expected[f"session.{session}"].add(response.json()["event_id"])

        try:
            await wait_open(clients)
            await post_all(2)
            running.redis.stop()
            await post_all(4)  # Redis down: stored with their events, broadcast later
            await asyncio.sleep(2.0)
            running.redis.start()
            await post_all(2)
            await wait_for(clients, expected)
            return clients, expected, statuses, slowest
        finally:
            await close_all(clients)

    clients, expected, statuses, slowest = asyncio.run(scenario())
    assert statuses == [201] * len(statuses), statuses
    assert slowest < 10.0, f"a POST took {slowest:.1f} s while Redis was down"
    rows = db.execute(
        "SELECT count(*) AS n FROM summaries_sessionsummaryrecord WHERE session_id = ANY(%s)",
        (sessions,),
    ).fetchone()
    assert rows["n"] == len(statuses)
    for client in clients:
        assert len(client.received) == len(set(client.received)), (
            "an event arrived twice"
        )
        assert set(client.received) == expected[client.group]
    for group in expected:  # every client of a stream saw the same order
        orders = {tuple(c.received) for c in clients if c.group == group}
        assert len(orders) == 1, orders
    pending = db.execute(
        "SELECT count(*) AS n FROM summaries_outboxevent WHERE published_at IS NULL"
    ).fetchone()
    assert pending["n"] == 0


def test_a_retried_post_makes_one_row_and_one_event(
    running: Cluster, django_orm: None, db: Any
) -> None:
    session = uuid.uuid4()
    participant = create_login([session])

    async def scenario() -> tuple[list[httpx.Response], list[Client], str]:
        clients = open_clients(running, [session], 2, participant.cookie)
        try:
            await wait_open(clients)
            request_id = f"retry-{uuid.uuid4()}"
            first, again, elsewhere = await asyncio.gather(
                post(running, 0, session, request_id),
                post(running, 0, session, request_id),
                post(running, 1, session, request_id),
            )
            marker = await post(running, 1, session, str(uuid.uuid4()))
            await wait_for(
                clients,
                {
                    f"session.{session}": {
                        first.json()["event_id"],
                        marker.json()["event_id"],
                    }
                },
            )
            return [first, again, elsewhere], clients, marker.json()["event_id"]
        finally:
            await close_all(clients)

    responses, clients, marker = asyncio.run(scenario())
    assert [r.status_code for r in responses] == [201, 201, 201]
    bodies = {(r.json()["id"], r.json()["event_id"]) for r in responses}
    assert len(bodies) == 1, bodies
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 2
    rows = db.execute(
        "SELECT count(*) AS n FROM summaries_sessionsummaryrecord WHERE session_id = %s",
        (session,),
    ).fetchone()
    assert rows["n"] == 2  # the retried one and the marker
    [(_, event_id)] = bodies
    for client in clients:
        assert client.received == [event_id, marker]


def test_any_process_reports_the_whole_cluster(
    running: Cluster, django_orm: None
) -> None:
    sessions = [uuid.uuid4() for _ in range(SESSIONS)]
    participant = create_login(sessions)

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        clients = open_clients(running, sessions, PER_SESSION, participant.cookie)
        try:
            await wait_open(clients)
            await asyncio.sleep(2.5)  # two report intervals
            both = [
                await asyncio.to_thread(ops, running.workers[i].http_url)
                for i in (0, 1)
            ]
            running.workers[1].kill()
            await asyncio.sleep(4.0)  # its report expires after three intervals
            alone = await asyncio.to_thread(ops, running.workers[0].http_url)
            running.workers[1].start()
            return both, alone
        finally:
            await close_all(clients)

    both, alone = asyncio.run(scenario())
    total = SESSIONS * PER_SESSION
    for status in both:
        assert status["processes"] == 2
        assert status["connected_versions"] == {CONTRACTS_VERSION: total}
        assert sorted(
            p["connected_versions"].get(CONTRACTS_VERSION, 0)
            for p in status["per_process"]
        ) == [total // 2, total // 2]
    assert alone["processes"] == 1
    # The killed worker's clients reconnected to it only after this; the survivor's stay.
    assert alone["connected_versions"].get(CONTRACTS_VERSION, 0) == total // 2
