#!/usr/bin/env python3
"""Bump the one release version everywhere it is written, in one go.

    python tools/bump.py patch|minor|major|X.Y.Z [--allow-dirty] [--dry-run] [--date YYYY-MM-DD]
    make bump PART=minor

Rewrites every version place listed in ``tools/versions.py``, with the tools that own
the formats: ``semver`` computes the next version; ``tomlkit`` (style preserving) edits

* ``Cargo.toml``  ``[workspace.package] version`` and the ``"=X.Y.Z"`` pins of the
  internal crates in ``[workspace.dependencies]``
* ``Cargo.lock``  the entries of the workspace crates

and ``npm version --no-git-tag-version`` edits ``packages/typescript/package.json`` and
``package-lock.json`` (plus the napi platform packages in ``optionalDependencies``, if any,
which npm leaves alone).

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
import sys
from pathlib import Path

import tomlkit

import changelog
import versions
from _common import CommandFailed, run


class BumpError(Exception):
    """The bump is refused or failed; every file it touched is restored."""


def next_version(current: str, part: str) -> str:
    """``semver``'s next version: a pre-release's patch/minor/major bump releases it."""
    if part in ("major", "minor", "patch"):
        return str(versions.parse(current).next_version(part))
    return str(versions.parse(part))  # raises VersionError with the accepted forms


def rewrite_cargo_toml(text: str, new: str, internal: set[str]) -> str:
    """[workspace.package] version and the ``=X.Y.Z`` pins of the internal crates (tomlkit)."""
    doc = tomlkit.parse(text)
    workspace = doc["workspace"]
    workspace["package"]["version"] = new
    for name, spec in workspace.get("dependencies", {}).items():
        if name in internal and isinstance(spec, dict) and "path" in spec:
            spec["version"] = f"={new}"
    return tomlkit.dumps(doc)


def rewrite_cargo_lock(text: str, new: str, internal: set[str]) -> str:
    """The workspace crates' entries (no ``source``) of Cargo.lock (tomlkit)."""
    doc = tomlkit.parse(text)
    for package in doc["package"]:
        if package["name"] in internal and "source" not in package:
            package["version"] = new
    return tomlkit.dumps(doc)


def npm_version(ts: Path, new: str) -> None:
    """package.json and package-lock.json, by ``npm version`` itself; then the napi
    platform packages in ``optionalDependencies``, which npm leaves alone."""
    run(["npm", "version", new, "--no-git-tag-version", "--allow-same-version",
         "--ignore-scripts"], cwd=ts)  # fmt: skip
    path = ts / "package.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    platform = [
        d
        for d in data.get("optionalDependencies", {})
        if d.startswith(f"{data['name']}-")
    ]
    if platform:
        data["optionalDependencies"].update(dict.fromkeys(platform, new))
        path.write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def cargo_lock_check(root: Path) -> str | None:
    """An error message when cargo rejects the lockfile, None when fine or unavailable."""
    if not (root / "crates").is_dir() or shutil.which("cargo") is None:
        return None
    # Only the host's dependencies: offline, cargo has downloaded no others
    # (a Windows-only crate in the lockfile is not in the local cache).
    host = re.search(r"^host: (\S+)", run(["rustc", "-vV"], check=False).stdout, re.M)
    platform = ["--filter-platform", host.group(1)] if host else []
    proc = run(
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
    cargo_toml, cargo_lock = root / "Cargo.toml", root / "Cargo.lock"
    changelog_md = root / "CHANGELOG.md"
    if not (ts / "package.json").is_file():
        raise BumpError(f"{versions.TS_DIR}/package.json is missing")
    since = versions.last_release_tag(root, before=new)
    entry = changelog.entry(
        new,
        date or dt.date.today().isoformat(),
        changelog.commit_subjects(root, since),
        since,
        changelog.contract_changes(root, since),
    )
    # Every file this may touch, as it was: restored whole when anything fails.
    touched = [cargo_toml, cargo_lock, ts / "package.json", ts / "package-lock.json"]
    touched.append(changelog_md)
    originals = {
        p: p.read_text(encoding="utf-8") if p.is_file() else None for p in touched
    }
    new_texts = {
        cargo_toml: rewrite_cargo_toml(originals[cargo_toml] or "", new, internal),
        changelog_md: changelog.add_entry(originals[changelog_md], entry, new),
    }
    if originals[cargo_lock] is not None:
        new_texts[cargo_lock] = rewrite_cargo_lock(originals[cargo_lock], new, internal)
    rel = {
        p: p.relative_to(root).as_posix() for p in touched if originals[p] is not None
    }
    rel[changelog_md] = "CHANGELOG.md"

    if dry_run:
        print(f"bump: {current} -> {new} (dry run, nothing written)")
        for path in rel:
            changed = path not in new_texts or originals[path] != new_texts[path]
            print(f"  would {'rewrite' if changed else 'leave'} {rel[path]}")
        print("\n" + entry)
        return new
    try:
        for path, text in new_texts.items():
            path.write_text(text, encoding="utf-8")
        npm_version(ts, new)
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
    for path in rel:
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
    except (
        BumpError,
        changelog.ChangelogError,
        versions.VersionError,
        CommandFailed,
    ) as err:
        print(f"bump: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
