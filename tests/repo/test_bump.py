"""tools/bump.py rewrites every version place in one go, on a temporary git repository.

The copy holds the version files and the crates (tracked files only), so the
check bump.py runs after rewriting (``cargo metadata --locked --offline``) sees a
real workspace.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tomllib
from io import BytesIO
from pathlib import Path

import pytest

import bump
from release_repo import git, init_repo
import versions

ROOT = Path(__file__).resolve().parents[2]

BUMP = ROOT / "tools" / "bump.py"
PATHS = [
    "Cargo.toml",
    "Cargo.lock",
    "crates",
    "packages/typescript/package.json",
    "packages/typescript/package-lock.json",
]


def _run_bump(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUMP), *args, "--root", str(repo), "--date", "2030-01-02"],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git repo with the version files and crates of this repository, two commits."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--", *PATHS],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    buf = BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in filter(None, files):
            path = ROOT / name.decode()
            if path.is_file():  # skip files deleted in the working tree
                tar.add(path, arcname=name.decode())
    buf.seek(0)
    with tarfile.open(fileobj=buf) as tar:
        tar.extractall(tmp_path, filter="data")
    (tmp_path / ".gitignore").write_text("target/\n")
    init_repo(tmp_path)
    (tmp_path / "NOTES.txt").write_text("x\n")
    git(tmp_path, "add", "NOTES.txt")
    git(tmp_path, "commit", "-q", "-m", "Add notes")
    return tmp_path


def _current(repo: Path) -> tuple[int, int, int]:
    version = versions.parse(versions.workspace_version(repo))
    return version.major, version.minor, version.patch


def test_bump_minor_rewrites_every_place_consistently(repo: Path) -> None:
    major, minor, _ = _current(repo)
    expected = f"{major}.{minor + 1}.0"
    proc = _run_bump(repo, "minor")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"-> {expected}" in proc.stdout

    version, places, bad = versions.check(repo, dist=repo / "dist")
    assert version == expected
    assert not bad, versions.report(version, bad)
    assert len(places) >= 8
    cargo = tomllib.loads((repo / "Cargo.toml").read_text())
    assert (
        cargo["workspace"]["dependencies"]["contracts-core"]["version"]
        == f"={expected}"
    )
    lock = json.loads((repo / "packages/typescript/package-lock.json").read_text())
    assert lock["version"] == lock["packages"][""]["version"] == expected
    # cargo accepts the rewritten lockfile as it is.
    assert bump.cargo_lock_check(repo) is None
    # Nothing but the version places changed (plus the new CHANGELOG.md).
    changed = set(git(repo, "diff", "--name-only").split())
    assert changed == {
        "Cargo.toml",
        "Cargo.lock",
        "packages/typescript/package.json",
        "packages/typescript/package-lock.json",
    }, changed
    diff = git(repo, "diff", "--numstat")
    for line in diff.splitlines():  # each file: only version lines change
        added, removed, name = line.split("\t")
        assert added == removed, f"{name}: {line}"

    changelog = (repo / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    assert "Keep a Changelog" in changelog
    assert "## [Unreleased]" in changelog
    assert f"## [{expected}] - 2030-01-02" in changelog
    assert "- Initial import (" in changelog and "- Add notes (" in changelog


def test_changelog_lists_the_commits_since_the_last_tag(repo: Path) -> None:
    assert _run_bump(repo, "minor").returncode == 0
    first = versions.workspace_version(repo)
    git(repo, "commit", "-q", "-am", f"Release {first}")
    git(repo, "add", "CHANGELOG.md")
    git(repo, "commit", "-q", "-m", "Add the changelog")
    git(repo, "tag", f"v{first}")
    (repo / "NOTES.txt").write_text("y\n")
    git(repo, "commit", "-q", "-am", "Fix a prompt")

    proc = _run_bump(repo, "patch")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    second = versions.workspace_version(repo)
    changelog = (repo / "CHANGELOG.md").read_text()
    top = changelog.index(f"## [{second}]")
    older = changelog.index(f"## [{first}]")
    assert changelog.index("## [Unreleased]") < top < older
    entry = changelog[top:older]
    assert f"since v{first}" in entry
    assert "- Fix a prompt (" in entry
    assert "Initial import" not in entry and "Add notes" not in entry
    assert changelog.count("## [Unreleased]") == 1


def test_refuses_a_dirty_tree_unless_allowed(repo: Path) -> None:
    before = {p: (repo / p).read_text() for p in ("Cargo.toml", "Cargo.lock")}
    (repo / "NOTES.txt").write_text("uncommitted\n")
    proc = _run_bump(repo, "patch")
    assert proc.returncode == 1
    assert (
        "dirty" in proc.stderr
        and "NOTES.txt" in proc.stderr
        and "--allow-dirty" in proc.stderr
    )
    assert {p: (repo / p).read_text() for p in before} == before
    assert not (repo / "CHANGELOG.md").exists()

    proc = _run_bump(repo, "patch", "--allow-dirty")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("target", ["same", "lower", "garbage"])
def test_refuses_a_version_not_greater(repo: Path, target: str) -> None:
    current = versions.workspace_version(repo)
    major, minor, patch = _current(repo)
    arg = {
        "same": current,
        "lower": f"{major}.{minor}.{patch}-rc.1",
        "garbage": "1.2",
    }[target]
    proc = _run_bump(repo, arg)
    assert proc.returncode == 1
    if target == "garbage":
        assert "not a release version" in proc.stderr
    else:
        assert f"not greater than the current version {current}" in proc.stderr
    assert git(repo, "status", "--porcelain") == ""


def test_dry_run_writes_nothing(repo: Path) -> None:
    proc = _run_bump(repo, "major", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "would rewrite Cargo.lock" in proc.stdout
    assert git(repo, "status", "--porcelain") == ""


def test_a_failed_check_restores_every_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p: (repo / p).read_bytes() for p in ("Cargo.toml", "Cargo.lock")}
    monkeypatch.setattr(
        bump, "cargo_lock_check", lambda root: "simulated cargo failure"
    )
    with pytest.raises(bump.BumpError, match="simulated cargo failure"):
        bump.bump(repo, "minor", date="2030-01-02")
    assert {p: (repo / p).read_bytes() for p in before} == before
    assert not (repo / "CHANGELOG.md").exists()
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("current", "part", "expected"),
    [
        ("0.1.0", "patch", "0.1.1"),
        ("0.1.0", "minor", "0.2.0"),
        ("0.1.9", "major", "1.0.0"),
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("1.2.0-rc.1", "minor", "1.2.0"),
        ("2.0.0-beta.1", "major", "2.0.0"),
        ("0.1.0", "0.3.0-rc.1", "0.3.0-rc.1"),
    ],
)
def test_next_version(current: str, part: str, expected: str) -> None:
    assert bump.next_version(current, part) == expected
