"""ContractsConsumer through asgiref's ApplicationCommunicator and Channels' in-memory layer.

What is checked here: the order of the handshake (authorize, then the version,
then the groups), the close codes, the echoed subprotocol, the frames (the
broadcast text itself), the bounded client frames and the per-process counts.
Serving released versions needs a build with a history: that runs end to end
in examples/django/tests/test_rollout.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("channels")

from channels.layers import InMemoryChannelLayer, channel_layers  # noqa: E402

from coach_app_baml_client import CONTRACTS_VERSION, KNOWN_VERSIONS, envelope_json  # noqa: E402
from coach_app_baml_client import rollout  # noqa: E402
import asgi_socket  # noqa: E402  (tests/asgi_socket.py)
from django_setup import configure_django  # noqa: E402  (tests/django_setup.py)

from coach_app_baml_client.channels import (  # noqa: E402
    ContractsConsumer,
    SkippedFrames,
    broadcast,
    connected_versions,
    skipped_frames,
)

configure_django()

GROUP = "session.42"
CURRENT = f"coach-contracts.{CONTRACTS_VERSION}"
TYPING = {
    "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
    "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
    "is_typing": True,
}


class RecordingLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """Channels' in-memory layer that remembers which groups were joined."""

    def __init__(self) -> None:
        super().__init__()
        self.joined: list[str] = []

    async def group_add(self, group: str, channel: str) -> None:
        self.joined.append(group)
        await super().group_add(group, channel)


class User:
    def __init__(self, authenticated: bool) -> None:
        self.is_authenticated = authenticated


class Session(ContractsConsumer):  # type: ignore[misc]
    groups = [GROUP]
    allowed = True
    max_frame_bytes = 16

    async def authorize(self) -> bool:
        return self.allowed


class Refusing(Session):
    allowed = False


