"""Differential test: the native validator against the generated Pydantic models.

Envelopes are generated from the shipped per-event JSON Schemas
(hypothesis-jsonschema), then mutated one step (drop a key, add a key, change a
value's JSON type). For every envelope, ``validate_envelope`` (producer mode)
and ``envelope_adapter.validate_json(..., strict=True)`` must agree, or the
disagreement must be one of the documented ones (README, "Where the validator
and the Pydantic models disagree"), each named by a reason below.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EVENT_TYPES,
    ValidationIssue,
    envelope_issues,
    json_schema,
)
from coach_app_baml_client.envelopes import envelope_adapter

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")

I64 = range(-(2**63), 2**63)

# The documented disagreements: validator-only issue codes and why Pydantic accepts.
FORMATS = {"invalid_uuid", "invalid_timestamp", "invalid_date"}
REASON_FORMAT = "format: the models type Uuid/Timestamp/IsoDate as str"
REASON_UNKNOWN = "unknown fields: the models ignore them (extra='ignore')"
REASON_I64 = "int range: the validator limits int to i64, Python ints are unbounded"
REASON_INTEGRAL = "integral floats: the validator takes 3.0 or 1e3 for int, strict Pydantic not"

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def envelopes() -> st.SearchStrategy[dict[str, Any]]:
    """Schema-valid envelopes of every event type, stamped with CONTRACTS_VERSION."""

    def stamp(doc: Any) -> dict[str, Any]:
        assert isinstance(doc, dict)
        doc["contracts_version"] = CONTRACTS_VERSION
        return doc

    return st.one_of(
        [hypothesis_jsonschema.from_schema(json_schema(t)).map(stamp) for t in EVENT_TYPES]
    )


def value_at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def containers(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every object and array below the root (not the root itself)."""
    found: list[tuple[Any, ...]] = [path] if path and isinstance(doc, (dict, list)) else []
    items = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in items:
        found += containers(value, (*path, key))
    return found


def pydantic_error(data: bytes) -> ValidationError | None:
    try:
        envelope_adapter.validate_json(data, strict=True)
    except ValidationError as err:
        return err
    return None


def pointer_value(doc: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(token)] if isinstance(doc, list) else doc[token]
    return doc


def reasons_validator_only(doc: dict[str, Any], issues: list[ValidationIssue]) -> set[str]:
    """Why the validator rejects what Pydantic accepts; AssertionError if unexplained."""
    reasons = set()
    for issue in issues:
        if issue.code in FORMATS:
            reasons.add(REASON_FORMAT)
        elif issue.code == "unknown_field":
            reasons.add(REASON_UNKNOWN)
        elif issue.code == "wrong_type" and isinstance(
            value := pointer_value(doc, issue.path), int
        ):
            assert value not in I64, issue
            reasons.add(REASON_I64)
        else:
            raise AssertionError(f"undocumented disagreement: validator only: {issue}")
    return reasons


def reasons_pydantic_only(doc: dict[str, Any], err: ValidationError) -> set[str]:
    """Why Pydantic rejects what the validator accepts; AssertionError if unexplained."""
    reasons = set()
    for e in err.errors():
        # Discriminated-union errors put the tag first in `loc`.
        loc = [str(p) for p in e["loc"][1:]]
        value = pointer_value(doc, "/" + "/".join(loc)) if loc else None
        if e["type"] == "int_from_float" or (
            isinstance(value, float) and value.is_integer() and e["type"].startswith("int")
        ):
            reasons.add(REASON_INTEGRAL)
        else:
            raise AssertionError(f"undocumented disagreement: Pydantic only: {e}")
    return reasons


def compare(doc: dict[str, Any]) -> set[str]:
    data = json.dumps(doc, ensure_ascii=False).encode()
    issues = envelope_issues(data)
    err = pydantic_error(data)
    if bool(issues) == (err is not None):
        return set()  # agree
    if issues:
        return reasons_validator_only(doc, issues)
    assert err is not None
    return reasons_pydantic_only(doc, err)


