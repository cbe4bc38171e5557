"""The WebSocket protocol between contracts clients and servers: subprotocols and close codes.

A client announces the contracts version it was built with as the subprotocol
``coach-contracts.<version>`` when it opens the socket (a standard handshake
field, settable from browsers: ``new WebSocket(url, contractsProtocols())`` in
the TypeScript package). The server picks the version to speak
(:func:`choose_version`), echoes the chosen subprotocol, and sends every
envelope in that version (:class:`coach_app_baml_client.channels.ContractsConsumer`).

>>> contracts_protocols("0.1.0")
['coach-contracts.0.1.0']
>>> choose_version(["chat", f"coach-contracts.{CONTRACTS_VERSION}"]) == Choice(
...     f"coach-contracts.{CONTRACTS_VERSION}", CONTRACTS_VERSION)
True
>>> choose_version([]) is None
True
>>> int(CloseCode.UNSUPPORTED_VERSION)
4406
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import NamedTuple

from . import CONTRACTS_VERSION, _native

__all__ = [
    "RECONNECT_AT_ONCE",
    "REFUSALS",
    "SUBPROTOCOL_PREFIX",
    "application_twin",
    "Choice",
    "CloseCode",
    "choose_version",
    "contracts_protocols",
]

SUBPROTOCOL_PREFIX = "coach-contracts."
"""The subprotocols that announce a contracts version: ``coach-contracts.<MAJOR.MINOR.PATCH>``."""


class CloseCode(IntEnum):
    """The close codes a contracts server sends (RFC 6455 leaves 4000-4999 to applications).

    They follow HTTP status codes, so a client can tell them apart without a
    table: ``4400`` a malformed ``resume`` parameter, ``4401`` log in,
    ``4403`` not allowed, ``4406`` reload the app (its contracts version is not
    served), ``4413`` the client sent too much. Two standard codes tell the
    client to reconnect and resume from its last position: ``1012`` (the
    server restarts: at once) and ``1013`` (try again later, with backoff: the
    server lost its event stream, or the client fell behind). Servers that let
    applications send only 1000 and 3000-4999 (daphne, through autobahn) get
    their twins ``4012`` and ``4013`` instead; clients treat both the same.
    """

    SERVICE_RESTART = 1012
    """The server is restarting: reconnect at once and resume (RFC 6455 registry)."""
    TRY_AGAIN_LATER = 1013
    """The server cannot deliver now (Redis unreachable, or the client fell too far behind):
    reconnect with backoff and resume."""
    RESTART = 4012
    """:attr:`SERVICE_RESTART` where the server refuses 1012 from applications (daphne)."""
    RETRY_LATER = 4013
    """:attr:`TRY_AGAIN_LATER` where the server refuses 1013 from applications (daphne)."""
    BAD_REQUEST = 4400
    """The handshake's ``resume`` parameter is malformed; the close reason says why."""
    UNAUTHENTICATED = 4401
    """The connection is not authenticated (no or an expired login)."""
    FORBIDDEN = 4403
    """Authenticated, but not allowed to follow this stream."""
    UNSUPPORTED_VERSION = 4406
    """The announced contracts version cannot be served; the close reason lists the served ones."""
    FRAME_TOO_LARGE = 4413
    """The client sent a frame above the server's limit."""


REFUSALS = frozenset(
    {
        CloseCode.BAD_REQUEST,
        CloseCode.UNAUTHENTICATED,
        CloseCode.FORBIDDEN,
        CloseCode.UNSUPPORTED_VERSION,
        CloseCode.FRAME_TOO_LARGE,
    }
)
"""The close codes after which reconnecting cannot help (the client must change first)."""

RECONNECT_AT_ONCE = frozenset({CloseCode.SERVICE_RESTART, CloseCode.RESTART})
"""The close codes after which a client reconnects without waiting; after any other code
that is not a refusal (1006, 1011, 1013, 4013, ...) it reconnects with backoff."""


def application_twin(code: int) -> int:
    """The 4xxx code a server that refuses ``code`` from applications (1012, 1013) gets.

    >>> application_twin(1012), application_twin(4403)
    (4012, 4403)
    """
    return 4000 + code % 1000 if 1000 <= code < 3000 and code != 1000 else code


class Choice(NamedTuple):
    """The outcome of :func:`choose_version`."""

    subprotocol: str
    """The offered subprotocol to echo in the handshake."""
    version: str
    """The contracts version to send (the announced one, or :data:`CONTRACTS_VERSION` for a
    newer client of the same MAJOR)."""


def contracts_protocols(version: str = CONTRACTS_VERSION) -> list[str]:
    """The subprotocols a client built with ``version`` offers: ``["coach-contracts.<version>"]``.

    For Python clients (``websockets.connect(url, subprotocols=contracts_protocols())``).
    """
    return [f"{SUBPROTOCOL_PREFIX}{version}"]


def choose_version(subprotocols: Iterable[str]) -> Choice | None:
    """The version to speak to a client that offered ``subprotocols`` (``scope["subprotocols"]``).

    ``None`` when it offered no ``coach-contracts.*`` subprotocol: serve
    :data:`CONTRACTS_VERSION` without echoing one. Otherwise the offer served
    the newest version: the current version for a current or newer client of
    this MAJOR, the announced one for a release in the shipped history.
    Raises :class:`~coach_app_baml_client.UnsupportedVersionError` when none
    of the offers can be served (malformed, a newer MAJOR, not a kept
    release); its message lists the supported versions.
    """
    offers = [p for p in subprotocols if p.startswith(SUBPROTOCOL_PREFIX)]
    if not offers:
        return None
    chosen = _native.negotiate_version([p[len(SUBPROTOCOL_PREFIX) :] for p in offers])
    if chosen is None:  # cannot happen with offers; keeps the types exact
        return None
    index, version = chosen
    return Choice(offers[index], version)
