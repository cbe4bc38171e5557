"""Broadcast validated envelopes through a Django Channels layer.

Install the extra: ``pip install "coach-app-baml-client[channels]"``.

This module does not import ``channels``: :func:`broadcast` only needs an
object with an awaitable ``group_send(group, message)`` (duck typing), such as
``channels.layers.get_channel_layer()``. Any object with that method works,
which keeps tests free of Channels (use an in-memory fake).

>>> import asyncio
>>> class PrintLayer:
...     async def group_send(self, group, message):
...         print(group, message["type"], message["envelope"]["type"])
>>> from coach_app_baml_client import make_envelope
>>> envelope = make_envelope("TYPING_INDICATOR", {
...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
...     "is_typing": True,
... })
>>> asyncio.run(broadcast(PrintLayer(), "thread.42", envelope))
thread.42 contracts.event TYPING_INDICATOR
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, Protocol

from . import _wire, validate_envelope

__all__ = ["GroupSendLayer", "broadcast"]


class GroupSendLayer(Protocol):
    """What :func:`broadcast` needs from a channel layer: Channels' ``group_send``."""

    def group_send(self, group: str, message: dict[str, Any], /) -> Awaitable[Any]: ...


async def broadcast(
    channel_layer: GroupSendLayer,
    group: str,
    envelope: object,
    *,
    message_type: str = "contracts.event",
    target_version: str | None = None,
) -> None:
    """Validate ``envelope`` (producer mode), then send it to ``group``.

    ``envelope`` is anything :func:`~coach_app_baml_client.validate_envelope`
    accepts: a dict, JSON ``bytes``/``str`` or a generated Pydantic envelope.
    An invalid envelope raises
    :class:`~coach_app_baml_client.EnvelopeValidationError` and nothing is
    sent. Otherwise this awaits
    ``channel_layer.group_send(group, {"type": message_type, "envelope": <dict>})``,
    where ``<dict>`` is the JSON-decoded envelope that was validated (plain
    JSON types, safe for any layer's serializer). With the default
    ``message_type``, consumers handle it in a ``contracts_event`` method.
    """
    wire = _wire(envelope)
    validate_envelope(wire, target_version=target_version)
    decoded: dict[str, Any] = json.loads(wire)
    await channel_layer.group_send(group, {"type": message_type, "envelope": decoded})
