"""coach_app_baml_client.channels.broadcast against an in-memory fake layer."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest

from coach_app_baml_client import CONTRACTS_VERSION, EnvelopeValidationError, make_envelope
from coach_app_baml_client.channels import broadcast

TYPING = {
    "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
    "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
    "is_typing": True,
}


class FakeLayer:
    """Records group_send calls like channels' InMemoryChannelLayer would receive them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.sent.append((group, message))


def test_a_valid_envelope_is_sent_once() -> None:
    layer = FakeLayer()
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    asyncio.run(broadcast(layer, "thread.42", envelope))
    assert layer.sent == [("thread.42", {"type": "contracts.event", "envelope": envelope})]


@pytest.mark.parametrize("form", ["dict", "bytes", "str", "model"])
def test_every_input_form_is_sent_as_a_dict(form: str) -> None:
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    value: object = {
        "dict": envelope,
        "bytes": json.dumps(envelope).encode(),
        "str": json.dumps(envelope),
        "model": None,
    }[form]
    if form == "model":
        from coach_app_baml_client.envelopes import envelope_adapter

        value = envelope_adapter.validate_python(envelope)
    layer = FakeLayer()
    asyncio.run(broadcast(layer, "g", value, message_type="chat.event"))
    assert len(layer.sent) == 1
    group, message = layer.sent[0]
    assert group == "g" and message["type"] == "chat.event"
    assert isinstance(message["envelope"], dict)
    assert message["envelope"]["payload"] == envelope["payload"]
    assert message["envelope"]["contracts_version"] == CONTRACTS_VERSION


def test_an_invalid_envelope_raises_and_nothing_is_sent() -> None:
    layer = FakeLayer()
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    envelope["payload"]["is_typing"] = "yes"
    envelope["surprise"] = 1
    with pytest.raises(EnvelopeValidationError) as info:
        asyncio.run(broadcast(layer, "thread.42", envelope))
    assert {(i.path, i.code) for i in info.value.issues} == {
        ("/payload/is_typing", "wrong_type"),
        ("/surprise", "unknown_field"),
    }
    assert layer.sent == []


def test_producer_mode_rejects_another_contracts_version() -> None:
    layer = FakeLayer()
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    envelope["contracts_version"] = "0.0.1"
    with pytest.raises(EnvelopeValidationError):
        asyncio.run(broadcast(layer, "g", envelope))
    assert layer.sent == []


def test_the_module_does_not_import_channels() -> None:
    assert "channels" not in sys.modules
