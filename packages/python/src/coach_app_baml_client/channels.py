"""Broadcast validated envelopes through a Django Channels layer, and serve each client its version.

Install the extra: ``pip install "coach-app-baml-client[channels]"``.

- :func:`broadcast` validates an envelope (producer mode) and sends its JSON
  text to a group. With :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`
  it appends it to the group's stream, which gives it a position and keeps
  it for clients that reconnect (``docs/delivery.md``); with any other layer
  it only needs an awaitable ``group_send(group, message)`` (duck typing),
  such as Channels' ``InMemoryChannelLayer`` in tests, or a fake.
- :class:`ContractsConsumer` (an ``AsyncWebsocketConsumer``) sends every
  broadcast envelope to each socket in the contracts version that socket
  speaks; see :mod:`coach_app_baml_client.protocols` for the handshake and
  the close codes, :func:`connected_versions` and :func:`skipped_frames` for
  what a rollout looks like from this process.

Importing this module does not import ``channels``; only using
:class:`ContractsConsumer` does.

Build the envelope as JSON text (:func:`~coach_app_baml_client.envelope_json`)
and that text is what every current client receives, encoded once:

>>> import asyncio
>>> class PrintLayer:
...     async def group_send(self, group, message):
...         print(group, message["type"], message["text"][:27])
>>> from coach_app_baml_client import envelope_json
>>> envelope = envelope_json("TYPING_INDICATOR", {
...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
...     "is_typing": True,
... })
>>> asyncio.run(broadcast(PrintLayer(), "thread.42", envelope))
thread.42 contracts.event {"type":"TYPING_INDICATOR",
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

from . import CONTRACTS_VERSION, _ValidatedJSON, _wire, validate_envelope
from .delivery import StreamPosition
from .rollout import SkippedFrames, connected_versions, skipped_frames

if TYPE_CHECKING:
    from ._consumer import ContractsConsumer

__all__ = [
    "ContractsConsumer",
    "GroupSendLayer",
    "NoChannelLayerError",
    "SkippedFrames",
    "StreamPosition",
    "broadcast",
    "cluster_status",
    "connected_versions",
    "skipped_frames",
]


class GroupSendLayer(Protocol):
    """What :func:`broadcast` needs from a channel layer: Channels' ``group_send``."""

    def group_send(self, group: str, message: dict[str, Any], /) -> Awaitable[Any]: ...


class NoChannelLayerError(LookupError):
    """:func:`broadcast` was given ``None``: no channel layer is configured."""


async def broadcast(
    channel_layer: GroupSendLayer | None,
    group: str,
    envelope: object,
    *,
    message_type: str = "contracts.event",
    target_version: str | None = None,
) -> StreamPosition | None:
    """Validate ``envelope`` (producer mode), then send its JSON text to ``group``.

    ``channel_layer`` is typically ``channels.layers.get_channel_layer()``;
    ``None`` (no ``CHANNEL_LAYERS`` setting) raises a ``LookupError`` that
    says so. With a
    :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`, the text
    is appended to the group's stream and published, and the envelope's
    :class:`~coach_app_baml_client.delivery.StreamPosition` is returned; when
    Redis cannot be reached within the layer's ``publish_timeout`` this raises
    :class:`~coach_app_baml_client.DeliveryUnavailableError` (publishing the
    same envelope again is safe: the stream holds each ``meta.event_id``
    once). Any other layer gets the ``group_send`` below, and ``None`` is
    returned.

    ``envelope`` is anything :func:`~coach_app_baml_client.validate_envelope`
    accepts: a dict, JSON ``bytes``/``str`` or a generated Pydantic envelope.
    An invalid envelope raises
    :class:`~coach_app_baml_client.EnvelopeValidationError` and nothing is
    sent (what :func:`~coach_app_baml_client.envelope_json` returns was
    validated when it was built and is not validated again). Otherwise this awaits ``channel_layer.group_send(group, {"type":
    message_type, "text": <JSON text>, "version": <its contracts version>})``:
    the text that was validated, encoded once, which
    :meth:`ContractsConsumer.contracts_event` sends as the frame unchanged
    (or downgraded, for an older client). ``version`` is ``target_version``
    when given (an envelope made for an older client), else
    :data:`~coach_app_baml_client.CONTRACTS_VERSION`.
    """
    if channel_layer is None:
        raise NoChannelLayerError(
            "broadcast() got no channel layer: set CHANNEL_LAYERS in the Django settings "
            "(RedisStreamsChannelLayer in production, InMemoryChannelLayer in unit tests)"
        )
    if type(envelope) is _ValidatedJSON and target_version is None:
        # Built and validated by envelope_json (compact, no BOM): sent as it is.
        text = envelope.decode("utf-8")
    else:
        wire = _wire(envelope)
        validate_envelope(wire, target_version=target_version)  # also: bytes must be UTF-8
        text = wire if isinstance(wire, str) else wire.decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
    version = target_version or CONTRACTS_VERSION
    publish = getattr(channel_layer, "publish_envelope", None)
    if publish is not None:
        event_id = json.loads(text)["meta"]["event_id"]
        position: StreamPosition = await publish(group, text, version, event_id)
        return position
    message = {"type": message_type, "text": text, "version": version}
    await channel_layer.group_send(group, message)
    return None


async def cluster_status(channel_layer: object) -> dict[str, Any]:
    """The contracts versions and counts of every live process, summed, and per process.

    Needs a :class:`~coach_app_baml_client.layers.RedisStreamsChannelLayer`
    (each process publishes its counts there); with another layer it returns
    this process's counts alone, under ``processes: 1``.
    """
    status = getattr(channel_layer, "cluster_status", None)
    if status is not None:
        result: dict[str, Any] = await status()
        return result
    local = {
        "connected_versions": connected_versions(),
        "skipped_frames": [
            {"version": key.version, "rule_id": key.rule_id, "frames": frames}
            for key, frames in sorted(skipped_frames().items())
        ],
    }
    return {"processes": 1, **local, "delivery": {}, "per_process": [local]}


def __getattr__(name: str) -> object:
    # ContractsConsumer subclasses Channels' consumer: import Channels only when asked.
    if name == "ContractsConsumer":
        from ._consumer import ContractsConsumer

        return ContractsConsumer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
