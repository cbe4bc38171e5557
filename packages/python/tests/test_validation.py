"""The native validator through the public Python API, against the installed wheel.

The shared corpus testdata/vectors/ is the same one cargo and node run: every
case must give the same verdict and the same (path, code) pairs here.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import coach_app_baml_client as cabc
from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EVENT_TYPES,
    EnvelopeValidationError,
    ValidationIssue,
    envelope_issues,
    is_valid_envelope,
    make_envelope,
    validate_envelope,
)


def _repo_root() -> Path:
    env = os.environ.get("COACH_REPO_ROOT")
    if env:
        return Path(env).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / "testdata" / "vectors").is_dir():
            return parent
    raise RuntimeError("set COACH_REPO_ROOT to the repository root")


VECTORS = sorted((_repo_root() / "testdata" / "vectors").glob("*.json"))


def expand_placeholders(raw: str, version: str) -> str:
    """The corpus's version placeholders, computed from this package's version."""
    major, minor = (int(p) for p in version.split("-")[0].split("+")[0].split(".")[:2])
    return (
        raw.replace("{{CONTRACTS_VERSION}}", version)
        .replace("{{NEXT_MINOR}}", f"{major}.{minor + 1}.0")
        .replace("{{NEXT_MAJOR}}", f"{major + 1}.0.0")
        .replace("{{MAJOR}}", str(major))
    )


def _load(path: Path) -> dict[str, Any]:
    text = expand_placeholders(path.read_text(encoding="utf-8"), CONTRACTS_VERSION)
    case: dict[str, Any] = json.loads(text)
    return case


def test_the_corpus_is_present() -> None:
    assert len(VECTORS) >= 50, (
        f"expected the shared corpus in testdata/vectors, found {len(VECTORS)}"
    )


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path: Path) -> None:
    case = _load(path)
    data: bytes | str = (
        case["input_text"].encode("utf-8", "surrogatepass")
        if "input_text" in case
        else json.dumps(case["input"], ensure_ascii=False).encode()
    )
    kwargs: dict[str, Any] = {"mode": case.get("mode", "producer")}
    if case.get("target_version"):
        kwargs["target_version"] = case["target_version"]
    issues = envelope_issues(data, **kwargs)
    expected = case["expect"]
    got = Counter((i.path, i.code) for i in issues)
    want = Counter((i["path"], i["code"]) for i in expected["issues"])
    assert (not issues) == expected["valid"], f"{case['description']}: {issues}"
    assert got == want, f"{case['description']}: {issues}"
    assert is_valid_envelope(data, **kwargs) == expected["valid"]


def test_constants_describe_the_contract() -> None:
    assert CONTRACTS_VERSION.count(".") == 2
    assert len(EVENT_TYPES) >= 15
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES)
    assert all(t == t.upper() for t in EVENT_TYPES)


def _typing_payload() -> dict[str, Any]:
    for path in VECTORS:
        case = _load(path)
        envelope = case.get("input")
        if (
            case["expect"]["valid"]
            and case.get("mode", "producer") == "producer"
            and isinstance(envelope, dict)
        ):
            return envelope
    raise AssertionError("the corpus has no valid producer envelope")


def test_make_envelope_fills_meta_and_validates() -> None:
    template = _typing_payload()
    envelope = make_envelope(template["type"], template["payload"], correlation_id=None)
    assert envelope["contracts_version"] == CONTRACTS_VERSION
    assert envelope["type"] == template["type"]
    assert len(envelope["meta"]["event_id"]) == 36 and envelope["meta"]["event_id"][14] == "7"
    assert envelope["meta"]["timestamp"].endswith("Z")
    validate_envelope(envelope)
    validate_envelope(json.dumps(envelope))
    validate_envelope(json.dumps(envelope).encode())


def test_make_envelope_rejects_a_bad_payload_with_every_issue() -> None:
    with pytest.raises(EnvelopeValidationError) as info:
        make_envelope(EVENT_TYPES[0], {"unexpected": 1})
    assert info.value.issues
    assert all(i.path.startswith("/payload") for i in info.value.issues)


def test_invalid_envelope_raises_the_python_defined_error_with_every_issue() -> None:
    bad = {"type": "SESSION_STARTED", "contracts_version": 3, "extra": True}
    with pytest.raises(EnvelopeValidationError) as info:
        validate_envelope(bad)
    err = info.value
    assert isinstance(err, ValueError)
    assert type(err) is cabc.EnvelopeValidationError
    assert all(isinstance(i, ValidationIssue) for i in err.issues)
    assert {(i.path, i.code) for i in err.issues} == {
        ("/contracts_version", "wrong_type"),
        ("/payload", "missing_field"),
        ("/meta", "missing_field"),
        ("/extra", "unknown_field"),
    }
    lines = str(err).splitlines()
    assert lines[0] == "invalid envelope: 4 issue(s)"
    assert len(lines) == 5 and all(i.path in s for i, s in zip(err.issues, lines[1:]))


def test_consumer_mode_ignores_unknown_fields_that_producer_rejects() -> None:
    envelope = dict(_typing_payload())
    envelope["added_in_a_later_minor"] = 1
    assert not is_valid_envelope(envelope)
    assert is_valid_envelope(envelope, mode="consumer")


def test_bad_arguments_get_clear_errors() -> None:
    with pytest.raises(ValueError, match="producer"):
        validate_envelope(b"{}", mode="strict")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes, str, dict"):
        validate_envelope(42)
    issues = envelope_issues(b"\xff\xfe not json")
    assert [i.code for i in issues] == ["invalid_json"]


def test_pydantic_models_are_accepted_as_input() -> None:
    from coach_app_baml_client.envelopes import envelope_adapter

    envelope = make_envelope(_typing_payload()["type"], _typing_payload()["payload"])
    model = envelope_adapter.validate_python(envelope)
    assert type(model).__name__.endswith("Event")
    validate_envelope(model, mode="consumer")


def test_threads_get_the_same_answers() -> None:
    good = json.dumps(_typing_payload()).encode()
    bad = b'{"type": "SESSION_STARTED"}'
    errors: list[str] = []

    def work() -> None:
        for _ in range(2000):
            if not is_valid_envelope(good) or is_valid_envelope(bad):
                errors.append("wrong verdict")
                return

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize("module_name", ["coach_app_baml_client", "coach_app_baml_client._errors"])
def test_docstring_examples_run(module_name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module_name))
    assert result.attempted > 0
    assert result.failed == 0
