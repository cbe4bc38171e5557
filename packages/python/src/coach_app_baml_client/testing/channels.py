"""A Channels layer for tests that records what was broadcast and what each client version gets.

:class:`RecordingChannelLayer` is Channels' ``InMemoryChannelLayer`` (so
:class:`~coach_app_baml_client.channels.ContractsConsumer` and any other
consumer work with it: ``group_add``, ``group_discard``, ``send``,
``receive``, ``group_send``) that also records every ``group_send``. The
envelopes :func:`~coach_app_baml_client.channels.broadcast` sent are kept per
group, parsed, with what a connected ``ContractsConsumer`` of each contracts
version sends its client for them: the text itself for the broadcast's
version, a downgraded copy for an older version, nothing when that version
cannot carry it (computed by the consumer's own functions). No Redis, no
network. Needs the ``channels`` extra: ``pip install "coach-app-baml-client[channels]"``.

Install it in one of three ways:

- the ``contracts_layer`` pytest fixture (this package's pytest plugin);
- :func:`recording_layer`, a context manager, without any Django settings;
- Django settings, for tests that configure layers there::

      CHANNEL_LAYERS = {"default": {
          "BACKEND": "coach_app_baml_client.testing.channels.RecordingChannelLayer"}}

  then ``channels.layers.get_channel_layer()`` returns it.

>>> import asyncio
>>> from channels.layers import get_channel_layer
>>> from coach_app_baml_client import envelope_json
>>> from coach_app_baml_client.channels import broadcast
>>> typing = {
...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
...     "is_typing": True,
... }
>>> with recording_layer() as layer:
...     asyncio.run(broadcast(get_channel_layer(), "thread.42",
...                           envelope_json("TYPING_INDICATOR", typing)))
...     envelope = layer.assert_broadcast("thread.42", type="TYPING_INDICATOR",
...                                       payload={"is_typing": True})
>>> envelope["payload"]["user_id"]
'0192f0c1-7a52-7cc3-8d1e-000000000002'
>>> [frame["type"] for frame in layer.received("thread.42")]
['TYPING_INDICATOR']
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import InMemoryChannelLayer, channel_layers

from .. import CONTRACTS_VERSION, EVENT_TYPES, rollout
from .._consumer import _message_text  # pyright: ignore[reportPrivateUsage]
from .._errors import DowngradeError, UnsupportedVersionError
from ..protocols import SUBPROTOCOL_PREFIX, choose_version

__all__ = [
    "Broadcast",
    "GroupMessage",
    "RecordingChannelLayer",
    "Skip",
    "recording_layer",
]

# How much of an envelope a failure message shows, in characters of JSON.
_SHOWN = 240


@dataclass(frozen=True)
class Broadcast:
    """One envelope sent to a group (by :func:`~coach_app_baml_client.channels.broadcast`).

    ``text`` is the JSON text the layer carried, which a consumer of
    ``version`` sends as its frame unchanged; ``envelope`` is that text parsed.
    """

    group: str
    """The group it was sent to."""
    text: str
    """The envelope's JSON text, as sent to the group."""
    version: str
    """The contracts version the envelope was validated as (``broadcast(target_version=)``)."""
    envelope: dict[str, Any]
    """The envelope, parsed from ``text``."""
    message_type: str = "contracts.event"
    """The group message's ``type`` (the consumer's handler): ``broadcast(message_type=)``."""
    _frames: dict[str, str | DowngradeError] = field(
        default_factory=lambda: {}, init=False, compare=False, repr=False
    )

    @property
    def type(self) -> str:
        """The envelope's event type (``envelope["type"]``)."""
        return str(self.envelope.get("type"))

    @property
    def payload(self) -> Any:
        """The envelope's payload (``envelope["payload"]``)."""
        return self.envelope.get("payload")

    @property
    def meta(self) -> dict[str, Any]:
        """The envelope's ``meta`` (``event_id``, ``timestamp``, ...)."""
        meta = self.envelope.get("meta")
        return cast("dict[str, Any]", meta) if isinstance(meta, dict) else {}

    def frame_for(self, version: str) -> str | None:
        """The text frame a consumer serving contracts ``version`` sends for this envelope.

        ``text`` itself for :attr:`version`, the envelope downgraded to an older
        ``version``, ``None`` when that version cannot carry it (:meth:`skip_for`
        says why). ``version`` is a served version (one of
        :data:`~coach_app_baml_client.KNOWN_VERSIONS`); for the version a client
        announces, use :meth:`RecordingChannelLayer.received`.
        """
        outcome = self._outcome(version)
        return outcome if isinstance(outcome, str) else None

    def skip_for(self, version: str) -> DowngradeError | None:
        """Why a consumer serving ``version`` sends nothing for this envelope (``.rule_id``,
        ``.path``), or ``None`` when it sends a frame."""
        outcome = self._outcome(version)
        return outcome if isinstance(outcome, DowngradeError) else None

    def _outcome(self, version: str) -> str | DowngradeError:
        # The consumer's rule (rollout.frame_for) without its process-wide skip counter.
        outcome = self._frames.get(version)
        if outcome is None:
            outcome = (
                self.text if version == self.version else rollout.downgrade(self.text, version)
            )
            self._frames[version] = outcome
        return outcome


