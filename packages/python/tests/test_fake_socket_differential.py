"""The npm package's fake event socket against the real ContractsConsumer: the same frames.

Every script of ``testdata/socket-scripts/`` runs, for each client its
``announce`` lists, through both:

- the real :class:`~coach_app_baml_client.channels.ContractsConsumer` (a
  subclass as a backend writes one), driven through asgiref's
  ApplicationCommunicator, with Channels' in-memory layer or, for the default
  ``layer: "streams"``, :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`
  on a real Redis (tools/services.py; its epochs pinned to the script's);
- the npm package's ``FakeEventServer`` (``packages/typescript/test/fake-socket-runner.mjs``
  on the BUILT package: ``packages/typescript/lib``, which ``make dist`` or
  ``npm run build`` writes).

What each client saw must be equal: the subprotocol accepted, every frame
(parsed JSON, in order; the ``meta.event_id`` and ``meta.timestamp`` that the
server makes for ``STREAM_RESYNC`` left out), each close code and reason, and
the frames skipped per version and rule. Nothing expected is stored: the two
sides are the expectation of each other.

The driver settles each step on the real side without sleeping: after a step,
a sentinel envelope is broadcast to a group of its own (``fake.flush``,
joined last) and frames are read until it arrives, or until the socket closes.
The fake server runs the same script in one ``node`` process per script.
Skipped only when ``node`` is missing (``COACH_REQUIRE_OPTIONAL_TESTS=1``
turns that into a failure).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("channels")
pytest.importorskip("redis")

from asgiref.testing import ApplicationCommunicator  # noqa: E402
from channels.layers import InMemoryChannelLayer, channel_layers  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from coach_app_baml_client import CONTRACTS_VERSION, KNOWN_VERSIONS, envelope_json  # noqa: E402
from coach_app_baml_client import _redis_streams, rollout  # noqa: E402
from coach_app_baml_client.channels import ContractsConsumer, broadcast  # noqa: E402
from coach_app_baml_client.layers import RedisStreamsChannelLayer  # noqa: E402

from django_setup import configure_django  # noqa: E402  (tests/django_setup.py)

REPO = Path(os.environ.get("COACH_REPO_ROOT", Path(__file__).resolve().parents[3]))

configure_django()

SCRIPTS = REPO / "testdata" / "socket-scripts"
TS = REPO / "packages" / "typescript"
RUNNER = TS / "test" / "fake-socket-runner.mjs"
PREFIX = "coach-contracts."
FLUSH = "fake.flush"
TIMEOUT = 10.0
DEFAULTS: dict[str, Any] = {
    "layer": "streams",
    "streams": ["session.42"],
    "epoch": "fakeEpoch0000001",
    "history_size": 500,
    "max_frame_bytes": 64 * 1024,
}
FAKE_ONLY = ("raw", "drop")
SENTINEL_PAYLOAD = {
    "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
    "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
    "is_typing": True,
}


def script_files() -> list[Path]:
    return sorted(SCRIPTS.glob("*.json"))


def expand(text: str) -> str:
    """The corpus's version placeholders (as test/support.mjs's ``expandPlaceholders``)."""
    major, minor = (int(n) for n in CONTRACTS_VERSION.split("-")[0].split("+")[0].split(".")[:2])
    return (
        text.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION)
        .replace("{{NEXT_MINOR}}", f"{major}.{minor + 1}.0")
        .replace("{{NEXT_MAJOR}}", f"{major + 1}.0.0")
        .replace("{{MAJOR}}", str(major))
    )


def load(path: Path) -> dict[str, Any]:
    """A script with its placeholders expanded and its defaults (and the implicit first connect) filled in."""
    script: dict[str, Any] = {**DEFAULTS, **json.loads(expand(path.read_text("utf-8")))}
    steps = list(script["steps"])
    if not steps or "connect" not in steps[0]:
        steps.insert(0, {"connect": {}})
    script["steps"] = steps
    for index, step in enumerate(steps):
        fake_only = [k for k in FAKE_ONLY if k in step]
        if "resync" in step and (step["resync"] != "EPOCH_CHANGED" or "epoch" not in step):
            fake_only.append("resync without EPOCH_CHANGED and its epoch")
        if fake_only:
            pytest.fail(f"{path.name}: /steps/{index}: {fake_only[0]} is a fake-only step")
    return script


def clients(script: dict[str, Any]) -> list[list[str]]:
    """The subprotocols each announcement offers (``{{RELEASED}}``: one per released version)."""
    offers: list[list[str]] = []
    for entry in script.get("announce") or [CONTRACTS_VERSION]:
        if entry is None:
            offers.append([])
        elif isinstance(entry, list):
            offers.append([str(p) for p in entry])
        elif entry == "{{RELEASED}}":
            offers.extend([f"{PREFIX}{v}"] for v in KNOWN_VERSIONS[1:])
        else:
            offers.append([f"{PREFIX}{entry}"])
    return offers


# ---------------------------------------------------------------------------------- the backend


class User:
    def __init__(self, authenticated: bool) -> None:
        self.is_authenticated = authenticated


class ScriptedConsumer(ContractsConsumer):  # type: ignore[misc]
    """The consumer a backend writes: it refuses when told to, and closes when a group message says so."""

    groups: ClassVar[list[str]] = []

    async def authorize(self) -> bool:
        return self.scope.get("fake_refuse") is None

    async def fake_close(self, event: dict[str, Any]) -> None:
        """The ``close`` step: the backend closes the socket (access revoked, a restart, ...)."""
        await self.close(int(event["code"]), event.get("reason") or None)


class Connection:
    """One client socket on the real consumer, and what it saw."""

    def __init__(self, app: Any, scope: dict[str, Any], transcript: list[Any]) -> None:
        self.ws = ApplicationCommunicator(app, scope)
        self.transcript = transcript
        self.accepted = False
        self.closed = False
        self.finished = False

    async def output(self) -> dict[str, Any]:
        out: dict[str, Any] = await self.ws.receive_output(TIMEOUT)
        return out

    def record(self, out: dict[str, Any], sentinels: set[str], last: dict[str, Any]) -> str | None:
        """Records one output; returns its sentinel event id, if it is one."""
        kind = out["type"]
        if kind == "websocket.accept":
            self.accepted = True
            self.transcript.append({"accept": out.get("subprotocol")})
        elif kind == "websocket.close":
            self.closed = True
            self.transcript.append({"close": [out.get("code", 1000), out.get("reason") or ""]})
        elif kind == "websocket.send":
            frame = json.loads(out["text"])
            event_id = frame.get("meta", {}).get("event_id")
            if event_id in sentinels:
                return str(event_id)
            self.transcript.append({"frame": frame})
            position = (
                frame["payload"]["position"]
                if frame["type"] == "STREAM_RESYNC"
                else frame["meta"].get("position")
            )
            if position is not None:
                last[position["stream"]] = position
        else:
            raise AssertionError(f"unexpected output {out!r}")
        return None

    async def leave(self) -> None:
        """The client closes (or answers the server's close): not recorded; the consumer finishes."""
        if self.finished:
            return
        self.closed = self.finished = True
        await self.ws.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.ws.wait(TIMEOUT)


class RealSide:
    """Plays a script's steps on the real consumer, as one client."""

    def __init__(
        self, script: dict[str, Any], subprotocols: list[str], redis_url: str | None
    ) -> None:
        self.script = script
        self.subprotocols = subprotocols
        self.redis_url = redis_url
        self.transcript: list[Any] = []
        self.last: dict[str, Any] = {}
        self.sentinels: set[str] = set()
        self.connection: Connection | None = None
        self.consumer = type(
            "SessionEvents",
            (ScriptedConsumer,),
            {
                "groups": [*script["streams"], FLUSH],
                "max_frame_bytes": script["max_frame_bytes"],
            },
        )

    async def run(self, epoch: list[str]) -> list[Any]:
        streams = self.script["layer"] == "streams"
        redis: Redis | None = None
        if streams:
            assert self.redis_url is not None
            redis = Redis.from_url(self.redis_url)
            await redis.flushall()
            layer: Any = RedisStreamsChannelLayer(
                hosts=[self.redis_url], history_size=self.script["history_size"]
            )
        else:
            layer = InMemoryChannelLayer()
        self.layer = layer
        old = channel_layers.set("default", layer)
        before = rollout.skipped_frames()
        try:
            for index, step in enumerate(self.script["steps"]):
                await self.step(index, step, epoch, redis)
            if self.connection is not None:
                await self.connection.leave()
        finally:
            channel_layers.set("default", old)
            if streams:
                await layer.close()
            if redis is not None:
                await redis.aclose()
        after = rollout.skipped_frames()
        skipped = sorted(
            [key.version, key.rule_id, n - before.get(key, 0)]
            for key, n in after.items()
            if n != before.get(key, 0)
        )
        self.transcript.append({"skipped": skipped})
        return self.transcript

    async def step(
        self, index: int, step: dict[str, Any], epoch: list[str], redis: Redis | None
    ) -> None:
        where = f"/steps/{index}"
        connection = self.connection
        live = connection is not None and not connection.closed
        if "connect" in step:
            if connection is not None:
                await connection.leave()
            await self.connect(step["connect"])
            await self.settle()
        elif "send" in step:
            stream = step.get("stream", self.script["streams"][0])
            envelope = step["send"]
            await broadcast(self.layer, stream, envelope)
            await self.settle()
        elif "close" in step:
            if not live:
                return
            message = {"type": "fake.close", "code": step["close"], "reason": step.get("reason")}
            await self.layer.group_send(self.script["streams"][0], message)
            await self.read_until(lambda: self.open_connection().closed, f"{where}: the close")
        elif "client_send" in step:
            assert connection is not None and live, f"{where}: client_send while no socket is open"
            await connection.ws.send_input(
                {"type": "websocket.receive", "text": step["client_send"]}
            )
            # Let the consumer read its input (a 4413 closes at once) before the sentinel exists.
            await asyncio.sleep(0.05)
            await self.settle()
        elif "resync" in step:
            assert redis is not None, f"{where}: resync needs the streams layer"
            stream = step.get("stream", self.script["streams"][0])
            # Redis lost the stream (restarted empty): its next epoch is the step's.
            await redis.delete(*(f"contracts:{{{stream}}}:{k}" for k in ("meta", "log", "ids")))
            epoch[0] = step["epoch"]
            if live:
                resyncs = self.count_resyncs()
                await redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
                await self.read_until(
                    lambda: self.count_resyncs() > resyncs, f"{where}: STREAM_RESYNC"
                )
                await self.settle()
        else:
            raise AssertionError(f"{where}: unknown step {step!r}")

    def open_connection(self) -> Connection:
        assert self.connection is not None
        return self.connection

    def count_resyncs(self) -> int:
        return sum(1 for e in self.transcript if e.get("frame", {}).get("type") == "STREAM_RESYNC")

    async def connect(self, options: dict[str, Any]) -> None:
        query = options.get("query")
        if query is None:
            resume = options.get("resume", "last")
            positions = list(self.last.values()) if resume == "last" else resume or []
            query = "&".join(f"resume={p['stream']}:{p['epoch']}:{p['offset']}" for p in positions)
        scope: dict[str, Any] = {
            "type": "websocket",
            "path": "/ws/",
            "query_string": query.encode(),
            "headers": [],
            "subprotocols": self.subprotocols,
        }
        refuse = options.get("refuse")
        if refuse is not None:
            scope["fake_refuse"] = refuse
            scope["user"] = User(authenticated=refuse == 4403)
        self.connection = Connection(self.consumer.as_asgi(), scope, self.transcript)
        await self.connection.ws.send_input({"type": "websocket.connect"})
        # The first output is the accept (refusals are accepted, then closed).
        self.connection.record(await self.connection.output(), self.sentinels, self.last)

    async def read_until(self, done: Any, what: str) -> None:
        connection = self.open_connection()
        while not done():
            if connection.closed:
                raise AssertionError(f"{what}: the socket closed first")
            try:
                out = await connection.output()
            except asyncio.TimeoutError:
                raise AssertionError(f"{what}: nothing within {TIMEOUT} s") from None
            connection.record(out, self.sentinels, self.last)

    async def settle(self) -> None:
        """Reads every frame the step caused: until a sentinel broadcast after it, or the close."""
        connection = self.connection
        if connection is None or connection.closed:
            return
        sentinel = envelope_json("TYPING_INDICATOR", SENTINEL_PAYLOAD)
        event_id = json.loads(sentinel)["meta"]["event_id"]
        self.sentinels.add(event_id)
        await broadcast(self.layer, FLUSH, sentinel)
        while not connection.closed:
            try:
                out = await connection.output()
            except asyncio.TimeoutError:
                raise AssertionError(f"no sentinel frame within {TIMEOUT} s") from None
            if connection.record(out, self.sentinels, self.last) == event_id:
                return


# ---------------------------------------------------------------------------------- the fake


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.skip("needs node (the npm package's fake socket runs in Node)")
    return found


def fake_transcripts(script: dict[str, Any], offers: list[list[str]]) -> list[Any]:
    lib = TS / "lib"
    built = lib / "testing" / "fake-socket.js"
    if not built.exists() or not list((TS / "native").glob("*.node")):
        pytest.fail(
            f"{built} or the native addon is missing: build the npm package first "
            "(`make dist`, or `cd packages/typescript && npm run build`)"
        )
    request = json.dumps({"script": script, "clients": offers})
    done = subprocess.run(
        [node(), str(RUNNER), "--lib", str(lib)],
        input=request,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the fake socket runner failed:\n{done.stderr}"
    transcripts: list[Any] = json.loads(done.stdout)["transcripts"]
    return transcripts


# ---------------------------------------------------------------------------------- the test


def comparable(transcript: list[Any]) -> list[Any]:
    """The transcript with what the server makes afresh per run left out: the ``meta.event_id``
    and ``meta.timestamp`` of ``STREAM_RESYNC`` (checked present)."""
    out: list[Any] = []
    for entry in transcript:
        frame = entry.get("frame")
        if isinstance(frame, dict) and frame.get("type") == "STREAM_RESYNC":
            meta = dict(frame["meta"])
            assert isinstance(meta.pop("event_id"), str) and isinstance(meta.pop("timestamp"), str)
            entry = {"frame": {**frame, "meta": meta}}
        out.append(entry)
    return out


def describe(transcript: list[Any]) -> str:
    lines = []
    for entry in transcript:
        if "frame" in entry:
            frame = entry["frame"]
            meta, payload = frame.get("meta", {}), frame.get("payload", {})
            where = meta.get("position") or payload.get("position")
            lines.append(f"  frame {frame.get('type')} {frame.get('contracts_version')} {where}")
        else:
            lines.append(f"  {json.dumps(entry)}")
    return "\n".join(lines)


@pytest.mark.parametrize("path", script_files(), ids=lambda p: p.stem)
def test_the_fake_socket_sends_what_the_consumer_sends(
    path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = load(path)
    offers = clients(script)
    assert offers, f"{path.name}: no client to run"
    node()  # skip before the slow part when node is missing
    redis = request.getfixturevalue("redis_url") if script["layer"] == "streams" else None
    epoch = [script["epoch"]]
    monkeypatch.setattr(_redis_streams, "new_epoch", lambda: epoch[0])
    real = []
    for subprotocols in offers:
        epoch[0] = script["epoch"]
        real.append(asyncio.run(RealSide(script, subprotocols, redis).run(epoch)))
    fake = fake_transcripts(script, offers)
    assert len(fake) == len(real)
    for subprotocols, mine, theirs in zip(offers, fake, real):
        assert comparable(mine) == comparable(theirs), (
            f"{path.name}, a client offering {subprotocols}:\n"
            f"ContractsConsumer sent:\n{describe(theirs)}\nthe fake socket sent:\n{describe(mine)}"
        )


def test_the_corpus_covers_what_a_frontend_meets() -> None:
    """Each close code, refusal, resync cause and layer is in some script (a guard against a corpus
    that shrinks unnoticed)."""
    text = "\n".join(p.read_text("utf-8") for p in script_files())
    steps = [step for p in script_files() for step in json.loads(p.read_text("utf-8"))["steps"]]
    closes = {step["close"] for step in steps if "close" in step}
    assert {1012, 1013, 4012, 4013, 4401, 4403} <= closes
    refusals = {step["connect"].get("refuse") for step in steps if "connect" in step}
    assert {4401, 4403} <= refusals
    for needle in (
        '"client_send"',
        '"resume"',
        '"EPOCH_CHANGED"',
        '"layer": "memory"',
        "{{RELEASED}}",
    ):
        assert needle in text, needle
