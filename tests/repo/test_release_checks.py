"""tools/release_checks.py refuses drift and tampering, on a temporary git repository.

(The gate's other two checks are make targets, `make check-bump` and
`make check-generated`, which `make test` runs; here the git/version checks run on
a small copy.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import bump
import release_checks
import versions
from release_repo import copy_version_files, git, init_repo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    copy_version_files(tmp_path, extra=["baml_src/generators.baml"])
    return init_repo(tmp_path)


def _status(repo: Path, **kw) -> dict[str, release_checks.Result]:
    results = release_checks.run(repo, **kw)
    return {r.name: r for r in results}


def test_a_clean_first_release_passes(repo: Path) -> None:
    version = versions.workspace_version(repo)
    res = _status(repo, tag=f"v{version}")
    assert {n: r.status for n, r in res.items()} == {
        "versions": "PASS",
        "tag": "PASS",
        "clean": "PASS",
        "bumped": "PASS",
    }, res


def test_tag_must_equal_the_workspace_version(repo: Path) -> None:
    res = _status(repo, tag="v9.9.9")
    assert res["tag"].status == "FAIL"
    assert (
        "does not match" in res["tag"].detail
        and "Nothing was published" in res["tag"].detail
    )


def test_dirty_tree_is_refused_unless_allowed(repo: Path) -> None:
    (repo / "baml_src/generators.baml").write_text("// tampered\n", encoding="utf-8")
    (repo / "stray.txt").write_text("x\n")
    res = _status(repo)
    assert res["clean"].status == "FAIL"
    assert (
        "baml_src/generators.baml" in res["clean"].detail
        and "stray.txt" in res["clean"].detail
    )
    assert _status(repo, allow_dirty=True)["clean"].status == "WARN"


def test_baml_src_change_without_a_bump_is_refused(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        bump, "cargo_lock_check", lambda root: None
    )  # crate sources not copied
    version = versions.workspace_version(repo)
    git(repo, "tag", f"v{version}")
    # Releasing the tagged commit itself is fine.
    assert _status(repo, tag=f"v{version}")["bumped"].status == "PASS"

    gen = repo / "baml_src/generators.baml"
    gen.write_text(gen.read_text() + "\n// a contract change\n")
    git(repo, "commit", "-q", "-am", "Change the contracts")
    res = _status(repo)
    assert res["bumped"].status == "FAIL"
    assert "baml_src/ changed since" in res["bumped"].detail
    assert "make bump" in res["bumped"].detail

    bump.bump(repo, "minor", date="2030-01-02")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Release")
    res = _status(repo)
    assert res["bumped"].status == "PASS", res["bumped"].detail
    assert "baml_src/ changed" in res["bumped"].detail


def test_an_existing_tag_on_another_commit_is_refused(repo: Path) -> None:
    version = versions.workspace_version(repo)
    git(repo, "tag", f"v{version}")
    (repo / "README").write_text("x\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "Docs")
    res = _status(repo)
    assert res["bumped"].status == "FAIL"
    assert "already released" in res["bumped"].detail


def test_version_mismatch_fails_the_versions_check(repo: Path) -> None:
    pkg = repo / "packages/typescript/package.json"
    pkg.write_text(pkg.read_text().replace('"version": "', '"version": "9', 1))
    res = _status(repo, allow_dirty=True)
    assert res["versions"].status == "FAIL"
    assert "packages/typescript/package.json: version = 9" in res["versions"].detail


def test_cli_exit_status(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/release_checks.py"), "--root", str(repo),
         "--tag", "v0.0.0-rc.1"],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "release-check FAIL tag" in proc.stdout
    assert "nothing may be published" in proc.stderr
