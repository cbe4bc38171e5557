"""The CHANGELOG.md entry of a release (Keep a Changelog 1.1.0), written by tools/bump.py.

No changelog library fits: the entry is this project's own (the commit subjects since the
last tag, and the contract changes from ``contracts diff``), and inserting it below
``## [Unreleased]`` (carrying the notes written there) takes a few lines of text.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from _common import git, run

CHANGELOG_HEADER = """# Changelog

All notable changes to the coach-app contracts (the PyPI package `coach-app-baml-client`,
the npm package `@coach-app/coach-app-baml-client` and the Rust crates, which share one
version) are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [Unreleased]
"""


class ChangelogError(ValueError):
    """The changelog cannot take the entry (it has one for that version already)."""


def commit_subjects(root: Path, since_tag: str | None) -> list[str]:
    rng = [f"{since_tag}..HEAD"] if since_tag else ["HEAD"]
    out = git(root, "log", "--no-merges", "--format=%s (%h)", *rng, check=False)
    return [line.strip() for line in out.splitlines() if line.strip()]


def contract_changes(root: Path, since_tag: str | None) -> str | None:
    """The contract section of the entry: `contracts diff --format markdown`
    against the last release (what changed on the wire and the bump each change
    needs), or None before the first release or outside the workspace."""
    workspace = (root / "crates" / "contracts-compiler").is_dir() and (
        root / "baml_src"
    ).is_dir()
    if since_tag is None or not workspace:
        return None
    cmd = ["cargo", "run", "-q", "-p", "contracts-compiler", "--bin", "contracts", "--"]
    cmd += ["diff", "--against", since_tag, "--format", "markdown"]
    proc = run(cmd, cwd=root, check=False)
    if proc.returncode != 0:
        # The version bump itself must not depend on building the compiler:
        # say so loudly and leave the contract section for a person to add.
        print(
            f"changelog: warning: `{' '.join(cmd)}` failed, so the CHANGELOG entry has no "
            f"contract section; run it by hand and paste its output:\n"
            f"{proc.stderr or proc.stdout}",
            file=sys.stderr,
        )
        return None
    return proc.stdout.strip() or None


def entry(
    new: str,
    date: str,
    subjects: list[str],
    since_tag: str | None,
    contract: str | None = None,
) -> str:
    origin = f"since {since_tag}" if since_tag else "since the first commit"
    lines = [f"## [{new}] - {date}", ""]
    if contract:
        lines += ["### Contract changes", "", contract, ""]
    lines += [f"### Changes ({origin})", ""]
    lines += [f"- {s}" for s in subjects] or ["- No commits (version bump only)."]
    return "\n".join(lines) + "\n"


def add_entry(text: str | None, entry: str, new: str) -> str:
    """``text`` (CHANGELOG.md, None when missing) with ``entry`` on top, below [Unreleased]."""
    if not text or not text.strip():
        text = CHANGELOG_HEADER
    if re.search(rf"^## \[{re.escape(new)}\]", text, flags=re.MULTILINE):
        raise ChangelogError(f"CHANGELOG.md already has an entry for {new}")
    unreleased = re.search(
        r"^## \[Unreleased\][^\n]*\n", text, flags=re.MULTILINE | re.IGNORECASE
    )
    if unreleased:
        # Notes written by hand under [Unreleased] move into the new entry.
        after = text[unreleased.end() :]
        nxt = re.search(r"^## \[", after, flags=re.MULTILINE)
        notes = (after[: nxt.start()] if nxt else after).strip()
        rest = after[nxt.start() :] if nxt else ""
        if notes:
            head, _, body = entry.partition("\n\n")
            entry = f"{head}\n\n{notes}\n\n{body}"
        return text[: unreleased.end()] + "\n" + entry + ("\n" + rest if rest else "")
    first = re.search(r"^## \[", text, flags=re.MULTILINE)
    if first:
        return text[: first.start()] + entry + "\n" + text[first.start() :]
    return text.rstrip("\n") + "\n\n" + entry
