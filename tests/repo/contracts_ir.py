"""The IR of a BAML tree, from the compiler (``contracts ir``).

``contracts ir`` prints the IR of any valid tree; the project lints are
``contracts check``'s, so snippets that break them still have an IR. Where
cargo is missing, the IR that ``make generate`` wrote for baml_src/ is used
when it is newer than every .baml file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BAML_SRC = REPO_ROOT / "baml_src"
IR_JSON = REPO_ROOT / "crates" / "contracts-core" / "schemas" / "ir.json"
IR_COMMAND = ["cargo", "run", "-q", "-p", "contracts-compiler", "--bin", "contracts"]


def _ir_json_is_fresh() -> bool:
    if not IR_JSON.is_file():
        return False
    newest_source = max(
        (p.stat().st_mtime for p in BAML_SRC.rglob("*.baml")), default=0.0
    )
    return IR_JSON.stat().st_mtime >= newest_source


def load_ir(baml_src: Path = BAML_SRC) -> dict:
    """The IR of `baml_src`, from the contracts CLI (or a fresh ir.json)."""
    if shutil.which("cargo") is None:
        if baml_src == BAML_SRC and _ir_json_is_fresh():
            return json.loads(IR_JSON.read_text())
        pytest.fail(
            "cargo is not on PATH, so `contracts ir` cannot run, and "
            f"{IR_JSON.relative_to(REPO_ROOT)} is missing or older than baml_src/ "
            "(run `make generate` where cargo is available)"
        )
    cmd = [*IR_COMMAND, "--", "ir", "--color", "never"]
    if baml_src != BAML_SRC:
        cmd += ["--from", str(baml_src)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n"
            f"{proc.stderr.strip() or proc.stdout.strip()}"
        )
    try:
        ir = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail(
            f"`{' '.join(cmd)}` did not print JSON ({exc}):\n{proc.stdout[:500]}"
        )
    missing = {"classes", "enums", "type_aliases"} - set(ir)
    assert not missing, f"IR has no {sorted(missing)}: {sorted(ir)}"
    return ir
