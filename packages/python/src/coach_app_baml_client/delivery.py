"""Positions in streams, and how a client announces them when it reconnects.

Every group a backend broadcasts to is a *stream* (``docs/delivery.md``). An
envelope broadcast through
:class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer` gets the next
*offset* of the stream's current *epoch*, and every frame of it carries that
position in ``meta.position``. A client that reconnects announces the last
position it handled per stream, as ``resume`` query parameters::

    wss://example.org/ws/sessions/42/?resume=session.42:kT0c3nV1sQ2b:17

and is sent every envelope after it, or a ``STREAM_RESYNC`` envelope when
that is no longer possible (then it refetches its state).

This module is pure Python (no Redis, no Channels): the formats and the
settings, shared by the server, the Python client and the tests.

>>> position = StreamPosition("session.42", "kT0c3nV1sQ2b", 17)
>>> resume_query([position])
'resume=session.42%3AkT0c3nV1sQ2b%3A17'
>>> parse_resume(b"resume=session.42:kT0c3nV1sQ2b:17&other=1")
{'session.42': StreamPosition(stream='session.42', epoch='kT0c3nV1sQ2b', offset=17)}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl, urlencode

from ._errors import ResumeError

__all__ = [
    "MAX_RESUME_STREAMS",
    "RESUME_PARAMETER",
    "ResyncCause",
    "StreamPosition",
    "StreamSettings",
    "parse_resume",
    "position_of",
    "resume_query",
]

RESUME_PARAMETER = "resume"
"""The query parameter a reconnecting client announces a position with (repeat it per stream)."""

MAX_RESUME_STREAMS = 64
"""The most ``resume`` parameters one handshake may carry."""

MAX_OFFSET = 2**63 - 1
# What a handshake's query string may hold at most (the resume parameters and the others).
MAX_QUERY_FIELDS = 1000

# Channels' group names: ASCII letters, digits, `-`, `_` and `.`, under 100 characters.
STREAM_NAME = re.compile(r"[A-Za-z0-9._-]{1,99}")
# Epochs are made by the server (URL-safe base64); 64 characters leave room for others' schemes.
EPOCH = re.compile(r"[A-Za-z0-9_-]{1,64}")

ResyncCause = Literal["EPOCH_CHANGED", "HISTORY_EXPIRED", "POSITION_UNKNOWN"]
"""Why a client gets ``STREAM_RESYNC`` (the ``StreamResyncCause`` enum of the contract)."""


class StreamPosition(NamedTuple):
    """A position in a stream: ``meta.position`` of a broadcast envelope."""

    stream: str
    """The stream: the group the envelope was broadcast to."""
    epoch: str
    """The stream's epoch; it changes when the stream's history was lost."""
    offset: int
    """1 for the epoch's first envelope, one more for each next one; 0 before the first."""

    def to_json(self) -> dict[str, Any]:
        """The position as the contract's ``StreamPosition`` object."""
        return {"stream": self.stream, "epoch": self.epoch, "offset": self.offset}


def position_of(envelope: Mapping[str, Any]) -> StreamPosition | None:
    """The ``meta.position`` of a (validated) envelope, or ``None`` when it has none.

    >>> position_of({"meta": {"position": {"stream": "s", "epoch": "e", "offset": 3}}})
    StreamPosition(stream='s', epoch='e', offset=3)
    >>> position_of({"meta": {}}) is None
    True
    """
    meta = envelope.get("meta")
    raw = meta.get("position") if isinstance(meta, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    return StreamPosition(str(raw["stream"]), str(raw["epoch"]), int(raw["offset"]))


def resume_query(positions: Iterable[StreamPosition]) -> str:
    """The query string that announces ``positions`` (``resume=<stream>:<epoch>:<offset>`` each)."""
    return urlencode([(RESUME_PARAMETER, f"{p.stream}:{p.epoch}:{p.offset}") for p in positions])


def parse_resume(query_string: bytes | str) -> dict[str, StreamPosition]:
    """The positions a handshake's query string announces, by stream.

    Other parameters are ignored. Raises :class:`~coach_app_baml_client.ResumeError`
    for a malformed ``resume`` value, a stream named twice, or more than
    :data:`MAX_RESUME_STREAMS` of them.

    >>> parse_resume("resume=a:e1:0&resume=b:e2:9") == {
    ...     "a": StreamPosition("a", "e1", 0), "b": StreamPosition("b", "e2", 9)}
    True
    >>> parse_resume("resume=a:e1:-1")
    Traceback (most recent call last):
    ...
    coach_app_baml_client._errors.ResumeError: resume='a:e1:-1': the offset must be an integer from 0 to 9223372036854775807
    """
    text = query_string.decode("latin-1") if isinstance(query_string, bytes) else query_string
    if RESUME_PARAMETER not in text:
        return {}
    try:
        fields = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_QUERY_FIELDS)
    except ValueError:
        raise ResumeError(
            text[:80], f"the query string has more than {MAX_QUERY_FIELDS} fields"
        ) from None
    positions: dict[str, StreamPosition] = {}
    for name, value in fields:
        if name != RESUME_PARAMETER:
            continue
        position = _parse_one(value)
        if position.stream in positions:
            raise ResumeError(value, f"stream {position.stream!r} is announced twice")
        positions[position.stream] = position
        if len(positions) > MAX_RESUME_STREAMS:
            raise ResumeError(value, f"at most {MAX_RESUME_STREAMS} streams can be resumed at once")
    return positions


