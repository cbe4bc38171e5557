#!/usr/bin/env python3
"""Bump the one release version everywhere it is written, in one go.

    python tools/bump.py patch|minor|major|X.Y.Z [--allow-dirty] [--dry-run] [--date YYYY-MM-DD]
    make bump PART=minor

Rewrites every version place listed in ``tools/versions.py``:

* ``Cargo.toml``  ``[workspace.package] version`` and the ``"=X.Y.Z"`` pins of the
  internal crates in ``[workspace.dependencies]``
* ``Cargo.lock``  the entries of the workspace crates
* ``packages/typescript/package.json`` (and its napi ``optionalDependencies``, if any)
* ``packages/typescript/package-lock.json`` (root and ``packages[""]``)

then checks that every place agrees (and, when the crates are present, that
``cargo metadata --locked --offline`` accepts the rewritten Cargo.lock), and adds a
``## [X.Y.Z] - YYYY-MM-DD`` entry to ``CHANGELOG.md`` (created with a Keep a
Changelog header when missing) listing the commit subjects since the last ``v*``
tag, or since the root commit. Any failure restores every file it touched.

Refuses: a dirty working tree (unless ``--allow-dirty``), and a version that is
not greater than the current one. It never commits or tags; it prints the next
steps instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import versions  # noqa: E402

CHANGELOG_HEADER = """# Changelog

