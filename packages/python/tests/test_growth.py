"""Validation time grows linearly with the envelope, through the installed wheel.

A hostile client once made a 200,000-key ``map<string, …>`` field take minutes (the
duplicate-key check compared every key with every earlier one). Each case times an
envelope with n = 4,096 keys and one with 4n (each validated as many times as it takes
the small one to run long enough to time; best of three, interleaved) and asserts the
ratio stays far below the 16 of quadratic growth (in one of three such measurements). Time is the thread's CPU time, so other
processes on the machine do not stretch the longer runs more than the shorter ones; n stays
small enough that both envelopes fit the CPU caches alike.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from test_validation import VECTORS, _load

from coach_app_baml_client import envelope_issues, is_valid_envelope, validate_envelope
from coach_app_baml_client.envelopes import envelope_adapter

LIMIT = 8.0  # quadratic growth gives 16, linear 4
MEASURABLE = 0.01  # seconds of CPU for the small run
N = 4096
# Caches shared with other processes make one measurement vary up to ~2x; quadratic
# growth gives ~16x every time. One of three measurements must be below LIMIT.
ATTEMPTS = 3


def _seconds(run: Callable[[], object]) -> float:
    start = time.thread_time_ns()
    run()
    return (time.thread_time_ns() - start) / 1e9


def assert_linear(name: str, prepare: Callable[[int], Callable[[], object]]) -> None:
    small, large = prepare(N), prepare(4 * N)
    once = max(_seconds(small), 1e-6)
    repeats = max(1, round(MEASURABLE / once))

    def times(run: Callable[[], object]) -> Callable[[], object]:
        return lambda: [run() for _ in range(repeats)]

    ratios = []
    for _ in range(ATTEMPTS):
        t_small = t_large = float("inf")
        for _ in range(3):
            t_small = min(t_small, _seconds(times(small)))
            t_large = min(t_large, _seconds(times(large)))
        ratios.append(t_large / t_small)
        print(f"{name}: n = {N} x{repeats}: {t_small:.4f} s, 4n: {t_large:.4f} s")
        if ratios[-1] < LIMIT:
            return
    raise AssertionError(f"{name}: 4x the input took {ratios} times as long")


def _message() -> dict[str, Any]:
    for path in VECTORS:
        if path.name == "valid-message-added-text.json":
            return dict(_load(path)["input"])
    raise AssertionError("valid-message-added-text.json is missing")


def _with(field: str, value: Any) -> dict[str, Any]:
    envelope = json.loads(json.dumps(_message()))
    envelope["payload"][field] = value
    return envelope


def _both(envelope: Any, mode: str, valid: bool) -> Callable[[], object]:
    def run() -> None:
        assert is_valid_envelope(envelope, mode=mode) is valid  # type: ignore[arg-type]
        assert (not envelope_issues(envelope, mode=mode)) is valid  # type: ignore[arg-type]

    return run


@pytest.mark.parametrize("form", ["bytes", "dict"])
def test_a_wide_map_field_is_linear(form: str) -> None:
    def prepare(n: int) -> Callable[[], object]:
        envelope = _with("reactions", {f"emoji{i}": i for i in range(n)})
        data = json.dumps(envelope).encode() if form == "bytes" else envelope
        return _both(data, "producer", True)

    assert_linear(f"map<string, int> with n keys ({form})", prepare)


@pytest.mark.parametrize("form", ["bytes", "dict"])
def test_a_wide_unknown_object_is_linear(form: str) -> None:
    def prepare(n: int) -> Callable[[], object]:
        envelope = _with("added_later", {f"k{i}": [i] for i in range(n)})
        data = json.dumps(envelope).encode() if form == "bytes" else envelope
        return _both(data, "consumer", True)

    assert_linear(f"unknown object with n keys, consumer ({form})", prepare)


def test_an_issue_per_key_is_linear() -> None:
    def prepare(n: int) -> Callable[[], object]:
        return _both(_with("reactions", {f"e{i}": "x" for i in range(n)}), "producer", False)

    assert_linear("map<string, int> with a wrong value per key (dict)", prepare)


def test_a_model_with_a_wide_map_is_linear() -> None:
    def prepare(n: int) -> Callable[[], object]:
        model = envelope_adapter.validate_python(_with("reactions", {f"e{i}": i for i in range(n)}))
        return lambda: validate_envelope(model)

    assert_linear("a generated model whose map has n keys", prepare)
