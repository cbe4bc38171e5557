"""A newer release of the contracts, built in a temporary tagged copy of this checkout.

The tests that need two releases side by side (test_rollout.py: a backend of vB serving
clients of vA; test_stored_rows.py: rows stored by vA checked with vB) make vB the way a
maintainer would: copy the checkout into ``target/<name>/repo``, commit it and tag the current
version (vA, the contracts of the package installed here), apply a change to ``baml_src``, bump
with ``tools/bump.py``, generate (``baml-cli generate``, ``contracts gen``, which compiles the
history from the tag), and build the Python package of vB: its native module in debug, into
this worktree's ``target/`` (the dependencies are reused, and since each copy always sits at
the same path cargo's incremental cache makes recompiling the two changed crates quick from the
second run on). ``Release.site`` is a directory to put first on ``PYTHONPATH`` to run vB.

Builds of different copies take turns (a lock file in ``target/``): they share
``target/debug/lib_native.so``, which each build overwrites before copying it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from coach_app_baml_client import CONTRACTS_VERSION
from conftest import REPO

import bump  # tools/bump.py (on the path through pytest.ini)
import changelog  # tools/changelog.py: the CHANGELOG entry bump writes

TARGET = REPO / "target"
# What generating and building the Python package needs (the workspace's
# manifests, the version files the bump rewrites).
COPIED = [
    "Cargo.toml",
    "Cargo.lock",
    "baml_src",
    "crates",
    "packages/python",
    "packages/typescript",
]


@dataclass(frozen=True)
class Release:
    """The newer build: its version and a directory to put first on ``PYTHONPATH``."""

    old: str
    new: str
    site: Path


Edit = tuple[str, str, str]
"""(file, old text, new text): ``old`` must be found exactly once in ``file``."""


def run(cmd: list[str], cwd: Path, **env: str) -> None:
    done = subprocess.run(
        cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{cmd} failed:\n{done.stdout}\n{done.stderr}"


def copy_checkout(dst: Path) -> None:
    """The files of this checkout that git would see (tracked and new) under ``COPIED``, as
    they are now (modification times kept, so cargo sees unchanged sources as unchanged)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *COPIED],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        src = REPO / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def git(repo: Path, *args: str) -> None:
    run(["git", "-c", "user.name=Rollout Test", "-c", "user.email=rollout@example.invalid",
         "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args], repo)  # fmt: skip


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    TARGET.mkdir(exist_ok=True)
    with (TARGET / ".tagged-release.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_release(
    name: str,
    edits: Sequence[Edit],
    part: str,
    appends: Mapping[str, str] | None = None,
) -> Release:
    """vB: this checkout tagged ``v<CONTRACTS_VERSION>`` in ``target/<name>/repo``, then
    ``edits`` applied, ``appends`` (file -> text) appended, bumped by ``part``
    (``major``, ``minor``, ``patch``), generated and built. ``name`` is the copy's own
    directory: give each test module its own, so that their copies do not clash and each
    keeps its incremental build. For example (test_stored_rows.py)::

        build_release("rows-e2e", [("baml_src/types/sessions.baml", "  MIXED\\n", "")], "major")
        # Release(old="0.2.0", new="1.0.0", site=.../target/rows-e2e/repo/site)
    """
    baml_cli = REPO / ".venv/bin/baml-cli"
    if not baml_cli.exists():
        pytest.fail(f"{baml_cli} is missing: run `make setup` first")
    repo = TARGET / name / "repo"
    shutil.rmtree(repo, ignore_errors=True)
    copy_checkout(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"contracts {CONTRACTS_VERSION}")
    git(repo, "tag", f"v{CONTRACTS_VERSION}")

    for file, old, new in edits:
        path = repo / file
        text = path.read_text()
        assert text.count(old) == 1, f"{file}: {old!r} not found once"
        path.write_text(text.replace(old, new))
    for file, text in (appends or {}).items():
        with (repo / file).open("a") as appended:
            appended.write(text)
    # The CHANGELOG's contract section needs the compiler built in the copy; not here.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(changelog, "contract_changes", lambda root, since: None)
        new_version = bump.bump(repo, part, allow_dirty=True)

    run([str(baml_cli), "generate", "--from", "baml_src"], repo)
    cargo = {"CARGO_TARGET_DIR": str(TARGET), "CARGO_TERM_COLOR": "never"}
    site = repo / "site"
    with _build_lock():
        run(["cargo", "run", "-q", "--offline", "-p", "contracts-compiler", "--bin", "contracts",
             "--", "gen", "--root", str(repo), "--from", str(repo / "baml_src")], REPO)  # fmt: skip
        run(
            ["cargo", "build", "-q", "--offline", "--locked", "-p", "py-binding"],
            repo,
            **cargo,
        )
        shutil.copytree(
            repo / "packages/python/src/coach_app_baml_client",
            site / "coach_app_baml_client",
        )
        shutil.copy2(
            TARGET / "debug/lib_native.so",
            site / "coach_app_baml_client/_native.abi3.so",
        )
    return Release(CONTRACTS_VERSION, new_version, site)
