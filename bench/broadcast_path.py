"""The broadcast path per event, next to the same done with the generated Pydantic models.

One event from its payload to the message a channel layer carries: build the
envelope (``meta.event_id``, ``meta.timestamp``, ``contracts_version``),
validate it, encode it, hand ``{"type", "text", ...}`` to ``group_send``.

- ours: ``broadcast(layer, group, envelope_json(type, payload))``: the text is
  built and validated natively (once more, on the fast path, by ``broadcast``)
  and is the frame the consumer sends;
- Pydantic: the generated event model, ``model_validate`` (from the payload
  dict) or ``model_validate_json`` of the payload (from its JSON), then
  ``model_dump_json()``.

Both from the same payload, given as a dict (built from data) and as JSON bytes
(an HTTP body, an LLM output), handed to the same in-memory layer. Used by
``bench/python_bench.py``.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from coach_app_baml_client import CONTRACTS_VERSION, envelope_json
from coach_app_baml_client.baml_client import types
from coach_app_baml_client.channels import broadcast

GROUP = "session.42"
# The generated event and payload classes of each benchmark envelope's type.
MODELS = {
    "TYPING_INDICATOR": (types.TypingIndicatorEvent, types.TypingIndicatorPayload),
    "SESSION_SUMMARY_READY": (types.SessionSummaryReadyEvent, types.SessionSummary),
}


class Layer:
    """An in-memory channel layer keeping the last message (what Redis would get)."""

    last: dict[str, Any] | None = None

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.last = message


def drive(coroutine: Coroutine[Any, Any, None]) -> None:
    """Runs a coroutine that never suspends (the layer above), without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration:
        return
    raise RuntimeError("the coroutine suspended")


def _now() -> str:
    return (
        datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def candidates(data: bytes) -> dict[str, Callable[[], object]]:
    """Ours and Pydantic's path for the envelope ``data``, from a dict and from JSON."""
    envelope = json.loads(data)
    event_type: str = envelope["type"]
    payload: dict[str, Any] = envelope["payload"]
    payload_json = json.dumps(
        payload, separators=(",", ":"), ensure_ascii=False
    ).encode()
    model, payload_model = MODELS[event_type]
    layer = Layer()

    def ours(payload_in: object) -> Callable[[], object]:
        return lambda: drive(
            broadcast(layer, GROUP, envelope_json(event_type, payload_in))
        )

    def pydantic_from_dict() -> None:
        event = model.model_validate(
            {
                "type": event_type,
                "contracts_version": CONTRACTS_VERSION,
                "payload": payload,
                "meta": {"event_id": str(uuid.uuid4()), "timestamp": _now()},
            }
        )
        message = {"type": "contracts.event", "text": event.model_dump_json()}
        drive(layer.group_send(GROUP, message))

    def pydantic_from_json() -> None:
        event = model(
            type=event_type,
            contracts_version=CONTRACTS_VERSION,
            payload=payload_model.model_validate_json(payload_json),
            meta=types.EventMeta(event_id=str(uuid.uuid4()), timestamp=_now()),
        )
        message = {"type": "contracts.event", "text": event.model_dump_json()}
        drive(layer.group_send(GROUP, message))

    # What both must produce: one message whose text is a valid envelope of this event.
    for fn in (
        ours(payload),
        ours(payload_json),
        pydantic_from_dict,
        pydantic_from_json,
    ):
        layer.last = None
        fn()
        assert (
            layer.last is not None
            and json.loads(layer.last["text"])["type"] == event_type
        )
    return {
        "ours (payload dict)": ours(payload),
        "pydantic model_validate + model_dump_json (payload dict)": pydantic_from_dict,
        "ours (payload JSON)": ours(payload_json),
        "pydantic model_validate_json + model_dump_json (payload JSON)": pydantic_from_json,
    }
