"""coach_app_baml_client.testing: the recording channel layer and the pytest plugin.

The layer is checked against the real ContractsConsumer (asgiref's
ApplicationCommunicator, as test_consumer.py does): what it says a client of a
version receives is what the consumer sends that client. This build ships one
contracts version, so the older-version outcomes (downgraded, left out) run on
a simulated history: the core's negotiate_version and downgrade_envelope are
replaced for the version 0.1.0, under both the consumer and the layer. The
plugin is checked through pytester: the fixture comes from the installed entry
point, and the previous layer is back after each test.
"""

from __future__ import annotations

import asyncio
import collections
import doctest
import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest

pytest.importorskip("channels")

from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer  # noqa: E402

import asgi_socket  # noqa: E402  (tests/asgi_socket.py)
from django_setup import configure_django  # noqa: E402  (tests/django_setup.py)

from coach_app_baml_client import (  # noqa: E402
    CONTRACTS_VERSION,
    DowngradeError,
    UnsupportedVersionError,
    _native,
    envelope_json,
    rollout,
)
from coach_app_baml_client.channels import ContractsConsumer, broadcast  # noqa: E402
from coach_app_baml_client.testing import channels as testing_channels  # noqa: E402
from coach_app_baml_client.testing.channels import (  # noqa: E402
    Broadcast,
    RecordingChannelLayer,
    recording_layer,
)

pytest_plugins = ["pytester"]

configure_django()

GROUP = "session.42"
CURRENT = f"coach-contracts.{CONTRACTS_VERSION}"
OLD = "0.1.0"  # the simulated released version (see simulated_history)
USER = "0192f0c1-7a52-7cc3-8d1e-000000000002"
TYPING = {"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010", "user_id": USER, "is_typing": True}
STARTED = {
    "session_id": "d0e7716d-ebea-4770-8e44-e7d7a3db65e5",
    "started_at": "2026-01-05T09:30:00Z",
    "started_by": {"id": USER, "display_name": "Ada", "role": "COACH"},
}
NOTE = {
    "id": "d0f8a918-676f-4fa1-aa4a-ee187596c0e0",
    "session_id": "d0e7716d-ebea-4770-8e44-e7d7a3db65e5",
    "author": {"id": USER, "display_name": "Ada", "role": "COACH"},
    "body": "Homework: walk",
    "visibility": "COACH_ONLY",
    "attachments": [
        {
            "id": "d0f8a918-676f-4fa1-aa4a-ee187596c0e1",
            "file_name": "plan.pdf",
            "mime_type": "application/pdf",
            "size_bytes": 1,
            "url": "https://example.test/plan.pdf",
        }
    ],
    "created_at": "2026-01-05T09:30:00Z",
}


def typing(is_typing: bool = True) -> bytes:
    return envelope_json("TYPING_INDICATOR", {**TYPING, "is_typing": is_typing})


def run(test: Callable[[], Coroutine[Any, Any, object]]) -> None:
    asyncio.run(test())


@pytest.fixture
def layer() -> Iterator[RecordingChannelLayer]:
    with recording_layer() as layer:
        yield layer


class Session(ContractsConsumer):  # type: ignore[misc]
    groups = [GROUP]


class Socket(asgi_socket.Socket):
    """The client, reading whatever was sent (as test_consumer.py drives it)."""

    async def frames(self) -> list[str]:
        """Every frame sent until the socket goes quiet."""
        frames: list[str] = []
        while not await self.receive_nothing(0.05):
            output = await self.receive_output(1)
            assert output["type"] == "websocket.send", output
            frames.append(output["text"])
        return frames


def socket(version: str | None) -> Socket:
    scope = {
        "type": "websocket",
        "path": "/ws/",
        "query_string": b"",
        "headers": [],
        "subprotocols": [f"coach-contracts.{version}"] if version else [],
    }
    return Socket(Session.as_asgi(), scope)


@pytest.fixture
def restore_default_layer() -> Iterator[None]:
    """Channels' default layer as it was before the test."""
    backends = channel_layers.backends
    had, before = "default" in backends, backends.get("default")
    yield
    channel_layers.backends.pop("default", None)
    if had and before is not None:
        channel_layers.backends["default"] = before