def _parse_one(value: str) -> StreamPosition:
    parts = value.split(":")
    if len(parts) != 3:
        raise ResumeError(
            value, "expected <stream>:<epoch>:<offset>, the stream's last handled meta.position"
        )
    stream, epoch, offset = parts
    if not STREAM_NAME.fullmatch(stream):
        raise ResumeError(
            value, "the stream must be 1 to 99 ASCII letters, digits, '-', '_' or '.'"
        )
    if not EPOCH.fullmatch(epoch):
        raise ResumeError(value, "the epoch must be 1 to 64 ASCII letters, digits, '-' or '_'")
    if not offset.isascii() or not offset.isdigit() or len(offset) > 19 or int(offset) > MAX_OFFSET:
        raise ResumeError(value, f"the offset must be an integer from 0 to {MAX_OFFSET}")
    return StreamPosition(stream, epoch, int(offset))


@dataclass(frozen=True)
class StreamSettings:
    """How streams keep history and how the server reacts to faults.

    The defaults suit sessions of a coaching app: a client that reconnects
    within five minutes (a mobile network drop, a deploy) gets everything it
    missed, up to 500 envelopes per stream. Memory in Redis is bounded by
    ``history_size`` × the envelope size per active stream (about 1 MB for
    500 envelopes of 2 KB) and released ``idle_ttl`` after a stream's last
    broadcast.

    >>> StreamSettings(history_size=0)
    Traceback (most recent call last):
    ...
    ValueError: history_size must be a positive integer, got 0
    """

    history_size: int = 500
    """Envelopes kept per stream; older ones are trimmed as new ones arrive."""
    history_age: float = 300.0
    """Seconds an envelope stays replayable."""
    idle_ttl: float = 86400.0
    """Seconds a stream's epoch and history are kept after its last broadcast; then a new epoch
    starts (connected clients continue; a later resume from the old epoch gets STREAM_RESYNC)."""
    publish_timeout: float = 2.0
    """Seconds ``broadcast`` waits for Redis before raising ``DeliveryUnavailableError``."""
    max_pending_frames: int = 2048
    """Frames queued for one socket before it is closed with 1013 (the client fell behind;
    it reconnects and resumes)."""
    unreachable_close_after: float = 10.0
    """Seconds without Redis after which this process closes its sockets with 1013, so that
    clients reconnect (perhaps to a process that reaches Redis) and resume."""
    report_interval: float = 5.0
    """Seconds between two publications of this process's counts for the cluster view."""
    prefix: str = "contracts"
    """The first part of every Redis key and channel name."""

    def __post_init__(self) -> None:
        for name in ("history_size", "max_pending_frames"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in (
            "history_age",
            "idle_ttl",
            "publish_timeout",
            "unreachable_close_after",
            "report_interval",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
        if self.idle_ttl < self.history_age:
            raise ValueError(
                f"idle_ttl ({self.idle_ttl}) must be at least history_age ({self.history_age})"
            )
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", self.prefix):
            raise ValueError(
                f"prefix must be 1 to 64 ASCII letters, digits, '-', '_' or '.', "
                f"got {self.prefix!r}"
            )