All notable changes to the coach-app contracts (the PyPI package `coach-app-baml-client`,
the npm package `@coach-app/coach-app-baml-client` and the Rust crates, which share one
version) are documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and this project adheres to [Semantic Versioning](https://semver.org/spec/v2.0.0.html).

## [Unreleased]
"""


class BumpError(Exception):
    pass


def next_version(current: str, part: str) -> str:
    major, minor, patch, pre = versions.parse(current)
    if part == "major":
        return (
            f"{major}.0.0" if pre and minor == 0 and patch == 0 else f"{major + 1}.0.0"
        )
    if part == "minor":
        return f"{major}.{minor}.0" if pre and patch == 0 else f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch}" if pre else f"{major}.{minor}.{patch + 1}"
    versions.parse(part)  # raises VersionError with the accepted forms
    return part


def _sub_once(
    pattern: str, repl: str, text: str, what: str, flags: int = re.MULTILINE
) -> str:
    new, n = re.subn(pattern, repl, text, count=1, flags=flags)
    if n != 1:
        raise BumpError(f"could not find {what}")
    return new


def rewrite_cargo_toml(text: str, new: str, internal: set[str]) -> str:
    # [workspace.package] version: the first `version =` line of that table.
    head, sep, rest = text.partition("[workspace.package]")
    if not sep:
        raise BumpError("Cargo.toml has no [workspace.package] table")
    body, nxt, tail = rest.partition("\n[")
    body = _sub_once(
        r'^(version\s*=\s*")[^"]*(")',
        rf"\g<1>{new}\g<2>",
        body,
        "[workspace.package] version",
    )
    text = head + sep + body + nxt + tail
    # "=X.Y.Z" pins of path dependencies in [workspace.dependencies].
    head, sep, rest = text.partition("[workspace.dependencies]")
    if sep:
        body, nxt, tail = rest.partition("\n[")
        for name in sorted(internal):
            line_re = rf"^({re.escape(name)}\s*=\s*\{{[^\n]*\bpath\s*=[^\n]*)$"
            for m in list(re.finditer(line_re, body, flags=re.MULTILINE)):
                line = m.group(1)
                fixed = re.sub(
                    r'(\bversion\s*=\s*")=?[^"]*(")', rf"\g<1>={new}\g<2>", line
                )
                body = body.replace(line, fixed)
        text = head + sep + body + nxt + tail
    return text


def rewrite_cargo_lock(text: str, new: str, internal: set[str]) -> str:
    blocks = text.split("\n[[package]]\n")
    for i, block in enumerate(blocks[1:], start=1):
        m = re.match(r'name = "([^"]+)"\n', block)
        if m and m.group(1) in internal and "\nsource = " not in block:
            blocks[i] = re.sub(
                r'^version = "[^"]*"$', f'version = "{new}"', block, count=1, flags=re.M
            )
    return "\n[[package]]\n".join(blocks)


def _dump_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def rewrite_package_json(text: str, new: str) -> str:
    data = json.loads(text)
    data["version"] = new
    name = data.get("name", "")
    for dep in data.get("optionalDependencies", {}):
        if dep.startswith(f"{name}-"):
            data["optionalDependencies"][dep] = new
    return _dump_json(data)


def rewrite_package_lock(text: str, new: str) -> str:
    data = json.loads(text)
    data["version"] = new
    data.setdefault("packages", {}).setdefault("", {})["version"] = new
    return _dump_json(data)


def commit_subjects(root: Path, since_tag: str | None) -> list[str]:
    rng = [f"{since_tag}..HEAD"] if since_tag else ["HEAD"]
    out = versions.git(
        root, "log", "--no-merges", "--format=%s (%h)", *rng, check=False
    )
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
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        # The version bump itself must not depend on building the compiler:
        # say so loudly and leave the contract section for a person to add.
        print(
            f"bump: warning: `{' '.join(cmd)}` failed, so the CHANGELOG entry has no "
            f"contract section; run it by hand and paste its output:\n"
            f"{proc.stderr or proc.stdout}",
            file=sys.stderr,
        )
        return None
    return proc.stdout.strip() or None


def changelog_entry(
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


def add_changelog_entry(text: str | None, entry: str, new: str) -> str:
    if not text or not text.strip():
        text = CHANGELOG_HEADER
    if re.search(rf"^## \[{re.escape(new)}\]", text, flags=re.MULTILINE):
        raise BumpError(f"CHANGELOG.md already has an entry for {new}")
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


def cargo_lock_check(root: Path) -> str | None:
    """An error message when cargo rejects the lockfile, None when fine or unavailable."""
    if not (root / "crates").is_dir() or shutil.which("cargo") is None:
        return None
    # Only the host's dependencies: offline, cargo has downloaded no others
    # (a Windows-only crate in the lockfile is not in the local cache).
    host = subprocess.run(
        ["rustc", "-vV"], capture_output=True, text=True, check=False
    ).stdout
    triple = next(
        (
            line.split(":", 1)[1].strip()
            for line in host.splitlines()
            if line.startswith("host:")
        ),
        None,
    )
    platform = ["--filter-platform", triple] if triple else []
    proc = subprocess.run(
        [
            "cargo",
            "metadata",
            "--locked",
            "--offline",
            "--format-version",
            "1",
            *platform,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return None if proc.returncode == 0 else proc.stderr.strip()


def bump(
    root: Path,
    part: str,
    *,
    allow_dirty: bool = False,
    dry_run: bool = False,
    date: str | None = None,
) -> str:
    current = versions.workspace_version(root)
    new = next_version(current, part)
    if versions.sort_key(new) <= versions.sort_key(current):
        raise BumpError(
            f"refusing: {new} is not greater than the current version {current}"
        )
    dirty = versions.dirty_files(root)
    if dirty and not allow_dirty:
        listing = "\n".join(f"  {line}" for line in dirty[:20])
        raise BumpError(
            f"refusing: the working tree is dirty ({len(dirty)} changes):\n{listing}\n"
            "Commit or stash them first, or pass --allow-dirty."
        )
    internal = set(versions.internal_crates(root))
    ts = root / versions.TS_DIR
    rewrites = {
        root / "Cargo.toml": lambda t: rewrite_cargo_toml(t, new, internal),
        root / "Cargo.lock": lambda t: rewrite_cargo_lock(t, new, internal),
        ts / "package.json": lambda t: rewrite_package_json(t, new),
        ts / "package-lock.json": lambda t: rewrite_package_lock(t, new),
    }
    since = versions.last_release_tag(root, before=new)
    entry = changelog_entry(
        new,
        date or dt.date.today().isoformat(),
        commit_subjects(root, since),
        since,
        contract_changes(root, since),
    )
    changelog = root / "CHANGELOG.md"
    old_changelog = (
        changelog.read_text(encoding="utf-8") if changelog.is_file() else None
    )

    originals: dict[Path, str | None] = {}
    new_texts: dict[Path, str] = {}
    for path, fn in rewrites.items():
        if not path.is_file():
            if path.name in ("Cargo.lock", "package-lock.json"):
                continue
            raise BumpError(f"{path.relative_to(root)} is missing")
        originals[path] = path.read_text(encoding="utf-8")
        new_texts[path] = fn(originals[path])
    originals[changelog] = old_changelog
    new_texts[changelog] = add_changelog_entry(old_changelog, entry, new)

    rel = {p: p.relative_to(root).as_posix() for p in new_texts}
    if dry_run:
        print(f"bump: {current} -> {new} (dry run, nothing written)")
        for path in new_texts:
            changed = originals[path] != new_texts[path]
            print(f"  would {'rewrite' if changed else 'leave'} {rel[path]}")
        print("\n" + entry)
        return new
    try:
        for path, text in new_texts.items():
            path.write_text(text, encoding="utf-8")
        _, _, bad = versions.check(root, dist=root / ".no-dist")
        if bad:
            raise BumpError(versions.report(new, bad))
        if err := cargo_lock_check(root):
            raise BumpError(f"cargo rejects the rewritten Cargo.lock:\n{err}")
    except BaseException:
        for path, text in originals.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        raise
    print(f"bump: {current} -> {new}")
    for path in new_texts:
        print(f"  rewrote {rel[path]}")
    print(
        "Next: `make dist test`, review CHANGELOG.md, then\n"
        f"  git commit -am 'Release {new}' && git tag v{new} && git push origin HEAD v{new}\n"
        "(see RELEASING.md)."
    )
    return new


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "part", help="patch, minor, major, or an explicit X.Y.Z[-(alpha|beta|rc).N]"
    )
    ap.add_argument(
        "--allow-dirty", action="store_true", help="bump even with uncommitted changes"
    )
    ap.add_argument(
        "--dry-run", action="store_true", help="print what would change, write nothing"
    )
    ap.add_argument("--date", help="CHANGELOG date (default: today)")
    ap.add_argument("--root", type=Path, default=versions.ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        bump(
            args.root,
            args.part,
            allow_dirty=args.allow_dirty,
            dry_run=args.dry_run,
            date=args.date,
        )
    except (BumpError, versions.VersionError) as err:
        print(f"bump: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
