"""Broadcast validated envelopes through a Django Channels layer, and serve each client its version.

Install the extra: ``pip install "coach-app-baml-client[channels]"``.

- :func:`broadcast` validates an envelope (producer mode) and sends its JSON
  text to a group. It only needs an object with an awaitable
  ``group_send(group, message)`` (duck typing), such as
  ``channels.layers.get_channel_layer()``, so tests can pass a fake.
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

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

from . import CONTRACTS_VERSION, _ValidatedJSON, _wire, validate_envelope
from .rollout import SkippedFrames, connected_versions, skipped_frames

if TYPE_CHECKING:
    from ._consumer import ContractsConsumer

__all__ = [
    "ContractsConsumer",
    "GroupSendLayer",
    "SkippedFrames",
    "broadcast",
    "connected_versions",
    "skipped_frames",
]


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
    """Validate ``envelope`` (producer mode), then send its JSON text to ``group``.

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
    wire = _wire(envelope)
    if type(wire) is not _ValidatedJSON or target_version is not None:
        validate_envelope(wire, target_version=target_version)  # also: bytes must be UTF-8
    text = wire if isinstance(wire, str) else wire.decode("utf-8")
    message = {
        "type": message_type,
        "text": text[1:] if text.startswith("\ufeff") else text,
        "version": target_version or CONTRACTS_VERSION,
    }
    await channel_layer.group_send(group, message)


def __getattr__(name: str) -> object:
    # ContractsConsumer subclasses Channels' consumer: import Channels only when asked.
    if name == "ContractsConsumer":
        from ._consumer import ContractsConsumer

        return ContractsConsumer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
