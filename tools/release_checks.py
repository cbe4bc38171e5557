#!/usr/bin/env python3
"""Drift and tamper checks that gate every release (release.yml and the rehearsal).

    python tools/release_checks.py [--tag vX.Y.Z] [--dist DIR] [--only a,b] [--skip a,b] [--allow-dirty]

Checks (all by default, in this order):

``versions``   every version place agrees with ``[workspace.package] version``
               (tools/versions.py; artifact names too with ``--dist``)
``tag``        with ``--tag``: the tag is exactly ``v`` + that version
``clean``      the working tree is clean: no tracked change, no untracked file that is
               not gitignored (a release is built from the commit, nothing else)
``bumped``     the version was bumped since the previous ``v*`` tag reachable from HEAD
               (one not pointing at HEAD): refuses when ``baml_src/`` changed since that tag
               but the version did not, when the version went backwards, and when the tag of
               this version already exists on another commit

The other two parts of the release gate are make targets, run by make and never from
here: ``make check-bump`` (the bump is big enough for the contract change) and
``make check-generated`` (generation is reproducible and matches the sources).

Exit status 0 when every selected check passes, 1 otherwise; every failure says how
to fix it. ``--allow-dirty`` downgrades ``clean`` to a warning (local rehearsals in a
shared tree only; release.yml never passes it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import versions
from _common import git

CHECKS = ("versions", "tag", "clean", "bumped")


@dataclass
class Result:
    name: str
    status: str  # PASS, FAIL, WARN, SKIP
    detail: str


class Ctx:
    def __init__(
        self, root: Path, tag: str | None, dist: Path | None, allow_dirty: bool
    ) -> None:
        self.root = root
        self.tag = tag
        self.dist = dist
        self.allow_dirty = allow_dirty


def check_versions(ctx: Ctx) -> Result:
    version, places, bad = versions.check(
        ctx.root, dist=ctx.dist or ctx.root / ".no-dist"
    )
    if bad:
        return Result("versions", "FAIL", versions.report(version, bad))
    return Result("versions", "PASS", f"{len(places)} version places carry {version}")


def check_tag(ctx: Ctx) -> Result:
    if not ctx.tag:
        return Result("tag", "SKIP", "no --tag given")
    version = versions.workspace_version(ctx.root)
    if ctx.tag != f"v{version}":
        return Result(
            "tag",
            "FAIL",
            f"tag {ctx.tag!r} does not match [workspace.package] version {version!r} in Cargo.toml "
            f"(expected 'v{version}'). Nothing was published: delete the tag "
            f"(git push origin :refs/tags/{ctx.tag}), run `make bump PART=...` or fix the tag, "
            "and tag again.",
        )
    return Result("tag", "PASS", f"{ctx.tag} == v{version}")


def check_clean(ctx: Ctx) -> Result:
    dirty = versions.dirty_files(ctx.root)
    if not dirty:
        return Result(
            "clean", "PASS", "no tracked change, no untracked non-ignored file"
        )
    listing = "\n".join(f"    {line}" for line in dirty[:25])
    more = f"\n    ... and {len(dirty) - 25} more" if len(dirty) > 25 else ""
    msg = f"the working tree is dirty ({len(dirty)} entries):\n{listing}{more}"
    if ctx.allow_dirty:
        return Result(
            "clean",
            "WARN",
            msg + "\n  (allowed by --allow-dirty: NOT a releasable state)",
        )
    return Result(
        "clean",
        "FAIL",
        msg
        + "\n  Release only from a clean checkout of the tagged commit: commit, stash or "
        "remove these (generated files must be gitignored).",
    )


def _rev(root: Path, ref: str) -> str | None:
    out = git(
        root, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False
    ).strip()
    return out or None


def check_bumped(ctx: Ctx) -> Result:
    root = ctx.root
    current = versions.workspace_version(root)
    head = _rev(root, "HEAD")
    if head is None:
        return Result("bumped", "FAIL", "not a git repository with commits")
    own = _rev(root, f"refs/tags/v{current}")
    if own is not None and own != head:
        changed = git(
            root, "diff", "--name-only", f"v{current}", "HEAD", "--", "baml_src"
        ).split()
        why = (
            f"baml_src/ changed since v{current} ({len(changed)} files: {', '.join(changed[:8])}) "
            f"but the version is still {current}: "
            if changed
            else ""
        )
        return Result(
            "bumped",
            "FAIL",
            f"{why}v{current} is already released from commit {own[:12]} (HEAD is {head[:12]}); "
            "published versions are immutable. Run `make bump PART=patch|minor|major` "
            "(PATCH: prompts/tests/metadata, MINOR: additive, MAJOR: breaking) and commit.",
        )
    previous = [
        (v, t)
        for v, t in versions.release_tags(root)
        if _rev(root, f"refs/tags/{t}") != head
    ]
    if not previous:
        return Result(
            "bumped", "PASS", f"no earlier v* tag: {current} is the first release"
        )
    prev_version, prev_tag = previous[-1]
    changed = git(
        root, "diff", "--name-only", prev_tag, "HEAD", "--", "baml_src"
    ).split()
    if versions.sort_key(current) < versions.sort_key(prev_version):
        return Result(
            "bumped",
            "FAIL",
            f"version {current} is lower than the previous release {prev_tag}; bump it above {prev_version}",
        )
    if current == prev_version:
        what = (
            f"baml_src/ changed since {prev_tag} ({len(changed)} files: {', '.join(changed[:8])})"
            if changed
            else f"HEAD differs from {prev_tag}"
        )
        return Result(
            "bumped",
            "FAIL",
            f"{what} but the version is still {current}. Run `make bump PART=patch|minor|major` "
            "(PATCH: prompts/tests/metadata, MINOR: additive, MAJOR: breaking) and commit.",
        )
    detail = f"{prev_tag} -> {current}"
    if changed:
        detail += f"; baml_src/ changed in {len(changed)} files"
    return Result("bumped", "PASS", detail)


RUNNERS: dict[str, Callable[[Ctx], Result]] = {
    "versions": check_versions,
    "tag": check_tag,
    "clean": check_clean,
    "bumped": check_bumped,
}


def run(
    root: Path,
    *,
    tag: str | None = None,
    dist: Path | None = None,
    only: list[str] | None = None,
    skip: list[str] | None = None,
    allow_dirty: bool = False,
) -> list[Result]:
    ctx = Ctx(root, tag, dist, allow_dirty)
    selected = [c for c in CHECKS if (not only or c in only) and c not in (skip or [])]
    results = []
    for name in selected:
        try:
            results.append(RUNNERS[name](ctx))
        except Exception as err:  # noqa: BLE001 - report, never crash half-way
            results.append(Result(name, "FAIL", f"{type(err).__name__}: {err}"))
    return results


def _names(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown checks {unknown}; known: {', '.join(CHECKS)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=versions.ROOT)
    ap.add_argument("--tag", help="the release tag (release.yml: github.ref_name)")
    ap.add_argument(
        "--dist", type=Path, help="also check the artifact names in this directory"
    )
    ap.add_argument(
        "--only", type=_names, help=f"comma-separated subset of {','.join(CHECKS)}"
    )
    ap.add_argument(
        "--skip", type=_names, default=[], help="comma-separated checks to skip"
    )
    ap.add_argument(
        "--allow-dirty",
        action="store_true",
        help="a dirty tree is a warning (never in CI)",
    )
    args = ap.parse_args(argv)
    results = run(
        args.root,
        tag=args.tag,
        dist=args.dist,
        only=args.only,
        skip=args.skip,
        allow_dirty=args.allow_dirty,
    )
    for r in results:
        first, *rest = r.detail.splitlines() or [""]
        print(f"release-check {r.status:4} {r.name:9} {first}")
        for line in rest:
            print(f"    {line}")
    failed = [r.name for r in results if r.status == "FAIL"]
    if failed:
        print(
            f"release-checks: FAILED ({', '.join(failed)}); nothing may be published.",
            file=sys.stderr,
        )
        return 1
    print(f"release-checks: {len(results)} checks ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
