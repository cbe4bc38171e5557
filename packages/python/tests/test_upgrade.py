"""upgrade_envelope / upgrade_dto through the public Python API (the rules are tested in
contracts-core, the released history end to end in examples/django/tests/test_rollout.py)."""

from __future__ import annotations

import json

import pytest

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    RewriteError,
    UpgradeError,
    make_envelope,
    upgrade_dto,
    upgrade_envelope,
)
from coach_app_baml_client.baml_client import types

TYPING = {
    "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
    "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
    "is_typing": True,
}
DRAFT = {"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"}


def test_an_envelope_of_this_version_comes_back_unchanged_in_every_form() -> None:
    envelope = make_envelope("TYPING_INDICATOR", TYPING)
    for form in (envelope, json.dumps(envelope), json.dumps(envelope).encode()):
        assert upgrade_envelope(form) == envelope


@pytest.mark.parametrize(
    ("change", "rule_id", "path"),
    [
        ({"contracts_version": "0.0.1"}, "unknown-version", ""),
        ({"contracts_version": 1}, "invalid-envelope", "/contracts_version"),
        ({"surprise": True}, "invalid-envelope", "/surprise"),
    ],
)
def test_what_cannot_be_upgraded_raises_with_the_rule_and_the_place(
    change: dict[str, object], rule_id: str, path: str
) -> None:
    envelope = {**make_envelope("TYPING_INDICATOR", TYPING), **change}
    with pytest.raises(UpgradeError) as raised:
        upgrade_envelope(envelope)
    err = raised.value
    assert isinstance(err, RewriteError) and isinstance(err, ValueError)
    assert (err.rule_id, err.path) == (rule_id, path)
    with pytest.raises(UpgradeError) as raised:
        upgrade_envelope(b"{not json")
    assert raised.value.rule_id == "invalid-envelope"


def test_a_dto_is_named_by_its_model_or_its_class_name() -> None:
    assert upgrade_dto(types.ActionItemDraft, DRAFT, CONTRACTS_VERSION) == DRAFT
    model = types.ActionItemDraft.model_validate(DRAFT)
    assert upgrade_dto("ActionItemDraft", model, CONTRACTS_VERSION) == model.model_dump(mode="json")
    cases = [
        ("ActionItemDraft", {**DRAFT, "priority": "URGENT"}, CONTRACTS_VERSION, "invalid-value"),
        ("NoSuchClass", DRAFT, CONTRACTS_VERSION, "unknown-class"),
        ("ActionItemDraft", DRAFT, "0.0.1", "unknown-version"),
    ]
    for name, value, version, rule_id in cases:
        with pytest.raises(UpgradeError) as raised:
            upgrade_dto(name, value, version)
        assert raised.value.rule_id == rule_id, raised.value
