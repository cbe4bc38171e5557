"""Python objects validated in place: dicts, lists and scalars (subclasses included) and the
generated Pydantic models, without a JSON round trip.

- The shared vectors through dict input give the (path, code) pairs they give as JSON bytes.
- Every Python value JSON cannot hold (``bytes``, ``set``, ``tuple``, NaN/±inf, an ``int``
  beyond any JSON number, a non-``str`` key, a lone surrogate, any other object, nesting
  past 128 or a cycle) is an issue at its path: never a crash, never converted silently.
- A generated Pydantic envelope model gets the verdict of its ``model_dump_json()``.
- hypothesis: arbitrary Python values get issues (or, not being a dict, a ``TypeError``
  naming their type), never a crash, and the verdict of the bytes path whenever they are
  JSON-representable.
- RSS stays flat over many dict and model validations, valid and invalid. The long form
  (1,000,000 of them) is documented in BENCHMARKS.md:

      RELIABILITY_LEAK_ITERATIONS=1000000 python -m pytest tests/test_objects.py -k leak
"""

from __future__ import annotations

import collections
import copy
import datetime
import decimal
import enum
import json
import math
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reliability import assert_rss_flat
from test_validation import VECTORS, _load

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EnvelopeValidationError,
    envelope_issues,
    is_valid_envelope,
    validate_envelope,
)
from coach_app_baml_client.envelopes import envelope_adapter

CODES = {
    "invalid_json",
    "not_an_object",
    "missing_field",
    "unknown_field",
    "wrong_type",
    "invalid_enum_value",
    "invalid_literal",
    "unknown_event_type",
    "invalid_timestamp",
    "invalid_date",
    "invalid_uuid",
    "unsupported_version",
    "duplicate_key",
    "too_deep",
    "too_large",
}


def _kwargs(case: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"mode": case.get("mode", "producer")}
    if case.get("target_version"):
        kwargs["target_version"] = case["target_version"]
    return kwargs


def _pairs(issues: list[Any]) -> Counter[tuple[str, str]]:
    return Counter((i.path, i.code) for i in issues)


class _Repeated(Exception):
    pass


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Repeated
    return dict(pairs)


def _as_dict(case: dict[str, Any]) -> dict[str, Any] | None:
    """The vector's envelope as Python objects, when a dict can hold what the text says."""
    if "input" in case:
        value = case["input"]
    else:
        try:
            value = json.loads(case["input_text"], object_pairs_hook=_no_repeats)
        except (ValueError, _Repeated):  # not JSON to Python, or keys a dict cannot repeat
            return None
    return value if isinstance(value, dict) else None


# The vectors a dict can hold (not: text that is not JSON or not an object, keys given twice).
DICT_VECTORS = [p for p in VECTORS if _as_dict(_load(p)) is not None]


def test_most_vectors_run_as_dicts() -> None:
    assert len(DICT_VECTORS) >= 130, [p.name for p in VECTORS if p not in DICT_VECTORS]


@pytest.mark.parametrize("path", DICT_VECTORS, ids=[p.stem for p in DICT_VECTORS])
def test_vector_as_dict(path: Path) -> None:
    case = _load(path)
    envelope = _as_dict(case)
    assert envelope is not None
    kwargs = _kwargs(case)
    issues = envelope_issues(envelope, **kwargs)
    expected = case["expect"]
    want = Counter((i["path"], i["code"]) for i in expected["issues"])
    assert (not issues) == expected["valid"], f"{case['description']}: {issues}"
    assert is_valid_envelope(envelope, **kwargs) == expected["valid"]
    if "" in {p for p, _ in want}:
        # Text that fails as a whole (nesting past 128, a number JSON readers refuse)
        # is reported where the dict holds it, next to what else is wrong there.
        assert {c for _, c in want} <= {c for _, c in _pairs(issues)}, issues
    else:
        assert _pairs(issues) == want, f"{case['description']}: {issues}"


def _typing(payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "type": "TYPING_INDICATOR",
        "contracts_version": CONTRACTS_VERSION,
        "payload": {
            "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
            "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
            "is_typing": True,
        },
        "meta": {
            "event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
            "timestamp": "2026-11-25T10:00:00Z",
        },
    }
    envelope["payload"].update(payload or {})
    envelope.update(fields)
    return envelope


def _message() -> dict[str, Any]:
    for path in VECTORS:
        if path.name == "valid-message-added-text.json":
            return dict(_load(path)["input"])
    raise AssertionError("valid-message-added-text.json is missing")


