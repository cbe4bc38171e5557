"""A ready-to-use Pydantic union of every envelope, discriminated by ``type``.

The generated ``baml_client.types.EventEnvelope`` is a ``Union`` of forward
references that ``pydantic.TypeAdapter`` cannot use as is; this module
resolves it once.

>>> from coach_app_baml_client.envelopes import envelope_adapter
>>> envelope_adapter.validate_json(b'{"type": "NOPE"}')  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for tagged-union[...]
...
"""

from __future__ import annotations

import typing
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from .baml_client import types as _types

__all__ = ["ENVELOPE_CLASSES", "EventEnvelope", "envelope_adapter"]


def _resolve(alias: object) -> tuple[type, ...]:
    names = [
        arg.__forward_arg__ if isinstance(arg, typing.ForwardRef) else arg.__name__
        for arg in typing.get_args(alias)
    ]
    return tuple(getattr(_types, name) for name in names)


ENVELOPE_CLASSES: tuple[type, ...] = _resolve(_types.EventEnvelope)
"""Every generated envelope class, in ``EventEnvelope`` order."""

if typing.TYPE_CHECKING:
    EventEnvelope = _types.EventEnvelope
else:
    EventEnvelope = Annotated[Union[ENVELOPE_CLASSES], Field(discriminator="type")]

envelope_adapter: TypeAdapter[EventEnvelope] = TypeAdapter(EventEnvelope)
"""``envelope_adapter.validate_json(data)`` parses any envelope into its model."""