@pytest.fixture
def simulated_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that also serves 0.1.0, where TYPING_INDICATOR had no ``user_id`` and
    ``is_typing: false`` could not be sent (a stand-in for a change 0.1.0 cannot carry)."""
    negotiate, downgrade = _native.negotiate_version, _native.downgrade_envelope

    def negotiate_version(offers: list[str]) -> tuple[int, str] | None:
        if OLD in offers:
            return offers.index(OLD), OLD
        return negotiate(offers)

    def downgrade_envelope(text: str | bytes, to: str) -> str:
        if to != OLD:
            return downgrade(text, to)
        envelope = json.loads(text)
        if envelope["payload"].get("is_typing") is False:
            raise DowngradeError("enum-value-added", "/payload/is_typing", "not in 0.1.0")
        del envelope["payload"]["user_id"]
        return json.dumps({**envelope, "contracts_version": OLD})

    monkeypatch.setattr(_native, "negotiate_version", negotiate_version)
    monkeypatch.setattr(_native, "downgrade_envelope", downgrade_envelope)
    # The consumer's per-process cache and counters: none of the fakes' results outlive the test.
    monkeypatch.setattr(rollout, "_frames", collections.OrderedDict())
    monkeypatch.setattr(rollout, "_frames_bytes", 0)
    monkeypatch.setattr(rollout, "_skipped", collections.Counter())


# ---------------------------------------------------------------------- with the real consumer


def test_a_connected_consumer_runs_on_the_layer_and_gets_what_received_says(
    layer: RecordingChannelLayer,
) -> None:
    async def test() -> None:
        ws = socket(CONTRACTS_VERSION)
        assert await ws.connect() == (True, CURRENT)
        assert list(layer.groups[GROUP]) != []  # group_add went through the in-memory layer
        for text in (typing(), typing(False)):
            await broadcast(get_channel_layer(), GROUP, text)
        frames = await ws.frames()
        await ws.disconnect()
        assert GROUP not in layer.groups  # group_discard too
        assert [json.loads(f) for f in frames] == layer.received(GROUP)
        assert frames == [b.text for b in layer.broadcasts(GROUP)]  # the text itself

    run(test)


def test_older_clients_get_downgraded_frames_or_none_as_the_consumer_sends_them(
    layer: RecordingChannelLayer, simulated_history: None
) -> None:
    async def test() -> None:
        current, old = socket(CONTRACTS_VERSION), socket(OLD)
        assert await current.connect() == (True, CURRENT)
        assert await old.connect() == (True, f"coach-contracts.{OLD}")
        for text in (typing(), typing(False), typing()):
            await broadcast(get_channel_layer(), GROUP, text)
        sent = {CONTRACTS_VERSION: await current.frames(), OLD: await old.frames()}
        for ws in (current, old):
            await ws.disconnect()
        for version, frames in sent.items():
            assert [json.loads(f) for f in frames] == layer.received(GROUP, version), version

    run(test)
    sent_old = layer.received(GROUP, OLD)
    assert [e["contracts_version"] for e in sent_old] == [OLD, OLD]  # downgraded
    assert all("user_id" not in e["payload"] for e in sent_old)
    [skip] = layer.skipped(GROUP, OLD)  # the one 0.1.0 cannot carry
    assert skip.broadcast is layer.broadcasts(GROUP)[1]
    assert (skip.error.rule_id, skip.error.path) == ("enum-value-added", "/payload/is_typing")
    assert layer.skipped(GROUP, CONTRACTS_VERSION) == []
    # The layer asked the consumer's functions without counting skips of sockets that never were.
    assert rollout.skipped_frames() == {rollout.SkippedFrames(OLD, "enum-value-added"): 1}


def test_assert_broadcast_on_what_an_older_client_got(
    layer: RecordingChannelLayer, simulated_history: None
) -> None:
    run(lambda: broadcast(layer, GROUP, typing(False)))
    layer.assert_broadcast(GROUP, "TYPING_INDICATOR", payload={"is_typing": False})
    with pytest.raises(AssertionError) as raised:
        layer.assert_broadcast(GROUP, "TYPING_INDICATOR", client_version=OLD)
    assert str(raised.value).splitlines() == [
        f"nothing sent to a contracts {OLD} client in {GROUP!r} matched type='TYPING_INDICATOR'",
        f"every broadcast to {GROUP!r} was left out for {OLD} clients",
        f"left out for {OLD} clients:",
        "  TYPING_INDICATOR: enum-value-added at /payload/is_typing",
    ]
    run(lambda: broadcast(layer, GROUP, typing(True)))
    envelope = layer.assert_broadcast(GROUP, "TYPING_INDICATOR", client_version=OLD)
    assert envelope["contracts_version"] == OLD and "user_id" not in envelope["payload"]
    with pytest.raises(AssertionError, match="/payload/user_id is missing"):
        layer.assert_broadcast(GROUP, payload={"user_id": USER}, client_version=OLD)


@pytest.mark.parametrize("announced", ["99.0.0", "0.0.1", "banana"])
def test_a_version_the_consumer_refuses_is_an_error_not_an_empty_list(
    layer: RecordingChannelLayer, announced: str
) -> None:
    async def test() -> None:
        ws = socket(announced)
        await ws.connect()
        closed = await ws.receive_output(1)
        assert closed["code"] == 4406  # what the consumer does with such a client
        await ws.wait(1)

    run(test)
    run(lambda: broadcast(layer, GROUP, typing()))
    with pytest.raises(UnsupportedVersionError, match="closes a contracts .* with 4406") as raised:
        layer.received(GROUP, announced)
    assert raised.value.announced == announced
    assert f"supported: {CONTRACTS_VERSION}" in str(raised.value)
    with pytest.raises(UnsupportedVersionError):
        layer.skipped(GROUP, announced)


def test_a_newer_client_of_this_major_is_served_the_current_version(
    layer: RecordingChannelLayer,
) -> None:
    major, minor, _ = CONTRACTS_VERSION.split(".")
    newer = f"{major}.{int(minor) + 1}.0"
    run(lambda: broadcast(layer, GROUP, typing()))
    assert layer.received(GROUP, newer) == layer.received(GROUP) == [layer.broadcasts()[0].envelope]


def test_frames_per_version_are_the_consumers_own(layer: RecordingChannelLayer) -> None:
    """Without a history: unchanged for the current version; an unknown version is left out
    with the rule the consumer logs (``unknown-version``), as rollout.frame_for decides."""
    run(lambda: broadcast(layer, GROUP, typing()))
    [sent] = layer.broadcasts(GROUP)
    assert sent.frame_for(CONTRACTS_VERSION) is sent.text
    assert sent.frame_for("0.0.1") is None
    error = sent.skip_for("0.0.1")
    assert isinstance(error, DowngradeError) and error.rule_id == "unknown-version"
    for version in (CONTRACTS_VERSION, "0.0.1"):
        assert sent.frame_for(version) == rollout.frame_for(sent.text, sent.version, version)


# ---------------------------------------------------------------------- recording


def test_broadcasts_are_recorded_per_group_parsed_with_their_version_and_handler(
    layer: RecordingChannelLayer,
) -> None:
    sent = typing()

    async def test() -> None:
        await broadcast(layer, GROUP, sent)
        await broadcast(layer, "thread.7", envelope_json("SESSION_STARTED", STARTED))
        await broadcast(layer, GROUP, typing(False), message_type="typing.event")

    run(test)
    first, started, custom = layer.broadcasts()
    assert first == Broadcast(
        group=GROUP, text=sent.decode(), version=CONTRACTS_VERSION, envelope=json.loads(sent)
    )
    assert first.message_type == "contracts.event"
    assert (first.type, first.payload, first.meta) == ("TYPING_INDICATOR", TYPING, first.meta)
    assert first.meta == json.loads(sent)["meta"] and "event_id" in first.meta
    assert started.group == "thread.7" and started.payload == STARTED
    assert custom.message_type == "typing.event"
    assert layer.broadcasts(GROUP) == [first, custom]
    assert layer.broadcasts(type="SESSION_STARTED") == [started]
    assert layer.broadcasts("thread.7", "TYPING_INDICATOR") == []
    assert [m.broadcast for m in layer.group_messages()] == [first, started, custom]


def test_other_group_messages_are_kept_apart_and_earlier_releases_shape_is_read(
    layer: RecordingChannelLayer,
) -> None:
    envelope = json.loads(typing())

    async def test() -> None:
        await layer.group_send(GROUP, {"type": "chat.message", "text": "hello"})
        await layer.group_send(GROUP, {"type": "contracts.event", "envelope": envelope})
        await layer.group_send(GROUP, {"type": "contracts.event", "text": "[1]", "version": "x"})

    run(test)
    assert [m.message["type"] for m in layer.group_messages(GROUP)] == [
        "chat.message",
        "contracts.event",
        "contracts.event",
    ]
    [legacy] = layer.broadcasts(GROUP)  # the {"envelope": <dict>} of earlier releases
    assert legacy.envelope == envelope and legacy.version == envelope["contracts_version"]
    assert layer.received(GROUP) == [envelope]
    with pytest.raises(AssertionError) as raised:
        layer.assert_broadcast(GROUP, "SESSION_STARTED")
    assert (
        f"(2 group message(s) to {GROUP!r} without an envelope: chat.message, contracts.event)"
        in (str(raised.value))
    )


def test_bad_messages_are_refused_as_channels_would(layer: RecordingChannelLayer) -> None:
    with pytest.raises(TypeError, match="must be a dict with a 'type' key"):
        run(lambda: layer.group_send(GROUP, {"text": "no type"}))
    with pytest.raises(TypeError, match="Group name must be a valid unicode string"):
        run(lambda: layer.group_send("not a group!", {"type": "x"}))
    assert layer.group_messages() == []


def test_clear_forgets_the_recordings_not_the_memberships(layer: RecordingChannelLayer) -> None:
    async def test() -> None:
        await layer.group_add(GROUP, "specific.inmemory!abc")
        await broadcast(layer, GROUP, typing())
        layer.clear()
        layer.assert_nothing_broadcast()
        assert layer.group_messages() == [] and layer.received(GROUP) == []
        assert "specific.inmemory!abc" in layer.groups[GROUP]
        await broadcast(layer, GROUP, typing())
        assert len(layer.broadcasts()) == 1

    run(test)


# ---------------------------------------------------------------------- assertions


def test_assert_broadcast_matches_subsets_and_returns_the_last_match(
    layer: RecordingChannelLayer,
) -> None:
    async def test() -> None:
        await broadcast(layer, GROUP, typing())
        await broadcast(layer, GROUP, envelope_json("SESSION_STARTED", STARTED))
        await broadcast(layer, GROUP, envelope_json("NOTE_ADDED", NOTE))
        await broadcast(layer, GROUP, envelope_json("SESSION_STARTED", STARTED))

    run(test)
    last = layer.broadcasts(GROUP)[-1].envelope
    assert layer.assert_broadcast(GROUP, "SESSION_STARTED") == last
    assert layer.assert_broadcast(GROUP, payload={"started_by": {"role": "COACH"}}) == last
    assert layer.assert_broadcast(GROUP, payload={"user_id": uuid.UUID(USER)})["type"] == (
        "TYPING_INDICATOR"
    )
    assert layer.assert_broadcast(GROUP, meta={"event_id": last["meta"]["event_id"]}) is last
    layer.assert_broadcast(GROUP, payload={"attachments": [{"size_bytes": 1}]})
    layer.assert_broadcast(GROUP)  # anything
    for payload in (
        {"attachments": [{"size_bytes": True}]},  # JSON true is not 1
        {"attachments": [{"size_bytes": 1}, {"size_bytes": 1}]},
        {"attachments": {"size_bytes": 1}},
        {"started_by": "Ada"},
    ):
        with pytest.raises(AssertionError):
            layer.assert_broadcast(GROUP, payload=payload)


def test_a_failed_assert_broadcast_lists_what_was_broadcast_and_why_each_differs(
    layer: RecordingChannelLayer,
) -> None:
    async def test() -> None:
        await broadcast(layer, GROUP, typing())
        await broadcast(layer, GROUP, envelope_json("SESSION_STARTED", STARTED))
        await broadcast(layer, "thread.7", typing())

    run(test)
    with pytest.raises(AssertionError) as raised:
        layer.assert_broadcast(
            GROUP,
            "SESSION_STARTED",
            payload={"started_by": {"role": "CLIENT"}, "ended_at": "2026-01-05T10:00:00Z"},
        )
    lines = str(raised.value).splitlines()
    assert lines[0] == (
        f"no broadcast to {GROUP!r} matched type='SESSION_STARTED' payload="
        '{"started_by": {"role": "CLIENT"}, "ended_at": "2026-01-05T10:00:00Z"}'
    )
    assert lines[1] == f"2 broadcast(s) to {GROUP!r}:"
    assert lines[2].startswith(
        '  #1 TYPING_INDICATOR: /type is "TYPING_INDICATOR", expected "SESSION_STARTED"; '
        '/payload/started_by is missing (expected {"role": "CLIENT"})'
    )
    assert lines[3] == f"      payload={json.dumps(TYPING)}"
    assert lines[4] == (
        '  #2 SESSION_STARTED: /payload/started_by/role is "COACH", expected "CLIENT"; '
        '/payload/ended_at is missing (expected "2026-01-05T10:00:00Z")'
    )
    assert lines[6:] == ["broadcasts to other groups:", "  'thread.7': TYPING_INDICATOR"]

    with pytest.raises(AssertionError) as raised:
        layer.assert_broadcast("session.43", "TYPING_INDICATOR", meta={"correlation_id": "c"})
    assert str(raised.value).splitlines()[:2] == [
        "no broadcast to 'session.43' matched type='TYPING_INDICATOR' "
        'meta={"correlation_id": "c"}',
        "nothing was broadcast to 'session.43'",
    ]


def test_when_nothing_was_broadcast_the_message_says_whether_the_layer_is_installed() -> None:
    with recording_layer() as installed, pytest.raises(AssertionError) as raised:
        installed.assert_broadcast(GROUP, "TYPING_INDICATOR")
    assert str(raised.value).splitlines()[1:] == ["nothing was broadcast to any group"]
    with pytest.raises(AssertionError) as raised:
        RecordingChannelLayer().assert_broadcast(GROUP, "TYPING_INDICATOR")
    hint = str(raised.value).splitlines()[2]
    assert "get_channel_layer() does not return this layer" in hint
    assert "contracts_layer fixture or recording_layer()" in hint


def test_assert_broadcast_refuses_what_cannot_match(layer: RecordingChannelLayer) -> None:
    with pytest.raises(ValueError, match=r"type='TYPING'\): not an event type .*TYPING_INDICATOR"):
        layer.assert_broadcast(GROUP, "TYPING")
    with pytest.raises(ValueError, match="not an event type"):
        layer.broadcasts(GROUP, "TYPING")
    with pytest.raises(TypeError, match=r"assert_broadcast\(payload=...\): expected a dict"):
        layer.assert_broadcast(GROUP, payload=["is_typing"])  # type: ignore[arg-type]


def test_assert_nothing_broadcast_lists_what_was(layer: RecordingChannelLayer) -> None:
    run(lambda: broadcast(layer, GROUP, typing()))
    layer.assert_nothing_broadcast("thread.7")
    layer.assert_nothing_broadcast(GROUP, type="SESSION_STARTED")
    with pytest.raises(AssertionError) as raised:
        layer.assert_nothing_broadcast()
    assert str(raised.value).splitlines() == [
        "expected no envelope broadcast to any group, got 1:",
        f"  #1 TYPING_INDICATOR to {GROUP!r}: payload={json.dumps(TYPING)}",
    ]
    with pytest.raises(AssertionError, match="expected no TYPING_INDICATOR envelope broadcast to"):
        layer.assert_nothing_broadcast(GROUP, type="TYPING_INDICATOR")


def test_long_values_are_cut_in_failure_messages(layer: RecordingChannelLayer) -> None:
    note = {**NOTE, "body": "x" * 1000}
    run(lambda: broadcast(layer, GROUP, envelope_json("NOTE_ADDED", note)))
    with pytest.raises(AssertionError) as raised:
        layer.assert_broadcast(GROUP, "SESSION_STARTED")
    assert all(len(line) < 300 for line in str(raised.value).splitlines())


# ---------------------------------------------------------------------- installing it


def test_recording_layer_installs_and_restores_the_default_layer(
    restore_default_layer: None,
) -> None:
    other = InMemoryChannelLayer()
    channel_layers.set("default", other)
    with recording_layer() as layer:
        assert get_channel_layer() is layer
        with recording_layer(alias="second") as second:
            assert get_channel_layer("second") is second and get_channel_layer() is layer
        assert "second" not in channel_layers.backends  # it had none: none again
    assert get_channel_layer() is other
    mine = RecordingChannelLayer(capacity=3)
    with recording_layer(mine) as layer:
        assert layer is mine and get_channel_layer() is mine
    assert get_channel_layer() is other
    channel_layers.backends.pop("default")
    with recording_layer():
        pass
    assert "default" not in channel_layers.backends  # not a None left in its place


def test_the_settings_backend_path_builds_it_with_its_config() -> None:
    from django.test import override_settings

    layers = {
        "default": {
            "BACKEND": "coach_app_baml_client.testing.channels.RecordingChannelLayer",
            "CONFIG": {"capacity": 7, "expiry": 5},
        }
    }
    before = dict(channel_layers.backends)
    try:
        with override_settings(CHANNEL_LAYERS=layers):
            layer = get_channel_layer()
            assert isinstance(layer, RecordingChannelLayer)
            assert (layer.capacity, layer.expiry) == (7, 5)
            run(lambda: broadcast(get_channel_layer(), GROUP, typing()))
            layer.assert_broadcast(GROUP, "TYPING_INDICATOR")
    finally:
        channel_layers.backends.clear()
        channel_layers.backends.update(before)


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(testing_channels, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0


# ---------------------------------------------------------------------- the pytest plugin

USES_THE_FIXTURE = """
import asyncio

