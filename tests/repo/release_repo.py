"""Helpers for the release-tool tests: throwaway git repositories holding a
copy of this repository's version files."""

from __future__ import annotations

import shutil
from pathlib import Path

import versions
from _common import git

__all__ = ["VERSION_FILES", "copy_version_files", "git", "init_repo"]

ROOT = Path(__file__).resolve().parents[2]

# The files the version lives in.
VERSION_FILES = [
    "Cargo.toml",
    "Cargo.lock",
    "packages/typescript/package.json",
    "packages/typescript/package-lock.json",
]


def copy_version_files(dst: Path, extra: list[str] | tuple[str, ...] = ()) -> Path:
    """Copies the version files, `extra` files and every crate manifest into `dst`."""
    for rel in [*VERSION_FILES, *extra]:
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dst / rel)
    for manifest in versions.internal_crates(ROOT).values():
        rel = manifest.relative_to(ROOT)
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(manifest, dst / rel)
    return dst


def init_repo(path: Path) -> Path:
    """`git init` + one commit of everything in `path`, with a fixed identity."""
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.invalid")
    git(path, "config", "user.name", "Test")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "Initial import")
    return path
