"""Reliability of the installed wheel: hostile inputs, no panic across the FFI, no leaks.

Hostile inputs run in a child interpreter (so a crash would fail the test instead of
killing pytest), each with a generous wall-clock bound (a sanity bound, not a timing
test) and a peak-RSS bound beyond the input itself.

The leak check runs 100,000 validations (valid and invalid, bytes, str and dict) by
default; the long form (1,000,000, bound 5 MB) is documented in BENCHMARKS.md:

    RELIABILITY_LEAK_ITERATIONS=1000000 python -m pytest tests/test_reliability.py -k leak
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import coach_app_baml_client
from coach_app_baml_client import _native

HOSTILE = textwrap.dedent(
    r"""
    import json, resource, sys, time
    from coach_app_baml_client import envelope_issues, is_valid_envelope

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def run(name, make):
        data = make()
        before = peak_mb()
        start = time.perf_counter()
        try:
            codes = sorted({i.code for i in envelope_issues(data)})
            valid = is_valid_envelope(data)
            outcome = {"codes": codes, "valid": valid}
        except Exception as e:
            outcome = {"error": type(e).__name__, "message": str(e)[:200]}
        outcome.update(case=name, seconds=time.perf_counter() - start,
                       extra_mb=peak_mb() - before, input_mb=len(data) / 2**20)
        print(json.dumps(outcome), flush=True)
        del data

    TYPING = '{"type":"TYPING_INDICATOR","contracts_version":"0.1.0","payload":%s,"meta":{}}'
    run("depth 100000 arrays", lambda: b"[" * 100_000 + b"]" * 100_000)
    run("depth 100000 objects in payload",
        lambda: (TYPING % ('{"a":' * 100_000 + "1" + "}" * 100_000)).encode())
    run("100 MB string (bytes)", lambda: b'{"type":"' + b"a" * 100_000_000 + b'"}')
    run("100 MB string (str)", lambda: '{"type":"' + "a" * 100_000_000 + '"}')
    run("invalid UTF-8", lambda: b'{"type":"TYPING_INDICATOR\xff\xfe"}')
    run("lone surrogate escape", lambda: b'{"type":"\\ud800"}')
    run("lone surrogate in str", lambda: '{"type":"\ud800"}')
    run("NaN token", lambda: b'{"type":NaN}')
    run("Infinity token", lambda: TYPING.replace("0.1.0", "x") % '{"is_typing":Infinity}')
    run("-Infinity token", lambda: b'[-Infinity]')
    run("1e400", lambda: (TYPING % '{"is_typing":1e400}').encode())
    run("duplicate keys", lambda: b'{"type":"TYPING_INDICATOR","type":"GOAL_UPDATED"}')
    run("10^6-element array", lambda: (TYPING % ("[" + "0," * 999_999 + "0]")).encode())
    run("10^6-element array at the root", lambda: b"[" + b"0," * 999_999 + b"0]")
    """
)

EXPECTED = {
    "depth 100000 arrays": ["too_deep"],
    "depth 100000 objects in payload": ["too_deep"],
    "100 MB string (bytes)": ["too_large"],
    "100 MB string (str)": ["too_large"],
    "invalid UTF-8": ["invalid_json"],
    "lone surrogate escape": ["invalid_json"],
    "NaN token": ["invalid_json"],
    "Infinity token": ["invalid_json"],
    "-Infinity token": ["invalid_json"],
    "1e400": ["invalid_json"],
    "10^6-element array at the root": ["not_an_object"],
}


def test_hostile_inputs_get_a_clear_code_in_bounded_time_and_memory() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", HOSTILE], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"the interpreter did not survive: {proc.stderr[-2000:]}"
    results = {r["case"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert len(results) == 14, proc.stdout
    for name, result in results.items():
        assert result["seconds"] < 10, result
        # Beyond the input itself (which the caller holds): a copy at most.
        assert result["extra_mb"] < result["input_mb"] + 64, result
        if name in EXPECTED:
            assert result.get("codes") == EXPECTED[name], result
            assert result["valid"] is False, result
    assert "duplicate_key" in results["duplicate keys"]["codes"], results["duplicate keys"]
    # A str that cannot be encoded as UTF-8 is refused before validation, with a Python error.
    assert results["lone surrogate in str"]["error"] == "UnicodeEncodeError"
    # Inside a list field: a wrong type for each item, capped at max_issues (100).
    million = results["10^6-element array"]
    assert million["valid"] is False and "not_an_object" in million["codes"], million


def test_dict_input_with_nan_is_refused_with_a_python_error() -> None:
    try:
        coach_app_baml_client.validate_envelope({"type": float("nan")})
    except ValueError as e:
        assert "JSON compliant" in str(e) or "NaN" in str(e) or "nan" in str(e)
    else:
        raise AssertionError("NaN in a dict must not validate")


def test_panics_can_unwind_into_pyo3_panic_exception() -> None:
    # pyo3 turns a Rust panic into pyo3_runtime.PanicException only when panics unwind.
    # With `panic = "abort"` the module would link panic_abort and import no unwinder
    # entry point; with unwinding it imports _Unwind_RaiseException (dynamic symbols
    # survive `strip = true`).
    native = Path(_native.__file__).read_bytes()
    assert b"_Unwind_RaiseException" in native
    assert b"PanicException" in native


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def assert_rss_flat(work: Callable[[int], None], what: str) -> None:
    """``work(n)`` n times grows RSS by less than 5 MB per million (1.5 MB at least).

    The count is ``RELIABILITY_LEAK_ITERATIONS`` (100,000 by default), after a warm-up
    of 20,000 (caches, allocator pools, interned strings).
    """
    iterations = int(os.environ.get("RELIABILITY_LEAK_ITERATIONS", "100000"))
    limit_mb = max(1.5, 5.0 * iterations / 1_000_000)
    work(20_000)
    before = _rss_mb()
    work(iterations)
    growth = _rss_mb() - before
    print(f"RSS growth over {iterations} {what}: {growth:.2f} MB (bound {limit_mb} MB)")
    assert growth < limit_mb, f"RSS grew {growth:.2f} MB over {iterations} {what}"


def test_no_leak_over_many_validations() -> None:
    from coach_app_baml_client import envelope_issues, is_valid_envelope, validate_envelope

    version = coach_app_baml_client.CONTRACTS_VERSION
    valid = {
        "type": "TYPING_INDICATOR",
        "contracts_version": version,
        "payload": {
            "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
            "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
            "is_typing": False,
        },
        "meta": {
            "event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
            "timestamp": "2026-11-25T10:00:00Z",
        },
    }
    invalid = json.loads(json.dumps(valid))
    invalid["payload"]["user_id"] = "not-a-uuid"
    invalid["payload"]["is_typing"] = "yes"
    inputs: list[object] = [
        json.dumps(valid).encode(),
        json.dumps(invalid).encode(),
        json.dumps(valid),
        json.dumps(invalid),
        valid,
        invalid,
        b'{"type": NaN}',
        b'{"type":"TYPING_INDICATOR","type":"TYPING_INDICATOR"}',
    ]

    def work(n: int) -> None:
        for i in range(n):
            data = inputs[i % len(inputs)]
            if i % 3 == 0:
                is_valid_envelope(data)
            elif i % 3 == 1:
                envelope_issues(data)
            else:
                try:
                    validate_envelope(data)
                except coach_app_baml_client.EnvelopeValidationError:
                    pass

    assert_rss_flat(work, "validations")
