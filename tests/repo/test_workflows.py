"""GitHub Actions workflows are valid (actionlint) and run the documented entry points."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
RELEASE = WORKFLOWS / "release.yml"


def find_actionlint() -> str:
    """actionlint next to the running interpreter (the project venv), else on PATH."""
    bindir = Path(sys.executable).parent
    for name in ("actionlint", "actionlint.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("actionlint")
    if found:
        return found
    pytest.fail(
        f"actionlint not found (looked in {bindir} and on PATH). Run `make setup`, "
        "which installs it into .venv from requirements-dev.txt."
    )


def test_actionlint_detects_errors(tmp_path: Path) -> None:
    """Guard against a no-op linter: a broken workflow must be rejected."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n"
    )
    proc = subprocess.run(
        [find_actionlint(), "-no-color", ".github/workflows/bad.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0, (
        f"actionlint accepted a broken workflow:\n{proc.stdout}{proc.stderr}"
    )


def _run_commands(text: str) -> list[str]:
    """The shell text of every `run:` step (single-line and block scalars)."""
    commands = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)(?:-\s+)?run:\s*(.*)$", line)
        if not m:
            continue
        value = m.group(2).strip()
        if value and value[0] not in "|>":
            commands.append(value.strip("'\""))
            continue
        indent = len(m.group(1))
        block = []
        for nxt in lines[i + 1 :]:
            if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                break
            block.append(nxt.strip())
        commands.append("\n".join(block))
    return commands


@pytest.mark.parametrize("workflow", [CI, RELEASE], ids=lambda p: p.name)
def test_actionlint_passes(workflow: Path) -> None:
    assert workflow.is_file(), f"{workflow.relative_to(REPO_ROOT)} is missing"
    proc = subprocess.run(
        [find_actionlint(), "-no-color", str(workflow.relative_to(REPO_ROOT))],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, (
        f"actionlint failed on {workflow.name}:\n{proc.stdout}{proc.stderr}"
    )


def _make_prerequisites(target: str) -> list[str]:
    makefile = (REPO_ROOT / "Makefile").read_text()
    m = re.search(rf"^{re.escape(target)}:([^#\n]*)", makefile, flags=re.MULTILINE)
    assert m, f"Makefile has no `{target}:` rule"
    return m.group(1).split()


def _expand(target: str) -> list[str]:
    """Every target `make <target>` runs, depth first, as make lists them."""
    out = [target]
    for dep in _make_prerequisites(target):
        if not dep.startswith("$("):
            out += _expand(dep)
    return out


def test_ci_runs_the_documented_entry_points_each_once() -> None:
    commands = _run_commands(CI.read_text())
    for target in ("make dist", "make test", "make check-generated"):
        assert any(
            re.search(rf"(^|\s){re.escape(target)}(\s|$)", c) for c in commands
        ), f"ci.yml must have a step running `{target}`; run steps: {commands}"
    # `make test` already runs the lints and the bump check: a CI step of
    # their own would run them twice.
    assert {"lint", "check-bump"} <= set(_make_prerequisites("test"))
    for target in ("make lint", "make check-bump"):
        assert not any(
            re.search(rf"(^|\s){re.escape(target)}(\s|$)", c) for c in commands
        ), f"ci.yml runs `{target}` on its own, but `make test` runs it already"
    steps = [c.split()[1] for c in commands if c.startswith("make ")]
    expanded = [t for step in steps for t in _expand(step)]
    top = [t for t in expanded if t not in ("setup", "generate", "build")]
    assert len(top) == len(set(top)), f"CI runs a make target twice: {expanded}"
    # `make ready` is the same set of steps.
    ready = _make_prerequisites("ready")
    assert ready == steps, f"`make ready` runs {ready}, CI runs {steps}"
    assert any("git status --porcelain" in c for c in commands), (
        "ci.yml must fail when the build leaves changes (`git status --porcelain`)"
    )


def test_release_triggers_on_version_tags_only() -> None:
    text = RELEASE.read_text()
    on_block = re.search(r"^on:\s*\n((?:[ \t]+.*\n|\s*\n)+)", text, flags=re.MULTILINE)
    assert on_block, "release.yml has no `on:` block"
    block = on_block.group(1)
    assert re.search(r"^\s+push:\s*$", block, flags=re.MULTILINE), (
        f"release.yml must trigger on push:\n{block}"
    )
    tags = re.search(r"tags:\s*(\[[^\]]*\]|(?:\n\s+-\s*.+)+)", block)
    assert tags, f"release.yml push trigger has no tags filter:\n{block}"
    patterns = re.findall(r"""["']?([^"'\[\],\s-][^"'\[\],\s]*)["']?""", tags.group(1))
    assert patterns == ["v*"], (
        f"release.yml must trigger on tags `v*` only, found {patterns}"
    )
    assert not re.search(r"^\s+(branches|pull_request)\b", block, flags=re.MULTILINE), (
        "release.yml must not run for branches or pull requests"
    )


def test_release_publishes_pypi_before_npm_with_trusted_publishing() -> None:
    text = RELEASE.read_text()
    assert "id-token: write" in text
    pypi = text.find("pypa/gh-action-pypi-publish")
    npm = text.find("npm publish")
    assert 0 <= pypi < npm, "PyPI must be published before npm"
    assert "--provenance" in text[npm:]
    assert re.search(r"if:\s*failure\(\)", text[npm:]), (
        "publish needs a recovery step that runs on failure"
    )
