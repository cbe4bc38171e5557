"""The argument policy of ``max_issues`` / ``max_depth`` / ``max_bytes``: decided in
contracts-core (``ValidateOptions::set_limit``) and raised as ``ValueError`` with the
messages of ``testdata/options/limits.json``, which contracts-core and the Node tests
read too (Node names the options ``maxIssues``; the messages are otherwise the same)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    envelope_issues,
    is_valid_envelope,
    validate_envelope,
)
from coach_app_baml_client.cloudevents import from_cloudevent_json

TESTDATA = Path(os.environ.get("COACH_REPO_ROOT", Path(__file__).resolve().parents[3])) / "testdata"
VECTORS = TESTDATA / "vectors"
LIMITS: dict[str, Any] = json.loads((TESTDATA / "options" / "limits.json").read_text())

CALLS: list[Callable[..., object]] = [
    lambda **kw: envelope_issues("{}", **kw),
    lambda **kw: validate_envelope('{"type": 1}', **kw),
    lambda **kw: from_cloudevent_json("{}", **kw),
]


@pytest.mark.parametrize("case", LIMITS["refused"], ids=lambda c: f"{c['option']}={c['value']}")
def test_a_limit_out_of_bounds_is_the_cores_value_error(case: dict[str, Any]) -> None:
    kwargs = {case["option"]: case["value"]}
    for call in CALLS:
        with pytest.raises(ValueError) as raised:
            call(**kwargs)
        assert str(raised.value) == case["message"]
    if case["option"] != "max_issues":
        with pytest.raises(ValueError, match=case["option"]):
            is_valid_envelope("{}", **kwargs)


@pytest.mark.parametrize("case", LIMITS["accepted"], ids=lambda c: f"{c['option']}={c['value']}")
def test_a_limit_within_bounds_is_accepted(case: dict[str, Any]) -> None:
    assert isinstance(envelope_issues("{}", **{case["option"]: case["value"]}), list)


def test_max_depth_and_max_bytes_apply_to_text_and_dicts() -> None:
    text = (VECTORS / "valid-goal-created.json").read_text()
    vector = json.loads(text.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION))
    envelope: dict[str, Any] = vector["input"]
    text = json.dumps(envelope)
    assert envelope_issues(text) == []
    assert [i.code for i in envelope_issues(text, max_bytes=len(text) - 1)] == ["too_large"]
    assert envelope_issues(text, max_bytes=len(text)) == []
    for value in (text, envelope):
        assert {i.code for i in envelope_issues(value, max_depth=1)} == {"too_deep"}
        assert not is_valid_envelope(value, max_depth=1)
        assert is_valid_envelope(value, max_depth=4)