class JoinsItself(ContractsConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.join("thread.7")
        await self.accept()


@pytest.fixture
def layer() -> Iterator[RecordingLayer]:
    layer = RecordingLayer()
    old = channel_layers.set("default", layer)
    yield layer
    channel_layers.set("default", old)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


class Socket(asgi_socket.Socket):
    """The client, sending and reading one frame at a time."""

    async def send_to(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        frame = {"text": text_data} if text_data is not None else {"bytes": bytes_data}
        await self.send_input({"type": "websocket.receive", **frame})

    async def receive_from(self) -> Any:
        response = await self.receive_output(1)
        assert response["type"] == "websocket.send", response
        return response.get("text", response.get("bytes"))


def communicator(
    consumer: type[ContractsConsumer],
    subprotocols: list[str] | None = None,
    user: Any = None,
    query_string: bytes = b"",
) -> Socket:
    scope: dict[str, Any] = {
        "type": "websocket",
        "path": "/ws/",
        "query_string": query_string,
        "headers": [],
        "subprotocols": subprotocols or [],
    }
    if user is not None:
        scope["user"] = user
    return Socket(consumer.as_asgi(), scope)


async def close_of(ws: Socket) -> dict[str, Any]:
    output: dict[str, Any] = await ws.receive_output(1)
    assert output["type"] == "websocket.close", output
    return output


@pytest.mark.parametrize(("user", "code"), [(None, 4401), (User(False), 4401), (User(True), 4403)])
def test_a_refused_connection_is_closed_before_any_group_is_joined(
    layer: RecordingLayer, user: Any, code: int
) -> None:
    async def test() -> None:
        ws = communicator(Refusing, [CURRENT, "other"], user)
        # Accepted (echoing one of the offered protocols), so that a browser sees the code.
        assert await ws.connect() == (True, CURRENT)
        closed = await close_of(ws)
        assert closed["code"] == code and type(closed["code"]) is int
        assert layer.joined == []
        assert connected_versions() == {}
        await ws.disconnect()

    run(test)


@pytest.mark.parametrize("announced", ["99.0.0", "banana", "0.0.0", f"{CONTRACTS_VERSION}-rc.1"])
def test_an_unservable_version_is_closed_4406_naming_the_served_ones(
    layer: RecordingLayer, announced: str
) -> None:
    async def test() -> None:
        protocol = f"coach-contracts.{announced}"
        ws = communicator(Session, [protocol])
        assert await ws.connect() == (True, protocol)
        closed = await close_of(ws)
        assert closed["code"] == 4406
        assert f"supported: {', '.join(KNOWN_VERSIONS)}" in closed["reason"]
        assert len(closed["reason"].encode()) <= 123
        assert layer.joined == []
        await ws.disconnect()

    run(test)


def test_a_long_announcement_still_gets_a_short_close_reason(layer: RecordingLayer) -> None:
    async def test() -> None:
        protocol = "coach-contracts." + "9" * 300 + ".0.0"
        ws = communicator(Session, [protocol])
        await ws.connect()
        closed = await close_of(ws)
        assert closed["code"] == 4406 and len(closed["reason"].encode()) <= 123
        assert f"supported: {CONTRACTS_VERSION}" in closed["reason"]  # not cut off
        await ws.disconnect()

    run(test)


def test_frames_are_measured_in_utf8_bytes() -> None:
    from coach_app_baml_client._consumer import _frame_size

    for text in ["", "x" * 16, "é" * 8, "é" * 9, "😀" * 4, "😀" * 5, "x" * 100]:
        assert _frame_size({"type": "websocket.receive", "text": text}, 16) in (
            len(text.encode()),  # exact when it matters
            len(text),  # the length alone already decides: above the limit either way
        )
        assert (_frame_size({"type": "websocket.receive", "text": text}, 16) > 16) == (
            len(text.encode()) > 16
        )
    assert _frame_size({"type": "websocket.receive", "bytes": b"\x00" * 20}, 16) == 20


@pytest.mark.parametrize(
    ("subprotocols", "echoed"),
    [
        ([CURRENT], CURRENT),
        (None, None),
        (["chat"], None),
        ([f"coach-contracts.{CONTRACTS_VERSION}+b"], f"coach-contracts.{CONTRACTS_VERSION}+b"),
    ],
)
def test_a_served_socket_gets_the_broadcast_text_itself(
    layer: RecordingLayer, subprotocols: list[str] | None, echoed: str | None
) -> None:
    async def test() -> None:
        ws = communicator(Session, subprotocols)
        assert await ws.connect() == (True, echoed)
        assert layer.joined == [GROUP]
        assert connected_versions() == {CONTRACTS_VERSION: 1}
        text = envelope_json("TYPING_INDICATOR", TYPING).decode()
        await broadcast(layer, GROUP, text)
        assert await ws.receive_from() == text
        await ws.disconnect()
        assert connected_versions() == {}

    run(test)


def test_joining_groups_in_connect_works_and_they_are_left(layer: RecordingLayer) -> None:
    async def test() -> None:
        ws = communicator(JoinsItself, [CURRENT])
        assert await ws.connect() == (True, CURRENT)
        assert layer.joined == ["thread.7"]
        assert JoinsItself.groups in (None, [])  # the class attribute is untouched
        text = envelope_json("TYPING_INDICATOR", TYPING).decode()
        await broadcast(layer, "thread.7", text)
        assert await ws.receive_from() == text
        await ws.disconnect()
        assert layer.groups.get("thread.7", {}) == {}

    run(test)


def test_client_frames_are_ignored_and_an_oversized_one_closes_4413(
    layer: RecordingLayer,
) -> None:
    async def test() -> None:
        ws = communicator(Session, [CURRENT])
        await ws.connect()
        await ws.send_to(text_data="x" * 16)
        await ws.send_to(bytes_data=b"\x00" * 16)
        assert await ws.receive_nothing()
        await ws.send_to(text_data="é" * 9)  # 18 bytes of UTF-8
        assert (await close_of(ws))["code"] == 4413
        await ws.disconnect()

    run(test)


def test_a_skip_is_computed_once_per_version_counted_per_frame_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    text = envelope_json("TYPING_INDICATOR", TYPING).decode()
    before = skipped_frames().get(SkippedFrames("0.0.1", "unknown-version"), 0)
    with caplog.at_level(logging.INFO, logger="coach_app_baml_client.channels"):
        for _ in range(3):  # three sockets of 0.0.1, one broadcast
            assert rollout.frame_for(text, CONTRACTS_VERSION, "0.0.1") is None
    assert skipped_frames()[SkippedFrames("0.0.1", "unknown-version")] == before + 3
    [record] = [r for r in caplog.records if "0.0.1" in r.getMessage()]
    assert "unknown-version" in record.getMessage()
    assert getattr(record, "contracts_version") == "0.0.1"
    # The current version is the text itself, never copied.
    assert rollout.frame_for(text, CONTRACTS_VERSION, CONTRACTS_VERSION) is text


def test_the_frame_cache_is_bounded_in_entries_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rollout, "CACHE_SIZE", 4)
    monkeypatch.setattr(rollout, "CACHE_BYTES", 2000)
    texts = [envelope_json("TYPING_INDICATOR", TYPING).decode() for _ in range(10)]
    huge = texts[0] + " " * 3000  # larger than the whole budget: never kept
    for text in [*texts, huge]:
        assert rollout.frame_for(text, CONTRACTS_VERSION, "0.0.1") is None
    assert len(rollout._frames) <= 4
    assert rollout._frames_bytes == sum(len(t) for t, _ in rollout._frames) <= 2000
    assert (huge, "0.0.1") not in rollout._frames


def test_group_messages_of_earlier_releases_and_broken_ones(layer: RecordingLayer) -> None:
    async def test() -> None:
        ws = communicator(Session, [CURRENT])
        await ws.connect()
        envelope = json.loads(envelope_json("TYPING_INDICATOR", TYPING))
        # A backend process still on the earlier release sends the dict.
        await layer.group_send(GROUP, {"type": "contracts.event", "envelope": envelope})
        assert json.loads(await ws.receive_from()) == envelope
        # Neither text nor envelope: dropped, and the socket lives on.
        await layer.group_send(GROUP, {"type": "contracts.event"})
        text = envelope_json("TYPING_INDICATOR", TYPING).decode()
        await broadcast(layer, GROUP, text)
        assert await ws.receive_from() == text
        await ws.disconnect()

    run(test)


@pytest.mark.parametrize(
    "query",
    [
        b"resume=session.42",
        b"resume=session.42:ep:x",
        b"resume=session.42:ep:-1",
        b"resume=a%20b:ep:1",
        b"resume=session.42:ep:1&resume=session.42:ep:2",
        b"&".join([b"x=1"] * 1001) + b"&resume=session.42:ep:1",
        b"&".join(b"resume=s%d:e:1" % i for i in range(65)),
    ],
)
def test_a_malformed_resume_parameter_is_closed_4400_before_any_group_is_joined(
    layer: RecordingLayer, query: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    async def test() -> None:
        socket = communicator(Session, [CURRENT], query_string=query)
        assert await socket.connect() == (True, CURRENT)  # accepted, so a browser sees the code
        closed = await socket.receive_output(1)
        assert closed["type"] == "websocket.close" and closed["code"] == 4400
        assert "resume=" in closed["reason"]
        await socket.wait(1)

    caplog.set_level(logging.INFO, "coach_app_baml_client.channels")
    run(test)
    assert layer.joined == []


def test_a_well_formed_resume_parameter_is_accepted_by_a_layer_without_streams(
    layer: RecordingLayer,
) -> None:
    async def test() -> None:
        socket = communicator(Session, [CURRENT], query_string=b"resume=session.42:kT0c3n:17&x=1")
        assert await socket.connect() == (True, CURRENT)
        await socket.disconnect()

    run(test)
    assert layer.joined == [GROUP]


def test_a_server_shutting_down_closes_open_sockets_with_1012(layer: RecordingLayer) -> None:
    async def test() -> None:
        socket = communicator(Session, [CURRENT])
        assert await socket.connect() == (True, CURRENT)
        socket.future.cancel()  # what daphne does to every application as it stops
        closed = await socket.receive_output(1)
        assert closed == {"type": "websocket.close", "code": 1012, "reason": ""}
        # It waits for the client's answer, so the server does not exit before the frame is out.
        assert not socket.future.done()
        await socket.send_input({"type": "websocket.disconnect", "code": 1012})
        await asyncio.wait([socket.future], timeout=1)
        assert socket.future.cancelled()
        assert connected_versions() == {}

    run(test)


class JoinsAfterAccept(ContractsConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        await self.accept()
        await self.join(GROUP)


@pytest.mark.parametrize("consumer", [Session, JoinsAfterAccept])
def test_on_the_streams_layer_frames_carry_positions_and_a_reconnect_resumes(
    redis_url: str, consumer: type[ContractsConsumer]
) -> None:
    pytest.importorskip("redis")
    from coach_app_baml_client.layers import RedisStreamsChannelLayer

    async def test() -> None:
        layer = RedisStreamsChannelLayer(hosts=[redis_url])
        old = channel_layers.set("default", layer)
        try:
            first = communicator(consumer, [CURRENT])
            assert await first.connect() == (True, CURRENT)
            await asyncio.sleep(0.1)  # JoinsAfterAccept joins after the handshake
            positions = [
                await broadcast(layer, GROUP, envelope_json("TYPING_INDICATOR", TYPING))
                for _ in range(3)
            ]
            frames = [json.loads(await first.receive_from()) for _ in positions]
            assert [f["meta"]["position"] for f in frames] == [p.to_json() for p in positions if p]
            await first.disconnect()
            missed = [
                await broadcast(layer, GROUP, envelope_json("TYPING_INDICATOR", TYPING))
                for _ in range(2)
            ]
            p = positions[0]
            assert p is not None
            again = communicator(
                consumer, [CURRENT], query_string=f"resume={GROUP}:{p.epoch}:{p.offset}".encode()
            )
            assert await again.connect() == (True, CURRENT)
            replayed = [
                json.loads(await again.receive_from())["meta"]["position"]["offset"]
                for _ in range(4)
            ]
            expected = [q.offset for q in [*positions[1:], *missed] if q is not None]
            assert replayed == expected and len(expected) == 4
            await again.disconnect()
        finally:
            channel_layers.set("default", old)
            await layer.close()

    run(test)
