"""coach_app_baml_client.testing.strategies: what the Hypothesis strategies generate, checked by the core.

Every generated envelope validates (producer mode for every shipped version,
consumer mode for this one), every generated DTO is a valid value of its
class, and every invalid envelope has exactly the one issue it says, of its
code at its path, as a dict and as JSON text. Settings are modest and
derandomized, so the file runs in seconds and the same way every time.
"""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
import warnings
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from coach_app_baml_client import (  # noqa: E402
    ISSUE_CODES,
    CONTRACTS_VERSION,
    EVENT_TYPES,
    KNOWN_VERSIONS,
    envelope_issues,
)
from coach_app_baml_client.testing import example_dto, example_envelope  # noqa: E402
from coach_app_baml_client.testing import _values as values_module  # noqa: E402
from coach_app_baml_client.testing import strategies as strategies_module  # noqa: E402
from coach_app_baml_client.testing._mutations import possible_codes  # noqa: E402
from coach_app_baml_client.testing._schema import Contracts  # noqa: E402
from coach_app_baml_client.testing.examples import dto_issues  # noqa: E402
from coach_app_baml_client.testing.strategies import (  # noqa: E402
    SUPPORTED_CODES,
    TEXT_CODES,
    InvalidEnvelope,
    date_strings,
    dtos,
    envelopes,
    invalid_envelopes,
    timestamp_strings,
    uuid_strings,
)

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(SETTINGS, max_examples=15)

# (version, mode): producer for every shipped version, consumer for this one.
VERSIONS_AND_MODES = [(v, "producer") for v in KNOWN_VERSIONS] + [(CONTRACTS_VERSION, "consumer")]
INVALID_CASES = [
    (version, mode, code)
    for version, mode in VERSIONS_AND_MODES
    for code in SUPPORTED_CODES
    if not (code == "unknown_field" and mode == "consumer")
]


def target(version: str) -> str | None:
    return None if version == CONTRACTS_VERSION else version


def issues_of(envelope: object, mode: str, target_version: str | None) -> list[tuple[str, str]]:
    found = envelope_issues(envelope, mode=mode, target_version=target_version)  # type: ignore[arg-type]
    return [(issue.code, issue.path) for issue in found]


# ---------------------------------------------------------------------------
# Valid values


@pytest.mark.parametrize(("version", "mode"), VERSIONS_AND_MODES)
def test_every_generated_envelope_validates_in_the_core(version: str, mode: str) -> None:
    @SETTINGS
    @given(envelopes(version=version, mode=mode))  # type: ignore[arg-type]
    def check(envelope: dict[str, Any]) -> None:
        assert issues_of(envelope, mode, target(version)) == []
        text = json.dumps(envelope, ensure_ascii=False).encode()
        assert issues_of(text, mode, target(version)) == []
        if mode == "producer":
            assert envelope["contracts_version"] == version
            assert set(envelope) == {"type", "contracts_version", "payload", "meta"}

    check()


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_is_generated(event_type: str) -> None:
    @FEW
    @given(envelopes(event_type))
    def check(envelope: dict[str, Any]) -> None:
        assert envelope["type"] == event_type
        assert issues_of(envelope, "producer", None) == []

    check()


def test_consumer_envelopes_carry_what_only_a_consumer_accepts() -> None:
    """Undeclared fields and newer versions of the MAJOR: valid for a consumer, not a producer."""
    seen = {"unknown_field": 0, "unsupported_version": 0}

    @SETTINGS
    @given(envelopes(mode="consumer"))
    def check(envelope: dict[str, Any]) -> None:
        assert issues_of(envelope, "consumer", None) == []
        for code, _ in issues_of(envelope, "producer", None):
            if code in seen:
                seen[code] += 1

    check()
    assert all(n > 0 for n in seen.values()), seen


@pytest.mark.parametrize("version", KNOWN_VERSIONS)
def test_every_generated_dto_is_a_valid_value_of_its_class(version: str) -> None:
    classes = Contracts.of(version).class_names

    @SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(classes), label="class")
        value = data.draw(dtos(name, version), label="value")
        assert dto_issues(name, value, version) == []

    check()


def test_dtos_take_the_generated_model_class() -> None:
    from coach_app_baml_client.baml_client import types

    @FEW
    @given(dtos(types.SessionSummaryContent))
    def check(value: dict[str, Any]) -> None:
        assert dto_issues("SessionSummaryContent", value, CONTRACTS_VERSION) == []
        types.SessionSummaryContent.model_validate(value)

    check()


@SETTINGS
@given(uuid_strings(), timestamp_strings(), date_strings())
def test_the_format_strategies_give_what_the_core_accepts(
    uuid: str, timestamp: str, date: str
) -> None:
    envelope = example_envelope("GOAL_UPDATED", meta={"event_id": uuid, "timestamp": timestamp})
    assert (envelope["meta"]["event_id"], envelope["meta"]["timestamp"]) == (uuid, timestamp)
    assert example_dto("ActionItemDraft", due_date=date)["due_date"] == date


