"""What a contracts WebSocket server knows about its clients' versions, in this process.

- :func:`connected_versions`: open sockets per contracts version, so an
  operator sees when an old version is no longer used and can be dropped.
- :func:`skipped_frames`: envelopes not sent because the client's version
  cannot carry them, per version and ``contracts diff`` rule id.
- :func:`frame_for`: the frame text a client of some version gets for a
  broadcast envelope, downgraded once per distinct version per broadcast (the
  first socket of that version computes it, the others reuse it).

:class:`coach_app_baml_client.channels.ContractsConsumer` keeps these up to
date; nothing here imports Channels.

>>> from coach_app_baml_client import CONTRACTS_VERSION
>>> frame_for('{"type": "X"}', CONTRACTS_VERSION, CONTRACTS_VERSION)
'{"type": "X"}'
>>> connected_versions()
{}
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from typing import NamedTuple

from . import _native
from ._errors import DowngradeError

__all__ = [
    "SkippedFrames",
    "connected_versions",
    "frame_for",
    "skipped_frames",
]

log = logging.getLogger("coach_app_baml_client.channels")

# How many (envelope, version) results are kept, and how many bytes of text at
# most: a broadcast is fanned out to every socket of a process within one pass
# of the event loop, so only the most recent broadcasts are looked up again.
CACHE_SIZE = 256
CACHE_BYTES = 8 * 1024 * 1024


class SkippedFrames(NamedTuple):
    """A key of :func:`skipped_frames`."""

    version: str
    """The contracts version of the clients that were not sent the envelope."""
    rule_id: str
    """Why: the ``contracts diff`` rule of the change they cannot decode."""


_connected: Counter[str] = Counter()
_skipped: Counter[SkippedFrames] = Counter()
_frames: OrderedDict[tuple[str, str], str | DowngradeError] = OrderedDict()
_frames_bytes = 0


def connected_versions() -> dict[str, int]:
    """How many sockets are open per contracts version in this process (versions with none left out).

    >>> connected_versions().get("0.0.1", 0)
    0
    """
    return {version: n for version, n in sorted(_connected.items()) if n > 0}


def skipped_frames() -> dict[SkippedFrames, int]:
    """How many frames were not sent in this process, per client version and rule id."""
    return dict(_skipped)


def socket_opened(version: str) -> None:
    """Counts a socket that now speaks ``version``."""
    _connected[version] += 1
    log.debug(
        "contracts %s client connected (%d open at %s)",
        version,
        _connected[version],
        version,
        extra={"contracts_version": version},
    )


def socket_closed(version: str) -> None:
    """Uncounts a socket opened with :func:`socket_opened`."""
    _connected[version] -= 1
    if _connected[version] <= 0:
        del _connected[version]
    log.debug(
        "contracts %s client disconnected (%d open at %s)",
        version,
        _connected.get(version, 0),
        version,
        extra={"contracts_version": version},
    )


def frame_for(text: str, text_version: str, version: str) -> str | None:
    """The frame for a client of ``version`` of the envelope ``text`` (validated as ``text_version``).

    ``text`` itself when the versions are equal; otherwise the envelope
    downgraded to ``version`` (computed once per distinct text and version),
    or ``None`` when that client cannot decode it: then the skip is counted
    (:func:`skipped_frames`), and logged once per broadcast and version with
    the rule id.
    """
    if version == text_version:
        return text
    key = (text, version)
    frame = _frames.get(key)
    if frame is None:
        frame = downgrade(text, version)
        _remember(key, frame)
    if isinstance(frame, DowngradeError):
        count_skip(version, frame.rule_id)
        return None
    return frame


def count_skip(version: str, rule_id: str) -> None:
    """Counts one frame not sent to a client of ``version`` because of the change ``rule_id``."""
    _skipped[SkippedFrames(version, rule_id)] += 1


def _remember(key: tuple[str, str], frame: str | DowngradeError) -> None:
    global _frames_bytes
    size = len(key[0]) + (len(frame) if isinstance(frame, str) else 0)
    if size > CACHE_BYTES:
        return  # computed again for each socket: rare, and memory stays bounded
    _frames[key] = frame
    _frames_bytes += size
    while len(_frames) > CACHE_SIZE or _frames_bytes > CACHE_BYTES:
        (old_text, _), old = _frames.popitem(last=False)
        _frames_bytes -= len(old_text) + (len(old) if isinstance(old, str) else 0)


def downgrade(text: str, version: str) -> str | DowngradeError:
    """``text`` downgraded to ``version``, or why it cannot be (logged with the rule id)."""
    try:
        return _native.downgrade_envelope(text, version)
    except DowngradeError as err:
        log.info(
            "not sent to contracts %s clients: %s at %s: %s",
            version,
            err.rule_id,
            err.path or "(root)",
            err.message,
            extra={"contracts_version": version, "rule_id": err.rule_id},
        )
        return err