from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer

from coach_app_baml_client import envelope_json
from coach_app_baml_client.channels import broadcast

BEFORE = InMemoryChannelLayer()
channel_layers.set("default", BEFORE)

TYPING = {TYPING!r}


def test_broadcast_through_get_channel_layer(contracts_layer):
    assert get_channel_layer() is contracts_layer
    envelope = envelope_json("TYPING_INDICATOR", TYPING)
    asyncio.run(broadcast(get_channel_layer(), "thread.42", envelope))
    contracts_layer.assert_broadcast("thread.42", type="TYPING_INDICATOR")


def test_each_test_gets_a_new_layer(contracts_layer):
    contracts_layer.assert_nothing_broadcast()


def test_the_previous_layer_is_back():
    assert get_channel_layer() is BEFORE
"""


def test_the_plugin_is_registered_by_the_installed_entry_point(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure()
    plugin = config.pluginmanager.get_plugin("coach_app_contracts")
    assert plugin is not None, "is the package installed with its entry points? (maturin develop)"
    assert plugin.__name__ == "coach_app_baml_client.testing.pytest_plugin"


def test_the_fixture_installs_a_fresh_layer_per_test_and_restores_the_previous_one(
    pytester: pytest.Pytester, restore_default_layer: None
) -> None:
    pytester.makepyfile(test_app=USES_THE_FIXTURE.replace("{TYPING!r}", repr(TYPING)))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    assert channel_layers.backends.get("default") is not None  # BEFORE, the file's own


def test_without_the_plugin_there_is_no_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_it(contracts_layer):\n    pass\n")
    result = pytester.runpytest("-p", "no:coach_app_contracts", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'contracts_layer' not found*"])


def test_the_fixture_skips_with_the_install_line_without_channels(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        "import sys, pytest\n"
        "@pytest.fixture(autouse=True)\n"
        "def no_channels(monkeypatch):\n"
        "    monkeypatch.setitem(sys.modules, 'channels.layers', None)\n"
        "def test_it(contracts_layer):\n"
        "    raise AssertionError('not reached')\n"
    )
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    assert (
        "SKIPPED [1] test_the_fixture_skips_with_the_install_line_without_channels.py:5: the "
        'contracts_layer fixture needs Django Channels: pip install "coach-app-baml-client[channels]"'
    ) in result.stdout.str()


def test_loading_the_plugin_imports_nothing_beyond_pytest_and_the_package() -> None:
    """Every pytest run of a project that installs the package loads the plugin."""
    code = (
        "import json, sys, pytest\n"
        "before = set(sys.modules)\n"
        "import coach_app_baml_client.testing.pytest_plugin\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(json.dumps(sorted(new - set(sys.stdlib_module_names))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["coach_app_baml_client"]