# ---------------------------------------------------------------------------
# Invalid envelopes


@pytest.mark.parametrize(("version", "mode", "code"), INVALID_CASES)
def test_every_invalid_envelope_has_exactly_its_one_issue(
    version: str, mode: str, code: str
) -> None:
    @settings(SETTINGS, max_examples=25)
    @given(invalid_envelopes(code, version=version, mode=mode))  # type: ignore[arg-type]
    def check(bad: InvalidEnvelope) -> None:
        assert (bad.code, bad.mode, bad.target_version) == (code, mode, target(version))
        expected = [(code, bad.path)]
        assert issues_of(bad.envelope, mode, bad.target_version) == expected, bad
        assert issues_of(bad.text, mode, bad.target_version) == expected, bad
        if code in TEXT_CODES:
            assert isinstance(bad.envelope, bytes)
        assert bad.event_type in Contracts.of(version).event_types

    check()


def test_every_event_type_gets_every_code_it_has_a_place_for() -> None:
    pairs = [
        (event_type, mode, code)
        for mode in ("producer", "consumer")
        for event_type in EVENT_TYPES
        for code in sorted(possible_codes(CONTRACTS_VERSION, event_type, mode))  # type: ignore[arg-type]
    ]

    @settings(SETTINGS, max_examples=120)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        event_type, mode, code = data.draw(st.sampled_from(pairs), label="case")
        bad = data.draw(invalid_envelopes(code, event_type, mode=mode), label="envelope")  # type: ignore[arg-type]
        assert bad.event_type == event_type
        assert issues_of(bad.envelope, mode, None) == [(code, bad.path)], bad

    check()


def test_every_supported_code_has_a_place_in_some_event_type() -> None:
    for mode in ("producer", "consumer"):
        reachable = set[str]().union(
            *(possible_codes(CONTRACTS_VERSION, t, mode) for t in EVENT_TYPES)  # type: ignore[arg-type]
        )
        expected = set(SUPPORTED_CODES) - ({"unknown_field"} if mode == "consumer" else set())
        assert reachable == expected, mode
    # Envelope-level codes exist for every event type; the payload decides the others.
    for event_type in EVENT_TYPES:
        assert {"missing_field", "wrong_type", "not_an_object", "unknown_event_type"} <= (
            possible_codes(CONTRACTS_VERSION, event_type, "producer")
        )
    assert "invalid_literal" in possible_codes(CONTRACTS_VERSION, "MESSAGE_ADDED", "producer")
    assert "invalid_literal" not in possible_codes(
        CONTRACTS_VERSION, "TYPING_INDICATOR", "producer"
    )


def test_the_issue_codes_are_the_cores() -> None:
    """Every code of the core (the generated ``ISSUE_CODES``) is generated, or named as not."""
    assert set(ISSUE_CODES) == set(SUPPORTED_CODES) | {"too_large"}


def test_unsupported_requests_are_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"too_large needs an input above .*16 MiB"):
        invalid_envelopes("too_large")
    with pytest.raises(
        ValueError, match=r"unknown issue code 'missing_feld' \(did you mean 'missing_field'"
    ):
        invalid_envelopes("missing_feld")
    with pytest.raises(ValueError, match=r"consumer mode ignores unknown fields"):
        invalid_envelopes("unknown_field", mode="consumer")
    with pytest.raises(ValueError, match=r"TYPING_INDICATOR .* has no such place.*MESSAGE_ADDED"):
        invalid_envelopes("invalid_literal", "TYPING_INDICATOR")
    with pytest.raises(ValueError, match=r"unknown event type 'TYPING'"):
        envelopes("TYPING")
    with pytest.raises(ValueError, match=r"unknown mode 'strict'"):
        envelopes(mode="strict")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"unknown class 'Goals' .*'Goal'"):
        dtos("Goals")
    with pytest.raises(ValueError, match=r"not a contracts version this package ships"):
        envelopes(version="0.0.1")
    with pytest.raises(
        ValueError, match=r"mode='consumer' generates what a client of this package"
    ):
        strategies_module._check_mode("consumer", "0.1.0")  # pyright: ignore[reportPrivateUsage]


def test_importing_the_strategies_without_hypothesis_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import coach_app_baml_client.testing.strategies\n"
        "except ImportError as err:\n"
        "    print(err)\n"
        "else:\n"
        "    raise SystemExit('imported')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'pip install "coach-app-baml-client[testing]"' in result.stdout


@pytest.mark.parametrize("module", [strategies_module, values_module], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hypothesis.errors.NonInteractiveExampleWarning)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
