#!/usr/bin/env python3
"""Every place that carries the release version, read in one go.

The single source is ``[workspace.package] version`` in the root ``Cargo.toml``;
everything below must agree with it (``check`` lists every disagreement as
``file: what = value``). Used by ``tests/repo/test_versions.py``,
``tools/bump.py`` (which rewrites the same places), ``tools/release_checks.py``
and ``tools/publish.py``.

Version places:

* ``Cargo.toml``        ``[workspace.package] version``, and the ``version = "=X.Y.Z"``
                          pin of every internal crate (a ``path`` dependency) in
                          ``[workspace.dependencies]``
* ``crates/*/Cargo.toml`` ``version.workspace = true`` (a literal version is an error)
* ``Cargo.lock``        the ``version`` of every workspace crate (entries without ``source``)
* ``packages/typescript/package.json``       ``version`` (+ ``optionalDependencies`` of
                                               the napi platform packages, when present)
* ``packages/typescript/package-lock.json``  root ``version`` and ``packages[""].version``
* ``dist/`` (when present) the version in every artifact name: wheels and sdist
  (PEP 440 form), npm tarballs

CLI: ``python tools/versions.py [--root DIR]`` prints every place and exits 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import semver
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from _common import git

ROOT = Path(__file__).resolve().parents[1]
TS_DIR = Path("packages/typescript")
PY_PROJECT = "coach-app-baml-client"  # canonical (PEP 503) name
NPM_BASENAME = "coach-app-coach-app-baml-client"

# The project's release policy, which no library knows: SemVer 2.0.0 with only the
# pre-releases every ecosystem can express (PEP 440 XaN/XbN/XrcN), no build metadata.
RELEASE_PRE = re.compile(r"^(alpha|beta|rc)\.(0|[1-9]\d*)$")


class VersionError(ValueError):
    """A malformed version string."""


def parse(version: str) -> semver.Version:
    """A release version: X.Y.Z or X.Y.Z-(alpha|beta|rc).N (SemVer via ``semver``)."""
    try:
        parsed = semver.Version.parse(version)
    except (ValueError, TypeError):
        parsed = None
    if (
        parsed is None
        or parsed.build
        or (parsed.prerelease and not RELEASE_PRE.match(parsed.prerelease))
    ):
        raise VersionError(
            f"{version!r} is not a release version: use X.Y.Z or X.Y.Z-(alpha|beta|rc).N"
        )
    return parsed


def sort_key(version: str) -> semver.Version:
    """SemVer precedence: a pre-release sorts before its release."""
    return parse(version)


def pep440(version: str) -> str:
    """The PEP 440 spelling used in wheel and sdist names (0.2.0-rc.1 -> 0.2.0rc1)."""
    return str(Version(str(parse(version))))


@dataclass(frozen=True)
class Place:
    file: str  # repo-relative path
    what: str
    value: str | None  # None: missing

    def __str__(self) -> str:
        return f"{self.file}: {self.what} = {self.value if self.value is not None else '<missing>'}"


def workspace_version(root: Path = ROOT) -> str:
    data = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    try:
        return str(data["workspace"]["package"]["version"])
    except KeyError:
        raise VersionError("Cargo.toml has no [workspace.package] version") from None


def internal_crates(root: Path = ROOT) -> dict[str, Path]:
    """name -> manifest of every workspace member."""
    data = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    out: dict[str, Path] = {}
    for member in data["workspace"].get("members", []):
        for manifest in sorted(root.glob(f"{member}/Cargo.toml")):
            pkg = tomllib.loads(manifest.read_text(encoding="utf-8")).get("package", {})
            if "name" in pkg:
                out[pkg["name"]] = manifest
    return out


def _cargo_places(root: Path) -> list[Place]:
    places: list[Place] = []
    data = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    version = data.get("workspace", {}).get("package", {}).get("version")
    places.append(Place("Cargo.toml", "[workspace.package] version", version))
    members = internal_crates(root)
    for name, spec in data.get("workspace", {}).get("dependencies", {}).items():
        if isinstance(spec, dict) and "path" in spec:
            pin = spec.get("version")
            value = (
                pin[1:].strip()
                if isinstance(pin, str) and pin.startswith("=")
                else None
            )
            what = f"[workspace.dependencies] {name} version (exact pin '=X.Y.Z')"
            places.append(Place("Cargo.toml", what, value if value else pin))
    for name, manifest in members.items():
        pkg = tomllib.loads(manifest.read_text(encoding="utf-8"))["package"]
        rel = manifest.relative_to(root).as_posix()
        if pkg.get("version") != {"workspace": True}:
            places.append(
                Place(
                    rel,
                    f"{name} [package] version (must be version.workspace = true)",
                    f"literal {pkg.get('version')!r}",
                )
            )
    lock = root / "Cargo.lock"
    if lock.is_file():
        locked = tomllib.loads(lock.read_text(encoding="utf-8")).get("package", [])
        for name in members:
            entries = [p for p in locked if p.get("name") == name and "source" not in p]
            if not entries:
                places.append(Place("Cargo.lock", f"{name} version", None))
            for entry in entries:
                places.append(
                    Place("Cargo.lock", f"{name} version", entry.get("version"))
                )
    return places


def _npm_places(root: Path) -> list[Place]:
    places: list[Place] = []
    pkg_path = root / TS_DIR / "package.json"
    rel = (TS_DIR / "package.json").as_posix()
    pkg = json.loads(pkg_path.read_text(encoding="utf-8"))
    places.append(Place(rel, "version", pkg.get("version")))
    for dep, spec in sorted(pkg.get("optionalDependencies", {}).items()):
        if dep.startswith(f"{pkg.get('name')}-"):
            places.append(Place(rel, f"optionalDependencies {dep}", spec))
    lock_path = root / TS_DIR / "package-lock.json"
    if lock_path.is_file():
        rel_lock = (TS_DIR / "package-lock.json").as_posix()
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        places.append(Place(rel_lock, "version", lock.get("version")))
        places.append(
            Place(
                rel_lock,
                'packages[""].version',
                lock.get("packages", {}).get("", {}).get("version"),
            )
        )
    return places


_NPM_RE = re.compile(
    rf"^{NPM_BASENAME}(?:-((?:[a-z0-9]+-)*[a-z0-9]+?))?-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.tgz$"
)


def _python_artifact_version(name: str) -> tuple[str, str] | None:
    """(what, PEP 440 version) of a wheel or sdist file name (``packaging.utils``)."""
    try:
        if name.endswith(".whl"):
            project, version, *_ = parse_wheel_filename(name)
            what = "wheel version (PEP 440)"
        elif name.endswith(".tar.gz"):
            project, version = parse_sdist_filename(name)
            what = "sdist version (PEP 440)"
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None
    return (what, str(version)) if project == PY_PROJECT else None


def artifact_places(dist: Path, root: Path = ROOT) -> list[Place]:
    """The version in every artifact name under ``dist`` (recursively); PEP 440 for Python."""
    places: list[Place] = []
    if not dist.is_dir():
        return places
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        try:
            rel = path.relative_to(root).as_posix()
        except ValueError:
            rel = str(path)
        if python := _python_artifact_version(path.name):
            places.append(Place(rel, *python))
        elif m := _NPM_RE.match(path.name):
            places.append(Place(rel, "npm tarball version", m.group(2)))
    return places


def collect(root: Path = ROOT, *, dist: Path | None = None) -> list[Place]:
    """Every version place; ``dist`` defaults to ``root/dist`` (skipped when absent)."""
    places = _cargo_places(root) + _npm_places(root)
    places += artifact_places(dist if dist is not None else root / "dist", root)
    return places


def mismatches(places: list[Place], version: str) -> list[Place]:
    try:
        py = pep440(version)
    except VersionError:
        py = version
    bad = []
    for place in places:
        expected = py if "PEP 440" in place.what else version
        if place.value != expected:
            bad.append(place)
    return bad


def check(
    root: Path = ROOT, *, dist: Path | None = None
) -> tuple[str, list[Place], list[Place]]:
    """(workspace version, every place, the places that disagree)."""
    version = workspace_version(root)
    places = collect(root, dist=dist)
    bad = mismatches(places, version)
    try:
        parse(version)
    except VersionError as err:
        bad.insert(
            0, Place("Cargo.toml", f"[workspace.package] version ({err})", version)
        )
    return version, places, bad


def report(version: str, bad: list[Place]) -> str:
    lines = [
        f"version places disagree with Cargo.toml [workspace.package] version {version}:"
    ]
    lines += [f"  {p}" for p in bad]
    lines.append(
        "Fix: run `python tools/bump.py X.Y.Z --allow-dirty` (rewrites every place), or rebuild dist/."
    )
    return "\n".join(lines)


def release_tags(root: Path = ROOT, *, rev: str = "HEAD") -> list[tuple[str, str]]:
    """(version, tag) of every `vX.Y.Z` tag reachable from ``rev``, oldest version first."""
    out = git(root, "tag", "--merged", rev, "--list", "v*", check=False)
    tags = []
    for tag in out.split():
        try:
            parse(tag[1:])
        except VersionError:
            continue
        tags.append((tag[1:], tag))
    return sorted(tags, key=lambda t: sort_key(t[0]))


def last_release_tag(root: Path = ROOT, *, before: str | None = None) -> str | None:
    """The newest `v*` tag reachable from HEAD (ignoring the tag of version ``before`` and newer)."""
    tags = release_tags(root)
    if before is not None:
        tags = [t for t in tags if sort_key(t[0]) < sort_key(before)]
    return tags[-1][1] if tags else None


def dirty_files(root: Path = ROOT) -> list[str]:
    """Tracked changes and untracked files that are not gitignored (`git status --porcelain`)."""
    out = git(root, "status", "--porcelain=v1", "--untracked-files=all")
    return [line for line in out.splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=ROOT)
    ap.add_argument(
        "--dist",
        type=Path,
        default=None,
        help="artifact directory (default: ROOT/dist)",
    )
    args = ap.parse_args(argv)
    version, places, bad = check(args.root, dist=args.dist)
    for place in places:
        print(f"{'MISMATCH' if place in bad else 'ok      '} {place}")
    if bad:
        print(report(version, bad), file=sys.stderr)
        return 1
    print(f"versions: all {len(places)} places carry {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
