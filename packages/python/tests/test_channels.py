"""coach_app_baml_client.channels.broadcast against an in-memory fake layer (the consumer side:
test_consumer.py)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EnvelopeValidationError,
    envelope_json,
    make_envelope,
)
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


def test_a_valid_envelope_is_sent_once_as_the_text_that_was_validated() -> None:
    layer = FakeLayer()
    text = envelope_json("TYPING_INDICATOR", TYPING).decode()
    asyncio.run(broadcast(layer, "thread.42", text))
    [(group, message)] = layer.sent
    assert group == "thread.42"
    assert message == {"type": "contracts.event", "text": text, "version": CONTRACTS_VERSION}
    assert message["text"] is text  # not decoded and encoded again


def test_a_target_version_is_the_version_of_the_message() -> None:
    layer = FakeLayer()
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    asyncio.run(broadcast(layer, "g", envelope, target_version=CONTRACTS_VERSION))
    assert layer.sent[0][1]["version"] == CONTRACTS_VERSION


def test_bytes_become_text_without_a_bom() -> None:
    layer = FakeLayer()
    data = envelope_json("TYPING_INDICATOR", TYPING)
    asyncio.run(broadcast(layer, "g", b"\xef\xbb\xbf" + data))
    assert layer.sent[0][1]["text"] == data.decode()


@pytest.mark.parametrize("form", ["dict", "bytes", "str", "model"])
def test_every_input_form_is_sent_as_json_text(form: str) -> None:
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
    sent = json.loads(message["text"])
    assert sent["payload"] == envelope["payload"]
    assert sent["contracts_version"] == CONTRACTS_VERSION


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
    # In a fresh interpreter: other tests here import Channels for the consumer.
    code = (
        "import sys, coach_app_baml_client.channels as c, coach_app_baml_client.rollout;"
        "c.connected_versions(); assert 'channels' not in sys.modules, sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