@SETTINGS
@given(envelopes())
def test_schema_valid_envelopes(doc: dict[str, Any]) -> None:
    """Pydantic accepts every schema-valid envelope; the validator too, formats aside."""
    data = json.dumps(doc, ensure_ascii=False).encode()
    err = pydantic_error(data)
    assert err is None, err
    for reason in compare(doc):
        assert reason in (REASON_FORMAT, REASON_I64), reason


MUTATIONS = ["drop", "add", "retype"]
OTHER_VALUES: list[Any] = [None, True, 0, 2.0, 1.5, "", "x", [], {}, 2**64]


@SETTINGS
@given(envelopes(), st.data())
def test_mutated_envelopes(doc: dict[str, Any], data: st.DataObject) -> None:
    """One mutation away from valid: both reject, or the reason is documented."""
    doc = copy.deepcopy(doc)
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    paths = containers(doc) + [()]
    path = data.draw(st.sampled_from(paths), label="at")
    target = value_at(doc, path)
    if kind == "add" and isinstance(target, dict):
        target[data.draw(st.sampled_from(["zz_unknown", "note", "Type"]), label="key")] = 1
    elif kind == "drop" and isinstance(target, dict) and target:
        del target[data.draw(st.sampled_from(sorted(target)), label="key")]
    elif isinstance(target, dict) and target:
        key = data.draw(st.sampled_from(sorted(target)), label="key")
        target[key] = data.draw(st.sampled_from(OTHER_VALUES), label="value")
    elif isinstance(target, list) and target:
        index = data.draw(st.integers(0, len(target) - 1), label="index")
        target[index] = data.draw(st.sampled_from(OTHER_VALUES), label="value")
    compare(doc)  # raises on an undocumented disagreement


# What the validator column of the README's table says for each documented case.
README_VALIDATOR_COLUMN = {
    REASON_FORMAT: {"invalid_uuid", "invalid_timestamp", "invalid_date"},
    REASON_UNKNOWN: {"unknown_field"},
    REASON_I64: {"wrong_type"},
    REASON_INTEGRAL: set(),  # "accepted"
}


def test_the_readme_documents_exactly_these_disagreements() -> None:
    """The README's table ("Where the validator and the Pydantic models disagree") has one
    row per reason this file accepts, with the issue codes the validator gives, so what
    the differential tolerates is what users are told. (Which reasons one random run hits
    is no property of the code: each reason is proven real by
    test_each_documented_disagreement_is_real, and compare() fails on any other.)"""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Where the validator and the Pydantic models disagree", 1)[1]
    rows = [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("| ")][
        1:
    ]  # the header row; the |---| row does not start with "| "
    columns = [set(re.findall(r"`([a-z_]+)`", row.split(" | ")[1])) for row in rows]
    assert sorted(map(sorted, columns)) == sorted(map(sorted, README_VALIDATOR_COLUMN.values())), (
        f"README rows {rows} do not match the documented reasons {README_VALIDATOR_COLUMN}"
    )


def _base() -> dict[str, Any]:
    from coach_app_baml_client import make_envelope

    return make_envelope(
        "TRANSCRIPT_SEGMENT_ADDED",
        {
            "id": "0192f0c1-7a52-7cc3-8d1e-00000000000e",
            "session_id": "0192f0c1-7a52-7cc3-8d1e-000000000004",
            "sequence": 3,
            "speaker": "COACH",
            "speaker_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
            "text": "Welcome back.",
            "start_ms": 0,
            "end_ms": 1200,
            "confidence": 0.93,
            "is_final": True,
        },
    )


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("payload", "id"), "not-a-uuid", REASON_FORMAT),
        (("meta", "timestamp"), "2026-02-30T10:00:00Z", REASON_FORMAT),
        (("payload", "zz_unknown"), 1, REASON_UNKNOWN),
        (("payload", "sequence"), 2**63, REASON_I64),
        (("payload", "sequence"), 3.0, REASON_INTEGRAL),
    ],
    ids=["uuid", "timestamp", "unknown-field", "i64", "integral-float"],
)
def test_each_documented_disagreement_is_real(
    path: tuple[str, str], value: Any, reason: str
) -> None:
    doc = _base()
    assert compare(doc) == set()
    doc[path[0]][path[1]] = value
    assert compare(doc) == {reason}
