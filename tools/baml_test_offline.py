#!/usr/bin/env python3
"""Run ``baml-cli test`` fully offline against tools/stub_llm.py.

Starts the stub LLM on a free loopback port, points the CoachLLM client at it
(COACH_LLM_BASE_URL / COACH_LLM_API_KEY), runs ``baml-cli test --from
baml_src`` (baml-cli is looked up next to sys.executable, then on PATH),
echoes its output, and exits with its exit code. The run also fails when
baml-cli reports zero tests or any test that did not pass. The stub is always
stopped.

Extra arguments are passed to ``baml-cli test`` (e.g. ``-i "SummarizeSession::"``).

Usage: python tools/baml_test_offline.py [baml-cli test args...]
Env:   COACH_REPO_ROOT (default: parent of tools/), BAML_CLI (explicit binary),
       STUB_LLM_DATA_DIR (default: <root>/testdata/llm)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import stub_llm

ROOT = Path(os.environ.get("COACH_REPO_ROOT") or Path(__file__).resolve().parent.parent)

SUMMARY_RE = re.compile(r"Test run completed,\s*(\d+)\s+tests?\s*\(([^)]*)\)")


def find_baml_cli() -> str:
    explicit = os.environ.get("BAML_CLI")
    if explicit:
        return explicit
    exe_dir = Path(sys.executable).parent
    for name in ("baml-cli", "baml-cli.exe"):
        cand = exe_dir / name
        if cand.exists():
            return str(cand)
    found = shutil.which("baml-cli")
    if found:
        return found
    sys.exit(
        "baml_test_offline: baml-cli not found next to the Python interpreter nor on PATH"
    )


def start_stub() -> tuple[subprocess.Popen[str], int]:
    data_dir = os.environ.get("STUB_LLM_DATA_DIR") or str(ROOT / "testdata" / "llm")
    try:
        # The stub's request log goes straight to our stderr.
        return stub_llm.spawn(Path(data_dir))
    except RuntimeError as err:
        sys.exit(f"baml_test_offline: {err}")


def main(argv: list[str]) -> int:
    baml_cli = find_baml_cli()
    proc, port = start_stub()
    try:
        env = dict(os.environ)
        env["COACH_LLM_BASE_URL"] = f"http://127.0.0.1:{port}/v1"
        env["COACH_LLM_API_KEY"] = "offline-stub"
        # Loopback must never go through a proxy.
        env["NO_PROXY"] = env["no_proxy"] = ",".join(
            filter(None, [env.get("NO_PROXY"), "127.0.0.1", "localhost"])
        )
        cmd = [baml_cli, "test", "--from", str(ROOT / "baml_src"), *argv]
        print(
            f"baml_test_offline: stub on 127.0.0.1:{port}; running: {' '.join(cmd)}",
            flush=True,
        )
        res = subprocess.run(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        sys.stdout.write(res.stdout)
        sys.stdout.flush()
    finally:
        stub_llm.stop(proc)

    if "--list" in argv:
        return res.returncode
    m = None
    for m in SUMMARY_RE.finditer(res.stdout):
        pass
    if m is None:
        print(
            "baml_test_offline: could not find baml-cli's 'Test run completed' summary",
            file=sys.stderr,
        )
        return res.returncode or 1
    total = int(m.group(1))
    pm = re.search(r"(\d+)\s*✅", m.group(2))
    passed = int(pm.group(1)) if pm else 0
    failed = total - passed
    # Plain closing line understood by CI log readers.
    print(f"baml-cli: {passed} passed, {failed} failed")
    if res.returncode != 0:
        return res.returncode
    if total == 0:
        print("baml_test_offline: baml-cli ran 0 tests", file=sys.stderr)
        return 1
    if failed:
        print(f"baml_test_offline: {failed} test(s) did not pass", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
