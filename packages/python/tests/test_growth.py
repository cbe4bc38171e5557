"""Validation time grows linearly with the envelope, through the installed wheel.

A hostile client once made a 200,000-key ``map<string, …>`` field take minutes (the
duplicate-key check compared every key with every earlier one). Each case times an
envelope with n = 4,096 keys and one with 4n (each validated as many times as it takes
the small one to run long enough to time; best of three, interleaved) and asserts the
ratio stays far below the 16 of quadratic growth, in one of three such measurements.

Each case runs in a fresh interpreter (a long test session's heap makes the larger
envelope's objects slower to reach), and time is the thread's CPU time, so other processes
on the machine do not stretch the longer runs more than the shorter ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LIMIT = 8.0  # quadratic growth gives 16, linear 4
# Caches shared with other processes make one measurement vary up to ~2x; quadratic
# growth gives ~16x every time. One of three measurements must be below LIMIT.
ATTEMPTS = 3

MEASURE = textwrap.dedent(
    r"""
    import json, sys, time
    from pathlib import Path
    from coach_app_baml_client import (
        CONTRACTS_VERSION, envelope_issues, is_valid_envelope, validate_envelope,
    )
    from coach_app_baml_client.envelopes import envelope_adapter

    N, MEASURABLE, ATTEMPTS, LIMIT = 4096, 0.01, int(sys.argv[3]), float(sys.argv[4])
    vector = Path(sys.argv[2]) / "valid-message-added-text.json"
    MESSAGE = json.loads(vector.read_text().replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION))

    def envelope(field, value):
        e = json.loads(json.dumps(MESSAGE["input"]))
        e["payload"][field] = value
        return e

    def both(data, mode, valid):
        def run():
            assert is_valid_envelope(data, mode=mode) is valid
            assert (not envelope_issues(data, mode=mode)) is valid
        return run

    def text(e):
        return json.dumps(e).encode()

    CASES = {
        "map-bytes": lambda n: both(text(envelope("reactions", {f"e{i}": i for i in range(n)})), "producer", True),
        "map-dict": lambda n: both(envelope("reactions", {f"e{i}": i for i in range(n)}), "producer", True),
        "unknown-bytes": lambda n: both(text(envelope("later", {f"k{i}": [i] for i in range(n)})), "consumer", True),
        "unknown-dict": lambda n: both(envelope("later", {f"k{i}": [i] for i in range(n)}), "consumer", True),
        "wrong-values-dict": lambda n: both(envelope("reactions", {f"e{i}": "x" for i in range(n)}), "producer", False),
        "model": lambda n: (lambda m: lambda: validate_envelope(m))(
            envelope_adapter.validate_python(envelope("reactions", {f"e{i}": i for i in range(n)}))
        ),
    }

    def seconds(run):
        start = time.thread_time_ns()
        run()
        return (time.thread_time_ns() - start) / 1e9

    small, large = CASES[sys.argv[1]](N), CASES[sys.argv[1]](4 * N)
    repeats = max(1, round(MEASURABLE / max(seconds(small), 1e-6)))
    def times(run):
        return lambda: [run() for _ in range(repeats)]
    measured = []
    for _ in range(ATTEMPTS):
        t_small = min(seconds(times(small)) for _ in range(3))
        t_large = min(seconds(times(large)) for _ in range(3))
        measured.append({"small": t_small, "large": t_large, "ratio": t_large / t_small})
        if measured[-1]["ratio"] < LIMIT:
            break
    print(json.dumps({"repeats": repeats, "measured": measured}))
    """
)


def _vectors() -> Path:
    env = os.environ.get("COACH_REPO_ROOT")
    if env:
        return Path(env).resolve() / "testdata" / "vectors"
    for parent in Path(__file__).resolve().parents:
        if (parent / "testdata" / "vectors").is_dir():
            return parent / "testdata" / "vectors"
    raise RuntimeError("set COACH_REPO_ROOT to the repository root")


@pytest.mark.parametrize(
    "case",
    ["map-bytes", "map-dict", "unknown-bytes", "unknown-dict", "wrong-values-dict", "model"],
)
def test_time_grows_linearly_with_the_keys(case: str) -> None:
    args = [case, str(_vectors()), str(ATTEMPTS), str(LIMIT)]
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    print(f"{case}: {result}")
    ratios = [m["ratio"] for m in result["measured"]]
    assert min(ratios) < LIMIT, f"{case}: 4x the keys took {ratios} times as long"