@pytest.mark.parametrize("name", ["validate_envelope", "is_valid_envelope", "envelope_issues"])
def test_the_native_functions_docstring_examples_run(name: str) -> None:
    import doctest

    import coach_app_baml_client as package

    function = getattr(package, name)
    assert function.__module__ == "coach_app_baml_client._native"  # no Python frame per call
    test = doctest.DocTestParser().get_doctest(function.__doc__, vars(package), name, None, 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert test.examples and runner.failures == 0


def test_the_typing_envelope_is_valid() -> None:
    validate_envelope(_typing())
    validate_envelope(_message())


class Color(enum.Enum):
    RED = "red"


class Opaque:
    """An object of a class of its own, which JSON has no form for."""


class Strict(Opaque):
    def __repr__(self) -> str:  # never called: the validator runs no Python code
        raise AssertionError("the validator called repr()")

    __str__ = __repr__


def _payload_first(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with ``payload`` before ``type`` (the validator holds it until ``type``)."""
    return {"payload": envelope["payload"], **envelope}


def _cycle() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    return loop


def _nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels):
        value = {"a": value}
    return value


NaN = float("nan")

# (what, envelope, mode, the (path, code) it must have, words its message must have)
PYTHON_ONLY: list[tuple[str, dict[str, Any], str, tuple[str, str], str]] = [
    (
        "bytes",
        _typing({"thread_id": b"x"}),
        "producer",
        ("/payload/thread_id", "invalid_json"),
        "bytes",
    ),
    (
        "bytearray",
        _typing({"thread_id": bytearray(b"x")}),
        "producer",
        ("/payload/thread_id", "invalid_json"),
        "bytearray",
    ),
    (
        "memoryview",
        _typing({"thread_id": memoryview(b"x")}),
        "producer",
        ("/payload/thread_id", "invalid_json"),
        "memoryview",
    ),
    (
        "set",
        _typing({"is_typing": {True}}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "set",
    ),
    (
        "frozenset",
        _typing({"is_typing": frozenset()}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "frozenset",
    ),
    (
        "tuple",
        _typing({"is_typing": (True,)}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "tuple",
    ),
    ("NaN", _typing({"is_typing": NaN}), "producer", ("/payload/is_typing", "invalid_json"), "nan"),
    (
        "inf",
        _typing({"is_typing": math.inf}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "inf",
    ),
    (
        "-inf",
        _typing({"is_typing": -math.inf}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "inf",
    ),
    (
        "int beyond f64",
        _typing({"is_typing": 10**400}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "too large",
    ),
    (
        "UUID",
        _typing({"user_id": uuid.UUID(int=1)}),
        "producer",
        ("/payload/user_id", "invalid_json"),
        "uuid.UUID",
    ),
    (
        "datetime",
        _typing(meta={"event_id": "x", "timestamp": datetime.datetime(2026, 1, 1)}),
        "producer",
        ("/meta/timestamp", "invalid_json"),
        "isoformat",
    ),
    (
        "Decimal",
        _typing({"is_typing": decimal.Decimal(1)}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "decimal.Decimal",
    ),
    ("plain Enum", _typing(type=Color.RED), "producer", ("/type", "invalid_json"), "Color"),
    (
        "object",
        _typing({"is_typing": Strict()}),
        "producer",
        ("/payload/is_typing", "invalid_json"),
        "Strict",
    ),
    (
        "object key",
        _typing({Strict(): 1}),
        "producer",
        ("/payload/<test_objects.Strict>", "invalid_json"),
        "Strict",
    ),
    (
        "lone surrogate",
        _typing({"thread_id": "\ud800"}),
        "producer",
        ("/payload/thread_id", "invalid_json"),
        "surrogate",
    ),
    ("int key", _typing({1: "x"}), "producer", ("/payload/1", "invalid_json"), "int"),
    ("None key", _typing({None: "x"}), "producer", ("/payload/None", "invalid_json"), "NoneType"),
    (
        "tuple key",
        _typing({(1, 2): "x"}),
        "producer",
        ("/payload/<tuple>", "invalid_json"),
        "tuple",
    ),
    (
        "surrogate key",
        _typing({"\udc00": 1}),
        "producer",
        ("/payload/\\udc00", "invalid_json"),
        "surrogate",
    ),
    (
        "bytes in an ignored field",
        _typing(x_extra={"deep": [b"x"]}),
        "consumer",
        ("/x_extra/deep/0", "invalid_json"),
        "bytes",
    ),
    (
        "set in an unknown payload field",
        _typing({"later": {1, 2}}),
        "consumer",
        ("/payload/later", "invalid_json"),
        "set",
    ),
    (
        "bytes in an ignored field, payload before type",
        _payload_first(_typing({"later": [b"x"]})),
        "consumer",
        ("/payload/later/0", "invalid_json"),
        "bytes",
    ),
    ("a cycle", _typing(x_extra=_cycle()), "consumer", ("", "too_deep"), "contains itself"),
    ("nesting past 128", _typing(x_extra=_nested(200)), "consumer", ("", "too_deep"), "128"),
]


@pytest.mark.parametrize(
    ("envelope", "mode", "pair", "words"),
    [case[1:] for case in PYTHON_ONLY],
    ids=[case[0] for case in PYTHON_ONLY],
)
def test_python_only_values_are_issues_at_their_path(
    envelope: dict[str, Any], mode: str, pair: tuple[str, str], words: str
) -> None:
    issues = envelope_issues(envelope, mode=mode)  # type: ignore[arg-type]
    assert not is_valid_envelope(envelope, mode=mode)  # type: ignore[arg-type]
    path, code = pair
    if path:
        found = [i for i in issues if (i.path, i.code) == pair]
    else:  # deep or cyclic: reported where the limit is reached
        found = [i for i in issues if i.code == code and i.path.startswith("/x_extra")]
    assert found, issues
    assert words.lower() in found[0].message.lower(), found[0]
    with pytest.raises(EnvelopeValidationError):
        validate_envelope(envelope, mode=mode)  # type: ignore[arg-type]


def test_a_big_int_reads_as_json_text_of_its_digits_would() -> None:
    message = _message()
    for value, valid in [(2**63 - 1, True), (2**63, False), (2**70, False), (-(2**63), True)]:
        message["payload"]["reactions"] = {"👍": value}
        text = json.dumps(message).encode()
        assert is_valid_envelope(message) is valid is is_valid_envelope(text), value
        if not valid:
            (issue,) = envelope_issues(message)
            assert (issue.path, issue.code) == ("/payload/reactions/👍", "wrong_type")


class Kind(str, enum.Enum):
    COACH = "COACH"


class Count(int):
    pass


class Text(str):
    pass


def test_subclasses_of_the_json_types_are_their_values() -> None:
    message = _message()
    message["payload"] = collections.OrderedDict(message["payload"])
    message["payload"]["author_kind"] = Kind.COACH
    message["payload"]["reactions"] = collections.defaultdict(int, {Text("👍"): Count(3)})
    message["meta"] = collections.UserDict(message["meta"]).data
    validate_envelope(message)
    assert envelope_issues(message) == envelope_issues(json.dumps(message).encode())


def test_top_level_values_that_are_not_envelopes_are_type_errors() -> None:
    for value in [42, None, [1], ("a",), 1.5, Opaque()]:
        with pytest.raises(TypeError, match=type(value).__name__):
            validate_envelope(value)
        with pytest.raises(TypeError):
            envelope_issues(value)


def _models() -> list[Any]:
    models = []
    for path in VECTORS:
        case = _load(path)
        if case["expect"]["valid"] and case.get("mode") == "producer" and "input" in case:
            models.append(envelope_adapter.validate_python(case["input"]))
    assert len(models) >= 15
    return models


def test_a_generated_model_gets_the_verdict_of_its_json() -> None:
    for model in _models():
        validate_envelope(model)
        assert is_valid_envelope(model)
        assert envelope_issues(model) == envelope_issues(model.model_dump_json())
        broken = model.model_copy(deep=True)
        broken.contracts_version = 3  # assigned without validation
        broken.meta.event_id = "NOT-A-UUID"
        broken.payload.__dict__["added"] = True  # a field the model does not declare
        assert envelope_issues(broken) == envelope_issues(
            json.dumps(broken.model_dump(mode="json", warnings=False))
        ), type(model).__name__


def test_a_model_holding_python_only_values_reports_them() -> None:
    model = envelope_adapter.validate_python(_typing())
    model.payload.user_id = uuid.UUID(int=7)  # type: ignore[assignment]
    issues = envelope_issues(model)
    assert [(i.path, i.code) for i in issues] == [("/payload/user_id", "invalid_json")]


# Arbitrary Python values, JSON and not.
HOST_SCALARS = st.one_of(
    st.binary(max_size=4),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not math.isfinite(f)),
    st.integers().map(lambda i: i * 10**320 + 1),
    st.sampled_from(
        [
            uuid.UUID(int=3),
            datetime.date(2026, 1, 1),
            decimal.Decimal("1.5"),
            Color.RED,
            Opaque(),
            object(),
            "\ud800x",
        ]
    ),
)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.sampled_from(
        [
            "TYPING_INDICATOR",
            "0192f0c1-7a52-7cc3-8d1e-000000000003",
            "2026-11-25T10:00:00Z",
            "2026-11-25",
            CONTRACTS_VERSION,
            "text",
            "COACH",
        ]
    ),
)
JSON_KEYS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(
        ["type", "kind", "id", "text", "thread_id", "user_id", "is_typing", "payload", "meta"]
    ),
)
HOST_KEYS = st.one_of(
    st.integers(), st.none(), st.booleans(), st.floats(allow_nan=False), st.tuples(st.integers())
)


def _values(
    scalars: st.SearchStrategy[Any], keys: st.SearchStrategy[Any], hosts: bool
) -> st.SearchStrategy[Any]:
    def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        shapes = [st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)]
        if hosts:
            shapes += [
                st.tuples(children),
                st.frozensets(st.integers(), max_size=3),
                st.sets(st.text(max_size=2), max_size=3),
            ]
        return st.one_of(shapes)

    return st.recursive(scalars, containers, max_leaves=12)


JSON_VALUES = _values(JSON_SCALARS, JSON_KEYS, hosts=False)
ANY_VALUES = _values(
    st.one_of(JSON_SCALARS, HOST_SCALARS), st.one_of(JSON_KEYS, HOST_KEYS), hosts=True
)
BASES = [_typing(), _message()]
PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _places(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    places = [at]
    if isinstance(value, dict):
        for k, v in value.items():
            places += _places(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            places += _places(v, (*at, i))
    return places


@st.composite
def envelopes(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> dict[str, Any]:
    """A valid envelope with values replaced or added at a few places, or any dict."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.dictionaries(JSON_KEYS, values, max_size=5))
    envelope = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 3))):
        place = draw(st.sampled_from(_places(envelope)))
        parent: Any = envelope
        for step in place[:-1]:
            parent = parent[step]
        if not place:
            envelope[draw(JSON_KEYS)] = draw(values)
        elif isinstance(parent, dict) and draw(st.booleans()):
            parent[draw(JSON_KEYS)] = draw(values)
        else:
            parent[place[-1]] = draw(values)
    if draw(st.booleans()):  # keys in another order: `payload` may come before `type`
        envelope = dict(draw(st.permutations(list(envelope.items()))))
    return envelope


