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


def _quick_start() -> list[str]:
    """The lines of README.md's Quick start block (what .ci/run runs)."""
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines()[1:] if line.strip()]


def test_ci_yml_runs_the_ci_entry_point_and_nothing_else() -> None:
    """ci.yml sets up the machine and runs .ci/run: one definition of CI."""
    commands = _run_commands(CI.read_text())
    assert "bash .ci/run" in commands, f"ci.yml must run `bash .ci/run`: {commands}"
    own = [c for c in commands if "make " in c or "git status" in c]
    assert not own, f"ci.yml runs steps of its own instead of .ci/run: {own}"


def test_ci_entry_point_runs_the_quick_start_then_the_tree_check() -> None:
    assert _quick_start() == ["make dist", "make test"]
    run = (REPO_ROOT / ".ci" / "run").read_text()
    assert "README.md" in run and "bash .ci/check-tree" in run
    check_tree = (REPO_ROOT / ".ci" / "check-tree").read_text()
    assert "git status --porcelain" in check_tree, (
        ".ci/check-tree must fail when the build leaves changes"
    )
    # `make ready` is the same as CI.
    assert _make_prerequisites("ready") == [line.split()[1] for line in _quick_start()]
    assert "bash .ci/check-tree" in _recipe("ready")


def test_make_test_runs_every_check_once_and_no_check_twice() -> None:
    """The checks have one home each and `make test` reaches every one of them;
    no tool runs a make target again behind make's back."""
    test = _make_prerequisites("test")
    for check in ("lint", "check-bump", "check-generated", "release-rehearsal"):
        assert check in test, f"`make test` does not run `{check}`: {test}"
    expanded = _expand("test")
    # make runs a prerequisite once however often it is named; what could run a check
    # twice is a recipe's tool calling make again behind make's back.
    for tool in _tools_run_by(expanded):
        assert not re.search(r"""["']make["']""", tool.read_text()), (
            f"tools/{tool.name} (run by `make test`) calls make; a check belongs to "
            "one Makefile target, which `make test` names"
        )


def _recipe(target: str) -> str:
    makefile = (REPO_ROOT / "Makefile").read_text()
    m = re.search(
        rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)*)", makefile, flags=re.MULTILINE
    )
    return m.group(1) if m else ""


def _tools_run_by(targets: list[str]) -> set[Path]:
    """The tools/*.py files the recipes of `targets` run, and the tools modules they import."""
    tools = REPO_ROOT / "tools"
    found = {
        tools / name
        for target in targets
        for name in re.findall(r"tools/(\w+\.py)", _recipe(target))
    }
    todo = list(found)
    while todo:
        text = todo.pop().read_text()
        for name in re.findall(r"^(?:import|from) (\w+)", text, flags=re.MULTILINE):
            module = tools / f"{name}.py"
            if module.is_file() and module not in found:
                found.add(module)
                todo.append(module)
    assert tools / "release_rehearsal.py" in found, found
    return found


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
