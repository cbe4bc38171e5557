"""RedisStreamsChannelLayer against a real Redis on loopback (tools/services.py).

Two layer objects in one event loop stand for two processes: each has its own
pub/sub connection and its own hub. The sockets are fake sinks that record
every frame, so every case counts exactly what was sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

pytest.importorskip("channels")
pytest.importorskip("redis")

from redis.asyncio import Redis  # noqa: E402

from coach_app_baml_client import (  # noqa: E402
    CONTRACTS_VERSION,
    DeliveryUnavailableError,
    envelope_json,
    validate_envelope,
)
from coach_app_baml_client.channels import (  # noqa: E402
    NoChannelLayerError,
    broadcast,
    cluster_status,
)
from coach_app_baml_client.delivery import StreamPosition  # noqa: E402
from coach_app_baml_client.layers import RedisStreamsChannelLayer  # noqa: E402

GROUP = "session.0192f0c1-7a52-7cc3-8d1e-000000000001"


class Sink:
    """A socket that records its frames (and how it was closed)."""

    def __init__(self, version: str = CONTRACTS_VERSION) -> None:
        self.contracts_version = version
        self.frames: list[dict[str, Any]] = []
        self.closed: list[int] = []

    def send_frame(self, frame: str) -> bool:
        validate_envelope(frame, mode="consumer")
        self.frames.append(json.loads(frame))
        return True

    def close_socket(self, code: int, reason: str) -> None:
        self.closed.append(code)

    def offsets(self) -> list[int]:
        return [f["meta"]["position"]["offset"] for f in self.frames if "position" in f["meta"]]

    def resyncs(self) -> list[dict[str, Any]]:
        return [f["payload"] for f in self.frames if f["type"] == "STREAM_RESYNC"]


def typing() -> bytes:
    return envelope_json(
        "TYPING_INDICATOR",
        {
            "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
            "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
            "is_typing": True,
        },
    )


def run(redis_url: str, body: Callable[..., Awaitable[None]], **settings: Any) -> None:
    """Runs ``body(producer, consumer, redis)`` with two layers (two processes) on a clean Redis."""

    async def main() -> None:
        redis = Redis.from_url(redis_url)
        await redis.flushall()
        producer = RedisStreamsChannelLayer(hosts=[redis_url], **settings)
        consumer = RedisStreamsChannelLayer(hosts=[redis_url], **settings)
        try:
            await body(producer, consumer, redis)
        finally:
            await producer.close()
            await consumer.close()
            await redis.aclose()

    asyncio.run(main())


async def publish(
    layer: RedisStreamsChannelLayer, n: int, group: str = GROUP
) -> list[StreamPosition]:
    positions = []
    for _ in range(n):
        position = await broadcast(layer, group, typing())
        assert position is not None
        positions.append(position)
    return positions


async def settle(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_offsets_grow_from_one_in_one_epoch(redis_url: str) -> None:
    async def body(producer: RedisStreamsChannelLayer, *_: Any) -> None:
        positions = await publish(producer, 3)
        assert [p.offset for p in positions] == [1, 2, 3]
        assert len({p.epoch for p in positions}) == 1
        assert {p.stream for p in positions} == {GROUP}

    run(redis_url, body)


def test_the_same_event_id_is_published_once(redis_url: str) -> None:
    async def body(producer: RedisStreamsChannelLayer, consumer: Any, redis: Redis) -> None:
        envelope = typing()
        first = await broadcast(producer, GROUP, envelope)
        again = await broadcast(producer, GROUP, envelope)
        assert first == again
        assert await redis.xlen(f"contracts:{{{GROUP}}}:log") == 1

    run(redis_url, body)


def test_history_is_bounded_by_count(redis_url: str) -> None:
    async def body(producer: RedisStreamsChannelLayer, consumer: Any, redis: Redis) -> None:
        positions = await publish(producer, 8)
        snapshot = await producer.hub().streams.read(GROUP, 0, 100)
        assert [e.offset for e in snapshot.entries] == [4, 5, 6, 7, 8]
        assert await redis.hlen(f"contracts:{{{GROUP}}}:ids") == 5
        sink = Sink()
        await consumer.subscription(GROUP, sink, positions[1]).start()
        assert sink.resyncs() == [{"position": positions[-1].to_json(), "cause": "HISTORY_EXPIRED"}]
        sink_in_window = Sink()
        await consumer.subscription(GROUP, sink_in_window, positions[2]).start()
        assert sink_in_window.offsets() == [4, 5, 6, 7, 8]

    run(redis_url, body, history_size=5)


def test_history_is_bounded_by_age(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, _: Any
    ) -> None:
        positions = await publish(producer, 2)
        fresh = Sink()
        await consumer.subscription(GROUP, fresh, positions[0]).start()
        assert fresh.offsets() == [2]
        await asyncio.sleep(0.5)
        stale = Sink()
        await consumer.subscription(GROUP, stale, positions[0]).start()
        assert [r["cause"] for r in stale.resyncs()] == ["HISTORY_EXPIRED"]

    run(redis_url, body, history_age=0.3)


def test_a_lost_meta_starts_a_new_epoch_from_offset_one(redis_url: str) -> None:
    async def body(producer: RedisStreamsChannelLayer, consumer: Any, redis: Redis) -> None:
        [old] = await publish(producer, 1)
        await redis.delete(f"contracts:{{{GROUP}}}:meta")
        [new] = await publish(producer, 1)
        assert new.epoch != old.epoch and new.offset == 1
        assert await redis.xlen(f"contracts:{{{GROUP}}}:log") == 1

    run(redis_url, body)


def test_a_new_socket_gets_live_envelopes_in_order_with_their_positions(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, _: Any
    ) -> None:
        await publish(producer, 3)  # before the socket: not sent to it
        sink = Sink()
        await consumer.subscription(GROUP, sink).start()
        positions = await publish(producer, 20)
        await settle(lambda: len(sink.frames) == 20)
        assert sink.offsets() == list(range(4, 24))
        assert [f["meta"]["position"] for f in sink.frames] == [p.to_json() for p in positions]

    run(redis_url, body)


def test_resuming_sends_what_was_missed_then_live_without_gap_or_duplicate(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, _: Any
    ) -> None:
        positions = await publish(producer, 50)
        sink = Sink()
        live = asyncio.create_task(publish(producer, 50))  # while the socket catches up
        await consumer.subscription(GROUP, sink, positions[9]).start()
        await live
        await settle(lambda: len(sink.frames) >= 90)
        await asyncio.sleep(0.1)
        assert sink.offsets() == list(range(11, 101))

    run(redis_url, body)


def test_a_position_of_another_epoch_or_ahead_gets_a_resync(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, _: Any
    ) -> None:
        positions = await publish(producer, 3)
        top = positions[-1]
        other, ahead = Sink(), Sink()
        await consumer.subscription(GROUP, other, StreamPosition(GROUP, "gone", 2)).start()
        await consumer.subscription(GROUP, ahead, top._replace(offset=9)).start()
        assert other.resyncs() == [{"position": top.to_json(), "cause": "EPOCH_CHANGED"}]
        assert ahead.resyncs() == [{"position": top.to_json(), "cause": "POSITION_UNKNOWN"}]
        await publish(producer, 1)
        await settle(lambda: len(other.frames) == 2 and len(ahead.frames) == 2)
        assert other.offsets() == ahead.offsets() == [4]

    run(redis_url, body)


def test_a_killed_subscription_connection_is_caught_up_from_the_history(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, redis: Redis
    ) -> None:
        sink = Sink()
        await consumer.subscription(GROUP, sink).start()
        publishing = asyncio.create_task(publish(producer, 200))
        for _ in range(3):
            await asyncio.sleep(0.05)
            await redis.client_kill_filter(_type="pubsub")
        await publishing
        await settle(lambda: len(sink.frames) >= 200)
        await asyncio.sleep(0.1)
        assert sink.offsets() == list(range(1, 201))
        assert consumer.hub().generation > 1, "the connection was never lost"

    run(redis_url, body)


def test_a_new_epoch_while_listening_without_interruption_needs_no_resync(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, redis: Redis
    ) -> None:
        sink = Sink()
        await consumer.subscription(GROUP, sink).start()
        await publish(producer, 2)
        await redis.delete(*[f"contracts:{{{GROUP}}}:{k}" for k in ("meta", "log", "ids")])
        await publish(producer, 2)  # as after idle_ttl: a new epoch from offset 1
        await settle(lambda: len(sink.frames) == 4)
        assert sink.offsets() == [1, 2, 1, 2]
        assert sink.resyncs() == []

    run(redis_url, body)


def test_a_rewritten_history_is_caught_by_the_event_id_at_the_position(redis_url: str) -> None:
    async def body(
        producer: RedisStreamsChannelLayer, consumer: RedisStreamsChannelLayer, redis: Redis
    ) -> None:
        sink = Sink()
        await consumer.subscription(GROUP, sink).start()
        await publish(producer, 3)
        await settle(lambda: len(sink.frames) == 3)
        # Redis lost its last write (an fsync window): offset 3 will be given again.
        log = f"contracts:{{{GROUP}}}:log"
        kept = await redis.xrange(log, "-", "2-0")
        await redis.delete(log)
        for entry_id, fields in kept:
            await redis.xadd(log, fields, id=entry_id)
        await redis.hset(f"contracts:{{{GROUP}}}:meta", "top", 2)
        await redis.client_kill_filter(_type="pubsub")
        await publish(producer, 1)
        await settle(lambda: len(sink.resyncs()) == 1)
        assert sink.resyncs()[0]["cause"] == "POSITION_UNKNOWN"

    run(redis_url, body)


def test_a_log_ahead_of_its_top_starts_a_new_epoch(redis_url: str) -> None:
    async def body(producer: RedisStreamsChannelLayer, consumer: Any, redis: Redis) -> None:
        [_, _, third] = await publish(producer, 3)
        await redis.hset(f"contracts:{{{GROUP}}}:meta", "top", 1)  # lost, the log was not
        [after] = await publish(producer, 1)
        assert after.epoch != third.epoch and after.offset == 1
        assert await redis.xlen(f"contracts:{{{GROUP}}}:log") == 1

    run(redis_url, body)


def test_plain_messages_reach_every_member_in_every_process(redis_url: str) -> None:
    async def body(a: RedisStreamsChannelLayer, b: RedisStreamsChannelLayer, _: Any) -> None:
        in_a, in_b = await a.new_channel(), await b.new_channel()
        await a.group_add("chat", in_a)
        await b.group_add("chat", in_b)
        await a.group_send("chat", {"type": "chat.message", "text": "hi", "raw": b"\x00"})
        assert await asyncio.wait_for(a.receive(in_a), 5) == {
            "type": "chat.message",
            "text": "hi",
            "raw": b"\x00",
        }
        assert (await asyncio.wait_for(b.receive(in_b), 5))["text"] == "hi"
        await a.send(in_b, {"type": "direct"})  # to a consumer of the other process
        assert await asyncio.wait_for(b.receive(in_b), 5) == {"type": "direct"}
        await b.group_discard("chat", in_b)
        await a.group_send("chat", {"type": "chat.message", "text": "again"})
        assert (await asyncio.wait_for(a.receive(in_a), 5))["text"] == "again"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(b.receive(in_b), 0.3)
        with pytest.raises(TypeError, match="channels it made"):
            await a.receive("specific.not-ours!x")

    run(redis_url, body)


def test_any_process_sees_the_whole_cluster(redis_url: str) -> None:
    async def body(a: RedisStreamsChannelLayer, b: RedisStreamsChannelLayer, _: Any) -> None:
        await a.new_channel(), await b.new_channel()  # processes with consumers report
        await asyncio.sleep(0.3)
        status = await cluster_status(a)
        assert status["processes"] == 2
        assert len({p["process"] for p in status["per_process"]}) == 2

    run(redis_url, body, report_interval=0.1)


def test_a_process_that_only_broadcasts_runs_no_background_task_and_closes_its_hubs(
    redis_url: str,
) -> None:
    """A sync view broadcasts through async_to_sync: one short event loop per call."""
    from asgiref.sync import async_to_sync

    layer = RedisStreamsChannelLayer(hosts=[redis_url])

    async def send() -> list[asyncio.Task[Any]]:
        await broadcast(layer, GROUP, typing())
        return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

    for _ in range(3):
        started = async_to_sync(send)()
        assert started == []
    assert layer._hubs == {}  # each loop's hub was closed with its loop


def test_broadcast_without_a_layer_says_what_to_configure() -> None:
    with pytest.raises(NoChannelLayerError, match="CHANNEL_LAYERS"):
        asyncio.run(broadcast(None, GROUP, typing()))


@pytest.mark.parametrize("redis", ["refused", "silent"])
def test_broadcast_to_an_unreachable_redis_raises_in_bounded_time(redis: str) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if redis == "silent":
        listener.listen(16)  # accepts connections and never answers
    else:
        listener.close()

    async def attempt() -> float:
        layer = RedisStreamsChannelLayer(hosts=[f"redis://127.0.0.1:{port}/0"], publish_timeout=0.5)
        start = time.monotonic()
        try:
            with pytest.raises(
                DeliveryUnavailableError, match="publishing the same envelope again is safe"
            ):
                await broadcast(layer, GROUP, typing())
            return time.monotonic() - start
        finally:
            await layer.close()

    try:
        elapsed = asyncio.run(attempt())
    finally:
        listener.close()
    assert elapsed < 1.5, f"took {elapsed:.2f} s with publish_timeout=0.5"


def test_hundreds_of_broadcasts_at_once_wait_for_a_connection_instead_of_failing(
    redis_url: str,
) -> None:
    async def body(producer: RedisStreamsChannelLayer, *_: Any) -> None:
        groups = [f"{GROUP}.{i}" for i in range(10)]
        sent = await asyncio.gather(
            *(broadcast(producer, groups[i % 10], typing()) for i in range(500))
        )
        by_group: dict[str, list[int]] = {}
        for position in sent:
            assert position is not None
            by_group.setdefault(position.stream, []).append(position.offset)
        assert {g: sorted(o) for g, o in by_group.items()} == {
            g: list(range(1, 51)) for g in groups
        }

    run(redis_url, body)