class GroupMessage(NamedTuple):
    """One ``group_send`` as the layer got it."""

    group: str
    """The group it was sent to."""
    message: dict[str, Any]
    """A copy of the message."""
    broadcast: Broadcast | None
    """The contracts envelope it carries, ``None`` for other messages."""


class Skip(NamedTuple):
    """A broadcast a client version was not sent (:meth:`RecordingChannelLayer.skipped`)."""

    broadcast: Broadcast
    """What was broadcast."""
    error: DowngradeError
    """Why that version cannot carry it: ``error.rule_id`` (a ``contracts diff`` rule) at
    ``error.path``."""


class RecordingChannelLayer(InMemoryChannelLayer):  # type: ignore[misc]
    """Channels' in-memory layer that records every ``group_send``, for assertions in tests.

    Takes ``InMemoryChannelLayer``'s ``CONFIG`` (``expiry``, ``group_expiry``,
    ``capacity``, ``channel_capacity``). Consumers run on it as on the
    in-memory layer; in addition:

    - :meth:`broadcasts` lists the envelopes sent to a group (parsed), and
      :meth:`assert_broadcast` / :meth:`assert_nothing_broadcast` check them
      with a failure message that lists what *was* broadcast;
    - :meth:`received` is what a ``ContractsConsumer`` client of a contracts
      version was sent (unchanged, downgraded, or left out: :meth:`skipped`),
      whether or not such a socket is connected in the test;
    - :meth:`group_messages` is every ``group_send``, envelopes or not;
      :meth:`clear` forgets them all (the group memberships stay).

    >>> import asyncio
    >>> from coach_app_baml_client import envelope_json
    >>> from coach_app_baml_client.channels import broadcast
    >>> layer = RecordingChannelLayer()
    >>> layer.assert_nothing_broadcast()
    >>> asyncio.run(broadcast(layer, "thread.42", envelope_json("TYPING_INDICATOR", {
    ...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
    ...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
    ...     "is_typing": True,
    ... })))
    >>> [b.type for b in layer.broadcasts("thread.42")]
    ['TYPING_INDICATOR']
    >>> layer.assert_broadcast("thread.42", type="TYPING_INDICATOR", payload={"is_typing": False})
    Traceback (most recent call last):
    ...
    AssertionError: no broadcast to 'thread.42' matched type='TYPING_INDICATOR' payload={"is_typing": false}
    ...
    """

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._messages: list[GroupMessage] = []
        self._broadcasts: list[Broadcast] = []

    # ------------------------------------------------------------------ the channel layer API

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Records ``message`` (and the envelope it carries), then sends it as the in-memory
        layer does (to the group's channels in this process)."""
        self.require_valid_group_name(group)
        if not isinstance(message, dict) or "type" not in message:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(
                f"group_send({group!r}, ...): a channel layer message must be a dict with a "
                f"'type' key, got {message!r}"
            )
        self._record(group, message)
        await super().group_send(group, message)

    # ------------------------------------------------------------------ what was recorded

    def group_messages(self, group: str | None = None) -> list[GroupMessage]:
        """Every ``group_send`` (to ``group``, or to any group), in order, envelopes or not."""
        return [m for m in self._messages if group is None or m.group == group]

    def broadcasts(self, group: str | None = None, type: str | None = None) -> list[Broadcast]:
        """The envelopes broadcast (to ``group``, of event ``type``; any when ``None``), in order.

        Group messages that carry no contracts envelope (your own ``group_send``
        of other message types) are left out: see :meth:`group_messages`.
        """
        if type is not None:
            _require_event_type(type, "broadcasts")
        return [
            b
            for b in self._broadcasts
            if (group is None or b.group == group) and (type is None or b.type == type)
        ]

    def received(self, group: str, version: str = CONTRACTS_VERSION) -> list[dict[str, Any]]:
        """The envelopes a ``ContractsConsumer`` in ``group`` sends a client of ``version``, in order.

        ``version`` is the contracts version the client announces (its
        ``coach-contracts.<version>`` subprotocol); it is served as the consumer
        serves it (:func:`~coach_app_baml_client.protocols.choose_version`: a
        newer client of this MAJOR gets :data:`CONTRACTS_VERSION`). Each
        envelope comes unchanged, downgraded to the served version, or not at
        all when that version cannot carry it (:meth:`skipped`). A version the
        consumer refuses (it closes the socket with 4406) raises
        :class:`~coach_app_baml_client.UnsupportedVersionError`.
        """
        served = _served(version)
        frames = [b.frame_for(served) for b in self._broadcasts if b.group == group]
        return [json.loads(frame) for frame in frames if frame is not None]

    def skipped(self, group: str, version: str) -> list[Skip]:
        """The broadcasts to ``group`` a client of ``version`` is not sent, with the reason.

        ``version`` as in :meth:`received`. Each :class:`Skip` holds the
        broadcast and the :class:`~coach_app_baml_client.DowngradeError` (a new
        event type, a new enum value, ... the client's version cannot decode).
        """
        served = _served(version)
        skips: list[Skip] = []
        for b in self._broadcasts:
            if b.group == group:
                error = b.skip_for(served)
                if error is not None:
                    skips.append(Skip(b, error))
        return skips

    def clear(self) -> None:
        """Forgets every recorded message and broadcast (group memberships and queued
        messages stay: that is ``flush()``)."""
        self._messages.clear()
        self._broadcasts.clear()

    # ------------------------------------------------------------------ assertions

    def assert_broadcast(
        self,
        group: str,
        type: str | None = None,
        *,
        payload: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
        client_version: str | None = None,
    ) -> dict[str, Any]:
        """The last envelope broadcast to ``group`` that matches; fails listing every one otherwise.

        ``type`` is the event type; ``payload`` and ``meta`` match as subsets
        (every key given must be there with an equal value, recursively for
        objects; lists match item by item; other keys are not checked; a
        ``uuid.UUID`` matches its string). With ``client_version``, the match
        is on what a client of that version is sent (:meth:`received`):
        downgraded, and without the envelopes it cannot carry.

        Raises ``AssertionError`` when nothing matches, with the broadcasts to
        ``group`` and why each one does not match, and the other groups that
        got broadcasts; ``ValueError`` for an unknown ``type``.

        >>> layer = RecordingChannelLayer()
        >>> layer.assert_broadcast("session.42", type="SESSION_STARTED")
        Traceback (most recent call last):
        ...
        AssertionError: no broadcast to 'session.42' matched type='SESSION_STARTED'
        nothing was broadcast to any group
        ...
        """
        __tracebackhide__ = True
        if type is not None:
            _require_event_type(type, "assert_broadcast")
        expected: dict[str, Any] = {}
        if type is not None:
            expected["type"] = type
        if payload is not None:
            expected["payload"] = _require_mapping(payload, "payload")
        if meta is not None:
            expected["meta"] = _require_mapping(meta, "meta")
        if client_version is None:
            candidates = [b.envelope for b in self._broadcasts if b.group == group]
        else:
            candidates = self.received(group, client_version)
        for envelope in reversed(candidates):
            if not _mismatches(envelope, expected, ""):
                return envelope
        wanted = " ".join(
            [f"type={type!r}"] * (type is not None)
            + [f"{key}={_show(value)}" for key, value in expected.items() if key != "type"]
        )
        if client_version is None:
            header = f"no broadcast to {group!r} matched {wanted or '(anything)'}"
        else:
            header = (
                f"nothing sent to a contracts {client_version} client in {group!r} matched "
                f"{wanted or '(anything)'}"
            )
        lines = [header, *self._report(group, candidates, expected, client_version)]
        raise AssertionError("\n".join(lines))

    def assert_nothing_broadcast(
        self, group: str | None = None, *, type: str | None = None
    ) -> None:
        """Fails when an envelope (of event ``type``, when given) was broadcast to ``group``
        (to any group when ``None``), listing them.

        >>> RecordingChannelLayer().assert_nothing_broadcast("session.42")
        """
        __tracebackhide__ = True
        found = self.broadcasts(group, type)
        if not found:
            return
        where = f"to {group!r}" if group is not None else "to any group"
        what = f"{type} envelope" if type is not None else "envelope"
        lines = [f"expected no {what} broadcast {where}, got {len(found)}:"]
        lines += [f"  #{i} {_describe(b)}" for i, b in enumerate(found, 1)]
        raise AssertionError("\n".join(lines))

    # ------------------------------------------------------------------ internals

    def _record(self, group: str, message: dict[str, Any]) -> None:
        broadcast = _broadcast_of(group, message)
        self._messages.append(GroupMessage(group, dict(message), broadcast))
        if broadcast is not None:
            self._broadcasts.append(broadcast)

    def _report(
        self,
        group: str,
        candidates: list[dict[str, Any]],
        expected: dict[str, Any],
        client_version: str | None,
    ) -> list[str]:
        """What a failed :meth:`assert_broadcast` shows after its first line."""
        if not self._broadcasts:
            lines = ["nothing was broadcast to any group", *_install_hint(self)]
        elif not any(b.group == group for b in self._broadcasts):
            lines = [f"nothing was broadcast to {group!r}"]
        elif not candidates:
            lines = [f"every broadcast to {group!r} was left out for {client_version} clients"]
        else:
            noun = "broadcast(s)" if client_version is None else f"frame(s) for {client_version}"
            lines = [f"{len(candidates)} {noun} to {group!r}:"]
            for i, envelope in enumerate(candidates, 1):
                why = "; ".join(_mismatches(envelope, expected, "")[:3])
                lines.append(f"  #{i} {envelope.get('type')}: {why}")
                lines.append(f"      payload={_show(envelope.get('payload'))}")
                if "meta" in expected:
                    lines.append(f"      meta={_show(envelope.get('meta'))}")
        if client_version is not None:
            skips = self.skipped(group, client_version)
            if skips:
                lines.append(f"left out for {client_version} clients:")
                lines += [
                    f"  {s.broadcast.type}: {s.error.rule_id} at {s.error.path or '(root)'}"
                    for s in skips
                ]
        others: dict[str, list[str]] = {}
        for b in self._broadcasts:
            if b.group != group:
                others.setdefault(b.group, []).append(b.type)
        if others:
            lines.append("broadcasts to other groups:")
            lines += [f"  {name!r}: {', '.join(types)}" for name, types in others.items()]
        plain = [m for m in self._messages if m.group == group and m.broadcast is None]
        if plain:
            kinds = ", ".join(sorted({str(m.message.get("type")) for m in plain}))
            lines.append(
                f"({len(plain)} group message(s) to {group!r} without an envelope: {kinds})"
            )
        return lines

    def __repr__(self) -> str:
        groups = len({b.group for b in self._broadcasts})
        return f"<RecordingChannelLayer: {len(self._broadcasts)} broadcast(s) to {groups} group(s)>"


@contextlib.contextmanager
def recording_layer(
    layer: RecordingChannelLayer | None = None, *, alias: str = DEFAULT_CHANNEL_LAYER
) -> Generator[RecordingChannelLayer, None, None]:
    """Installs ``layer`` (a new :class:`RecordingChannelLayer` by default) as Channels'
    layer ``alias``, so that ``get_channel_layer()`` returns it; restores the previous one.

    No Django settings are needed (nor read). The ``contracts_layer`` pytest
    fixture is this, per test.

    >>> from channels.layers import get_channel_layer
    >>> with recording_layer() as layer:
    ...     get_channel_layer() is layer
    True
    """
    installed = layer if layer is not None else RecordingChannelLayer()
    backends = cast("dict[str, Any]", channel_layers.backends)
    had, previous = alias in backends, backends.get(alias)
    backends[alias] = installed
    try:
        yield installed
    finally:
        current = cast("dict[str, Any]", channel_layers.backends)  # a settings change resets it
        if had:
            current[alias] = previous
        else:
            current.pop(alias, None)


def _broadcast_of(group: str, message: dict[str, Any]) -> Broadcast | None:
    """The envelope a group message carries, read as ContractsConsumer reads it."""
    text, version = _message_text(message)
    if text is None or (isinstance(message.get("text"), str) and "version" not in message):
        return None  # not what broadcast() sends (nor its earlier {"envelope": ...} shape)
    try:
        envelope = json.loads(text)
    except ValueError:
        return None
    if not isinstance(envelope, dict):
        return None
    return Broadcast(
        group=group,
        text=text,
        version=version,
        envelope=cast("dict[str, Any]", envelope),
        message_type=str(message["type"]),
    )


def _served(version: str) -> str:
    """The version ContractsConsumer serves a client that announces ``version``."""
    try:
        choice = choose_version([f"{SUBPROTOCOL_PREFIX}{version}"])
    except UnsupportedVersionError as err:
        raise UnsupportedVersionError(
            err.announced,
            err.reason,
            f"ContractsConsumer closes a contracts {version!r} client with 4406 and sends it "
            f"nothing: {err}",
        ) from None
    return choice.version if choice is not None else CONTRACTS_VERSION


def _require_event_type(event_type: str, where: str) -> None:
    if event_type not in EVENT_TYPES:
        raise ValueError(
            f"{where}(type={event_type!r}): not an event type of contracts {CONTRACTS_VERSION}; "
            f"expected one of: {', '.join(EVENT_TYPES)}"
        )


def _require_mapping(value: object, name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"assert_broadcast({name}=...): expected a dict of the fields to match, "
            f"got {type(value).__name__}"
        )
    return dict(cast("Mapping[str, Any]", value))


def _mismatches(actual: object, expected: object, path: str) -> list[str]:
    """Why ``actual`` does not contain ``expected`` (JSON Pointers); empty when it does."""
    where = path or "(root)"
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{where} is {_show(actual)}, expected an object"]
        found = cast("Mapping[str, Any]", actual)
        problems: list[str] = []
        for key, value in cast("Mapping[str, Any]", expected).items():
            pointer = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key not in found:
                problems.append(f"{pointer} is missing (expected {_show(value)})")
            else:
                problems += _mismatches(found[key], value, pointer)
        return problems
    if isinstance(expected, (list, tuple)):
        items = cast("list[Any]", expected)
        if not isinstance(actual, list):
            return [f"{where} is {_show(actual)}, expected a list"]
        got = cast("list[Any]", actual)
        if len(got) != len(items):
            return [f"{where} has {len(got)} item(s), expected {len(items)}"]
        problems = []
        for i, (a, e) in enumerate(zip(got, items)):
            problems += _mismatches(a, e, f"{path}/{i}")
        return problems
    if isinstance(expected, uuid.UUID):
        expected = str(expected)
    same = actual == expected and isinstance(actual, bool) == isinstance(expected, bool)
    return [] if same else [f"{where} is {_show(actual)}, expected {_show(expected)}"]


def _show(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _describe(b: Broadcast) -> str:
    return f"{b.type} to {b.group!r}: payload={_show(b.payload)}"


def _install_hint(layer: RecordingChannelLayer) -> list[str]:
    """Why a test may have recorded nothing: the code under test used another layer."""
    backends = cast("dict[str, Any]", channel_layers.backends)
    if backends.get(DEFAULT_CHANNEL_LAYER) is layer:
        return []
    installed = backends.get(DEFAULT_CHANNEL_LAYER, "the one CHANNEL_LAYERS configures")
    return [
        f"(get_channel_layer() does not return this layer but {installed}: install it with the "
        "contracts_layer fixture or recording_layer() before the code under test runs)"
    ]
