"""``make_envelope`` / ``envelope_json`` with a payload ``dict``: the core writes the payload's
JSON text itself (no ``json.dumps``), then validates the envelope as text.

- Every vector's payload gives the envelope (and, when invalid, the issues) that its JSON text
  gives; key order and values are kept.
- A payload value JSON cannot hold is an ``EnvelopeValidationError`` at its path, with the
  issue ``validate_envelope(dict)`` reports for it; an ``int`` beyond 64 bits keeps its digits.
- hypothesis: arbitrary payload values never crash, and get the verdict of their JSON text
  whenever they have one.
- RSS stays flat over many envelopes made from dicts, valid and invalid (the long form:
  ``RELIABILITY_LEAK_ITERATIONS=1000000 python -m pytest tests/test_make_from_dict.py -k leak``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_objects import (
    ANY_VALUES,
    DICT_VECTORS,
    PROPERTY_SETTINGS,
    PYTHON_ONLY,
    _as_dict,
    _pairs,
    _representable,
)
from test_reliability import assert_rss_flat
from test_validation import _load

from coach_app_baml_client import (
    EnvelopeValidationError,
    _native,
    envelope_json,
    validate_envelope,
)

META = {
    "event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
    "timestamp": "2026-12-02T10:00:00Z",
}


def _made(event_type: str, payload: object) -> tuple[str | None, list[Any]]:
    """The envelope text ``make_envelope`` gives, or the issues it raises."""
    try:
        return _native.make_envelope(event_type, payload, **META), []  # type: ignore[arg-type]
    except EnvelopeValidationError as err:
        return None, list(err.issues)


def _compact(payload: object) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _normal(text: str) -> str:
    # Python and the core spell some floats differently (1e+300 / 1e300); the values agree.
    return json.dumps(json.loads(text), ensure_ascii=False)


PAYLOAD_VECTORS = [
    p
    for p in DICT_VECTORS
    if (case := _load(p)).get("mode", "producer") == "producer"
    and not case.get("target_version")
    and isinstance(envelope := _as_dict(case), dict)
    and isinstance(envelope.get("type"), str)
    and isinstance(envelope.get("payload"), dict)
    and _representable(envelope["payload"])
]


def test_most_vectors_have_a_payload_dict() -> None:
    assert len(PAYLOAD_VECTORS) >= 80, len(PAYLOAD_VECTORS)


@pytest.mark.parametrize("path", PAYLOAD_VECTORS, ids=[p.stem for p in PAYLOAD_VECTORS])
def test_a_payload_dict_makes_what_its_json_text_makes(path: Any) -> None:
    envelope = _as_dict(_load(path))
    assert envelope is not None
    event_type, payload = envelope["type"], envelope["payload"]
    from_dict, dict_issues = _made(event_type, payload)
    from_text, text_issues = _made(event_type, _compact(payload))
    assert (from_dict is None) == (from_text is None), (dict_issues, text_issues)
    if from_dict is not None and from_text is not None:
        assert _normal(from_dict) == _normal(from_text)
        assert list(json.loads(from_dict)["payload"]) == list(payload)  # key order kept
        validate_envelope(from_dict.encode())
    else:
        assert _pairs(dict_issues) == _pairs(text_issues)
        assert [i.message for i in dict_issues] == [i.message for i in text_issues]


def test_envelope_json_takes_the_dict_path() -> None:
    envelope = _as_dict(_load(next(p for p in PAYLOAD_VECTORS if _load(p)["expect"]["valid"])))
    assert envelope is not None
    wire = envelope_json(envelope["type"], envelope["payload"])
    assert json.loads(wire)["payload"] == envelope["payload"]
    validate_envelope(wire)


# The Python-only values of test_objects that sit in a payload (producer mode).
PAYLOAD_HOSTS = [
    (what, envelope, pair, words)
    for what, envelope, mode, pair, words in PYTHON_ONLY
    if mode == "producer"
    and pair[0].startswith("/payload/")
    and isinstance(envelope.get("payload"), dict)
    and isinstance(envelope.get("type"), str)
]


def test_the_python_only_cases_cover_payload_values() -> None:
    assert len(PAYLOAD_HOSTS) >= 10, [w for w, *_ in PAYLOAD_HOSTS]


@pytest.mark.parametrize(
    ("envelope", "pair", "words"),
    [case[1:] for case in PAYLOAD_HOSTS],
    ids=[case[0] for case in PAYLOAD_HOSTS],
)
def test_a_python_only_payload_value_is_an_issue_at_its_path(
    envelope: dict[str, Any], pair: tuple[str, str], words: str
) -> None:
    text, issues = _made(envelope["type"], envelope["payload"])
    assert text is None
    assert [(i.path, i.code) for i in issues] == [pair]
    assert words.lower() in issues[0].message.lower()
    # The same words validate_envelope(dict) says of that value.
    with pytest.raises(EnvelopeValidationError) as info:
        validate_envelope(envelope)
    assert issues[0] in info.value.issues


def test_an_int_beyond_64_bits_keeps_its_digits() -> None:
    vector = next(p for p in DICT_VECTORS if p.stem == "field-float-accepts-integer")
    envelope = _as_dict(_load(vector))
    assert envelope is not None
    payload = {**envelope["payload"], "confidence": 2**70}
    text, issues = _made(envelope["type"], payload)
    assert text is not None, issues
    assert f'"confidence":{2**70}' in text  # not a rounded float


@PROPERTY_SETTINGS
@given(value=ANY_VALUES, key=st.sampled_from(["is_typing", "thread_id", "added"]))
def test_any_payload_value_gets_issues_never_a_crash(value: Any, key: str) -> None:
    payload = {
        "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
        "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
        "is_typing": True,
        key: value,
    }
    from_dict, dict_issues = _made("TYPING_INDICATOR", payload)
    assert (from_dict is None) == bool(dict_issues)
    assert all(i.path.startswith("/payload") for i in dict_issues), dict_issues
    if _representable(payload):
        from_text, text_issues = _made("TYPING_INDICATOR", _compact(payload))
        assert (from_dict is None) == (from_text is None), (payload, dict_issues, text_issues)
        if all(i.path for i in text_issues):  # text that fails as a whole: see test_objects
            assert _pairs(dict_issues) == _pairs(text_issues)


def test_no_leak_over_many_envelopes_made_from_dicts() -> None:
    typing = {
        "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
        "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
        "is_typing": True,
    }
    payloads: list[dict[Any, Any]] = [
        typing,
        {**typing, "is_typing": "yes"},  # invalid: an issue from the text
        {**typing, "thread_id": b"x"},  # a value JSON cannot hold
        {**typing, 1: math.nan},  # a key JSON cannot hold
        {**typing, "added": 2**70},  # digits only Python has
    ]

    def work(n: int) -> None:
        for i in range(n):
            _made("TYPING_INDICATOR", payloads[i % len(payloads)])

    assert_rss_flat(work, "envelopes made from dicts")
