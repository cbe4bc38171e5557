"""Static typing of the installed package: pyright --strict on a consumer, stubtest of _native.

Both tools run on the installed wheel. They are skipped when not installed
(``pip install pyright==1.1.414 mypy==2.4.1``); ``make test-python`` installs them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


def test_pyright_strict_accepts_a_consumer() -> None:
    _need("pyright")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            sys.executable,
            str(HERE / "typing_consumer.py"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    problems = [
        f"{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]
    assert problems == [], "\n".join(problems)
    assert report["summary"]["filesAnalyzed"] >= 1


def test_stubtest_native_module() -> None:
    _need("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "coach_app_baml_client._native"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HERE.parent.parent,  # away from the source tree: check the installed module
    )
    assert result.returncode == 0, result.stdout + result.stderr
