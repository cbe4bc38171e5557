"""json_schema, the Python-defined exceptions raised from Rust, and thread safety."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

import coach_app_baml_client as cabc
from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EVENT_TYPES,
    EnvelopeValidationError,
    ValidationIssue,
    _errors,
    _native,
    envelope_issues,
    is_valid_envelope,
    json_schema,
    make_envelope,
    validate_envelope,
)

UUID = "0192f0c1-7a52-7cc3-8d1e-00000000000{}"


def transcript_envelope(words: int) -> bytes:
    """A valid TRANSCRIPT_SEGMENT_ADDED envelope; its size grows with ``words``."""
    payload: dict[str, Any] = {
        "id": UUID.format(1),
        "session_id": UUID.format(2),
        "sequence": 0,
        "speaker": "COACH",
        "speaker_id": UUID.format(3),
        "text": "Welcome back.",
        "start_ms": 0,
        "end_ms": 1200,
        "confidence": 0.93,
        "is_final": True,
        "words": [{"word": f"w{i}", "start_ms": i, "end_ms": i + 1} for i in range(words)],
    }
    return json.dumps(
        make_envelope("TRANSCRIPT_SEGMENT_ADDED", payload, correlation_id=UUID.format(4))
    ).encode()


# -- json_schema ---------------------------------------------------------------


def test_json_schema_bundle_covers_every_event_type() -> None:
    bundle = json_schema()
    assert bundle["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert bundle["title"] == "EventEnvelope"
    mapping = bundle["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(EVENT_TYPES)
    assert len(bundle["oneOf"]) == len(EVENT_TYPES)
    for ref in mapping.values():
        assert ref.removeprefix("#/$defs/") in bundle["$defs"]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_json_schema_of_each_event(event_type: str) -> None:
    schema = json_schema(event_type)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"] == {"const": event_type}
    assert set(schema["required"]) == {"type", "contracts_version", "payload", "meta"}
    assert schema["additionalProperties"] is False
    # Self-contained: every local $ref resolves inside the file.
    refs = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs and all(r.removeprefix("#/$defs/") in schema["$defs"] for r in refs)


def test_json_schema_returns_a_fresh_dict() -> None:
    first = json_schema("SESSION_STARTED")
    first["properties"].clear()
    assert json_schema("SESSION_STARTED")["properties"]


def test_json_schema_of_an_unknown_event_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown event type 'NOPE'") as info:
        json_schema("NOPE")
    assert all(t in str(info.value) for t in EVENT_TYPES)


# -- exceptions raised from Rust are the Python-defined classes -----------------


def test_native_raises_the_python_defined_error() -> None:
    with pytest.raises(EnvelopeValidationError) as info:
        _native.validate_envelope(b'{"type": "SESSION_STARTED"}')
    assert type(info.value) is _errors.EnvelopeValidationError
    assert cabc.EnvelopeValidationError is _errors.EnvelopeValidationError
    assert isinstance(info.value, ValueError)
    assert info.value.issues and all(type(i) is _errors.ValidationIssue for i in info.value.issues)
    assert str(info.value).splitlines()[0] == f"invalid envelope: {len(info.value.issues)} issue(s)"


def test_make_envelope_raises_the_python_defined_error() -> None:
    with pytest.raises(_errors.EnvelopeValidationError) as info:
        make_envelope("TYPING_INDICATOR", {"is_typing": "yes"})
    assert {(i.path, i.code) for i in info.value.issues} >= {("/payload/is_typing", "wrong_type")}


def test_unknown_event_type_in_make_envelope_is_an_issue() -> None:
    with pytest.raises(EnvelopeValidationError) as info:
        make_envelope("NOT_AN_EVENT", {})
    assert "unknown_event_type" in {i.code for i in info.value.issues}


def test_issues_are_named_tuples_of_the_python_class() -> None:
    issues = _native.envelope_issues(b"[]")
    assert issues == [ValidationIssue("", "not_an_object", issues[0].message)]
    path, code, message = issues[0]
    assert (path, code) == ("", "not_an_object") and message


def test_max_issues_limits_the_list() -> None:
    bad = b'{"type": "SESSION_STARTED", "a": 1, "b": 2, "c": 3}'
    assert len(_native.envelope_issues(bad)) > 1
    assert len(_native.envelope_issues(bad, max_issues=1)) == 1


def test_argument_errors_are_builtin_exceptions() -> None:
    with pytest.raises(ValueError):
        _native.is_valid_envelope(b"{}", "strict")
    with pytest.raises(TypeError):
        _native.is_valid_envelope(42)  # type: ignore[arg-type]
    with pytest.raises(EnvelopeValidationError, match="payload is not valid JSON") as info:
        _native.make_envelope("TYPING_INDICATOR", b"{not json")
    assert [(i.path, i.code) for i in info.value.issues] == [("/payload", "invalid_json")]


def test_a_subclass_can_catch_and_reraise() -> None:
    class AppError(EnvelopeValidationError):
        pass

    try:
        validate_envelope(b"{}")
    except EnvelopeValidationError as err:
        wrapped = AppError(err.issues)
    assert isinstance(wrapped, ValueError) and wrapped.issues


# -- thread safety ---------------------------------------------------------------

THREADS = 8
CALLS = 50_000


def test_threads_get_the_same_results() -> None:
    """8 threads × 50,000 calls each, small and large inputs, valid and not."""
    small = transcript_envelope(2)
    medium = transcript_envelope(60)  # ~2.5 KB
    large = transcript_envelope(1500)  # ~60 KB: validated with the GIL released
    bad = b'{"type": "SESSION_STARTED", "contracts_version": 3, "extra": true}'
    bad_large = large.replace(b'"is_final": true', b'"is_final": "yes"')
    expected_bad = envelope_issues(bad)
    expected_bad_large = envelope_issues(bad_large)
    assert len(large) > 50_000 and expected_bad and expected_bad_large
    assert is_valid_envelope(small) and is_valid_envelope(medium) and is_valid_envelope(large)

    def check(i: int) -> bool:
        k = i % 8
        if k in (0, 1):
            return is_valid_envelope(small)
        if k == 2:
            return envelope_issues(bad) == expected_bad
        if k == 3:
            try:
                validate_envelope(bad)
            except EnvelopeValidationError as err:
                return err.issues == expected_bad
            return False
        if k in (4, 5):
            return is_valid_envelope(medium)
        if k == 6:
            return not is_valid_envelope(bad)
        if i % 200 == 7:
            return is_valid_envelope(large) and envelope_issues(bad_large) == expected_bad_large
        return make_envelope("TYPING_INDICATOR", TYPING)["contracts_version"] == CONTRACTS_VERSION

    failures: list[tuple[int, int]] = []
    counts = [0] * THREADS
    barrier = threading.Barrier(THREADS)

    def work(slot: int) -> None:
        barrier.wait()
        for i in range(CALLS):
            if not check(i):
                failures.append((slot, i))
                return
            counts[slot] += 1

    pool = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    began = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - began
    assert failures == []
    assert counts == [CALLS] * THREADS
    print(f"{THREADS} threads x {CALLS} calls in {elapsed:.1f} s")


TYPING = {"thread_id": UUID.format(5), "user_id": UUID.format(6), "is_typing": True}


@pytest.mark.parametrize(
    "module_name",
    [
        "coach_app_baml_client.channels",
        "coach_app_baml_client.delivery",
        "coach_app_baml_client.layers",
        "coach_app_baml_client.persistence",
        "coach_app_baml_client.protocols",
        "coach_app_baml_client.rollout",
        "coach_app_baml_client._errors",
    ],
)
def test_docstring_examples_of_the_integrations_run(module_name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module_name))
    assert result.attempted > 0
    assert result.failed == 0
