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
    "SUBPROTOCOL_PREFIX",
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
    table: ``4401`` log in, ``4403`` not allowed, ``4406`` reload the app (its
    contracts version is not served), ``4413`` the client sent too much.
    """

    UNAUTHENTICATED = 4401
    """The connection is not authenticated (no or an expired login)."""
    FORBIDDEN = 4403
    """Authenticated, but not allowed to follow this stream."""
    UNSUPPORTED_VERSION = 4406
    """The announced contracts version cannot be served; the close reason lists the served ones."""
    FRAME_TOO_LARGE = 4413
    """The client sent a frame above the server's limit."""


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