def _representable(value: Any, depth: int = 0) -> bool:
    if depth > 100:
        return False
    if value is None or isinstance(value, (bool, int, str)):
        return not isinstance(value, str) or _encodable(value)
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_representable(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(
            type(k) is str and _encodable(k) and _representable(v, depth + 1)
            for k, v in value.items()
        )
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


@PROPERTY_SETTINGS
@given(envelope=envelopes(ANY_VALUES), mode=st.sampled_from(["producer", "consumer"]))
def test_any_python_value_gets_issues_never_a_crash(envelope: dict[str, Any], mode: str) -> None:
    issues = envelope_issues(envelope, mode=mode)  # type: ignore[arg-type]
    assert is_valid_envelope(envelope, mode=mode) == (not issues)  # type: ignore[arg-type]
    assert len(issues) <= 100
    for issue in issues:
        assert issue.code in CODES, issue
        assert issue.path == "" or issue.path.startswith("/"), issue
        assert issue.message, issue
    if _representable(envelope):
        _assert_same_as_bytes(envelope, mode, issues)


@PROPERTY_SETTINGS
@given(envelope=envelopes(JSON_VALUES), mode=st.sampled_from(["producer", "consumer"]))
def test_json_values_get_the_issues_of_their_json_text(envelope: dict[str, Any], mode: str) -> None:
    issues = envelope_issues(envelope, mode=mode)  # type: ignore[arg-type]
    _assert_same_as_bytes(envelope, mode, issues)


def _assert_same_as_bytes(envelope: dict[str, Any], mode: str, issues: list[Any]) -> None:
    text = json.dumps(envelope, ensure_ascii=False).encode()
    from_text = envelope_issues(text, mode=mode)  # type: ignore[arg-type]
    assert (not issues) == (not from_text), (envelope, issues, from_text)
    if all(i.path for i in from_text):
        assert _pairs(issues) == _pairs(from_text), (envelope, issues, from_text)


def test_no_leak_over_many_object_validations() -> None:
    model = envelope_adapter.validate_python(_typing())
    inputs: list[Any] = [
        _typing(),
        _typing({"user_id": "not-a-uuid", "is_typing": "yes"}),
        _typing({"thread_id": b"x", 1: NaN}, x_extra={"s": {1}}),
        _typing(x_extra=_cycle()),
        _message(),
        model,
    ]

    def work(n: int) -> None:
        for i in range(n):
            data = inputs[i % len(inputs)]
            if i % 3 == 0:
                is_valid_envelope(data, mode="consumer")
            elif i % 3 == 1:
                envelope_issues(data)
            else:
                try:
                    validate_envelope(data)
                except EnvelopeValidationError:
                    pass

    assert_rss_flat(work, "object validations")
