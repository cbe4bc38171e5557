"""Find the newest BAML version all three runtimes publish, and move every pin to it.

    python tools/upgrade_baml.py                  # report (make upgrade-baml)
    python tools/upgrade_baml.py --version X.Y.Z  # upgrade (make upgrade-baml VERSION=X.Y.Z)

BAML ships as three packages that must carry one version (non-negotiable 2):
``baml-py`` on PyPI, ``@boundaryml/baml`` on npm (with one platform package per
OS/CPU, listed in its ``optionalDependencies``) and the ``baml`` crate on
crates.io. A version counts as published when

* PyPI has ``baml-py`` at it, not yanked, with a wheel for every platform the
  pinned version has wheels for;
* npm has ``@boundaryml/baml`` at it, not deprecated, and every platform package
  it lists exists at that exact version (a missing one breaks ``npm install``
  on that platform);
* crates.io has ``baml`` at it, not yanked.

Without ``--version`` the tool prints each version from the pinned one on,
what each registry says, the newest version on all three, and what blocks every
newer one. With ``--version X.Y.Z`` it refuses a version one registry lacks;
otherwise it rewrites every pin (``tools/baml_pins.py`` lists them), updates
``Cargo.lock`` (``cargo update -p baml --precise``) and
``packages/typescript/package-lock.json`` (``npm install --package-lock-only``),
reinstalls ``baml-cli`` into ``.venv``, regenerates (``make generate``) and
prints what changed in the generated SDK surface: the names added, removed and
changed in the Pydantic, TypeScript and Rust output.

Every registry answer is saved under ``.cache/baml-registry/``; when a
registry cannot be reached the last saved answer is used (and said so), and
without one the tool stops with the registry, the address and the reason.
Tests pass ``--recorded DIR`` to answer from files instead of the network.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import semver

from baml_pins import collect_pins, pin_errors

ROOT = Path(__file__).resolve().parents[1]
PYPI = "https://pypi.org/pypi/{name}/json"
NPM = "https://registry.npmjs.org/{name}"
CRATES_INDEX = "https://index.crates.io/{prefix}/{name}"
NPM_PACKAGE = "@boundaryml/baml"
PYPI_PACKAGE = "baml-py"
CRATE = "baml"
TIMEOUT = 20


class Unreachable(Exception):
    """A registry could not be asked and no saved answer exists."""


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


def parse_version(text: str) -> semver.Version | None:
    """A release version (``X.Y.Z``, SemVer via ``semver``); None for pre-releases and the rest."""
    try:
        version = semver.Version.parse(text)
    except ValueError:
        return None
    return None if version.prerelease or version.build else version


def version_key(text: str) -> semver.Version:
    parsed = parse_version(text)
    assert parsed is not None, text
    return parsed


# --------------------------------------------------------------------------
# Registry answers: the network, saved answers, or recorded files
# --------------------------------------------------------------------------


def slug(url: str) -> str:
    """A file name for the answer to ``url``."""
    return re.sub(r"[^A-Za-z0-9.-]+", "_", url.split("://", 1)[-1]).strip("_")


@dataclass
class Fetcher:
    """Gets registry documents; saves every answer and falls back to it."""

    cache: Path
    recorded: Path | None = None
    notes: list[str] = field(default_factory=list)
    opener: Callable[[urllib.request.Request, float], bytes] | None = None

    def get(self, registry: str, url: str, accept: str = "application/json") -> bytes:
        name = slug(url)
        if self.recorded is not None:
            path = self.recorded / name
            if not path.is_file():
                raise Unreachable(
                    f"{registry}: no recorded answer for {url} (expected {path})"
                )
            return path.read_bytes()
        request = urllib.request.Request(
            url,
            headers={
                "Accept": accept,
                "User-Agent": "coach-app-contracts tools/upgrade_baml.py",
            },
        )
        try:
            opener = self.opener or _open
            data = opener(request, TIMEOUT)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return b""
            return self._saved(registry, url, f"HTTP {e.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = getattr(e, "reason", e)
            return self._saved(registry, url, str(reason))
        self.cache.mkdir(parents=True, exist_ok=True)
        (self.cache / name).write_bytes(data)
        return data

    def _saved(self, registry: str, url: str, reason: str) -> bytes:
        path = self.cache / slug(url)
        if not path.is_file():
            raise Unreachable(
                f"{registry} is unreachable ({url}: {reason}) and no earlier answer is "
                f"saved in {self.cache.relative_to(ROOT) if self.cache.is_relative_to(ROOT) else self.cache}; "
                "connect to the network (the package registries must be reachable) and run again"
            )
        age = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        self.notes.append(
            f"{registry} unreachable ({reason}): using its answer saved {age}"
        )
        return path.read_bytes()


def _open(request: urllib.request.Request, timeout: float) -> bytes:
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return response.read()


def _json(data: bytes) -> dict:
    return json.loads(data) if data else {}


# --------------------------------------------------------------------------
# What each registry publishes
# --------------------------------------------------------------------------


@dataclass
class Published:
    """One registry's view: usable versions, and why others are not usable."""

    registry: str
    package: str
    usable: set[str] = field(default_factory=set)
    problems: dict[str, str] = field(default_factory=dict)

    def status(self, version: str) -> str | None:
        """None when usable, else why not."""
        if version in self.usable:
            return None
        return self.problems.get(version, f"not on {self.registry} ({self.package})")


def wheel_platforms(files: Iterable[dict]) -> set[str]:
    """Platform tags of a release's wheels (``manylinux_2_17_x86_64``, …)."""
    out = set()
    for f in files:
        name = f.get("filename", "")
        if name.endswith(".whl") and not f.get("yanked"):
            tag = name[:-4].split("-")[-1]
            out.update(
                re.sub(r"_\d+_\d+_", "_", t) for t in tag.split(".")
            )  # manylinux_2_17_x86_64 -> manylinux_x86_64
    return out


def pypi(fetch: Fetcher, pinned: str) -> Published:
    doc = _json(fetch.get("PyPI", PYPI.format(name=PYPI_PACKAGE)))
    releases: dict[str, list[dict]] = doc.get("releases", {})
    out = Published("PyPI", PYPI_PACKAGE)
    needed = wheel_platforms(releases.get(pinned, []))
    for version, files in releases.items():
        if parse_version(version) is None:
            continue
        if not files or all(f.get("yanked") for f in files):
            out.problems[version] = f"yanked on PyPI ({PYPI_PACKAGE})"
            continue
        missing = sorted(needed - wheel_platforms(files))
        if missing:
            out.problems[version] = (
                f"PyPI {PYPI_PACKAGE} has no wheel for {', '.join(missing)}"
            )
            continue
        out.usable.add(version)
    return out


NPM_ACCEPT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"


def npm_url(package: str) -> str:
    return NPM.format(name=urllib.parse.quote(package, safe="@"))


def npm(fetch: Fetcher, floor_version: str) -> Published:
    """Versions from ``floor_version`` on (older ones are not candidates, and
    each one costs a look-up of its platform packages)."""
    doc = _json(fetch.get("npm", npm_url(NPM_PACKAGE), NPM_ACCEPT))
    versions: dict[str, dict] = doc.get("versions", {})
    out = Published("npm", NPM_PACKAGE)
    platform_docs: dict[str, dict] = {}
    floor = version_key(floor_version)
    for version, meta in sorted(versions.items()):
        if parse_version(version) is None or version_key(version) < floor:
            continue
        if meta.get("deprecated"):
            out.problems[version] = (
                f"deprecated on npm ({NPM_PACKAGE}): {meta['deprecated']}"
            )
            continue
        missing = []
        for package, wanted in sorted(meta.get("optionalDependencies", {}).items()):
            if package not in platform_docs:
                platform_docs[package] = _json(
                    fetch.get("npm", npm_url(package), NPM_ACCEPT)
                )
            if wanted not in platform_docs[package].get("versions", {}):
                missing.append(f"{package}@{wanted}")
        if missing:
            out.problems[version] = "npm lacks platform packages " + ", ".join(missing)
            continue
        out.usable.add(version)
    return out


def crates(fetch: Fetcher) -> Published:
    # The sparse index cargo itself reads: one JSON object per published version.
    prefix = f"{CRATE[:2]}/{CRATE[2:4]}" if len(CRATE) >= 4 else f"{len(CRATE)}"
    text = fetch.get(
        "crates.io", CRATES_INDEX.format(prefix=prefix, name=CRATE)
    ).decode()
    out = Published("crates.io", CRATE)
    for line in text.splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        version = entry["vers"]
        if parse_version(version) is None:
            continue
        if entry.get("yanked"):
            out.problems[version] = f"yanked on crates.io ({CRATE})"
        else:
            out.usable.add(version)
    return out


@dataclass
class Availability:
    pinned: str
    registries: list[Published]
    notes: list[str]

    def versions(self) -> list[str]:
        """Every release version from the pinned one on that any registry knows."""
        seen: set[str] = set()
        for r in self.registries:
            seen |= r.usable | set(r.problems)
        floor = version_key(self.pinned)
        return sorted(
            (v for v in seen if parse_version(v) and version_key(v) >= floor),
            key=version_key,
        )

    def blockers(self, version: str) -> list[str]:
        return [s for r in self.registries if (s := r.status(version)) is not None]

    def newest_common(self) -> str | None:
        common = [v for v in self.versions() if not self.blockers(v)]
        return common[-1] if common else None


def availability(
    fetch: Fetcher, pinned: str, wanted: str | None = None
) -> Availability:
    """What the registries publish from ``pinned`` on (or from ``wanted``,
    when that is older)."""
    floor = pinned
    if wanted and parse_version(wanted) and version_key(wanted) < version_key(pinned):
        floor = wanted
    registries = [pypi(fetch, pinned), npm(fetch, floor), crates(fetch)]
    return Availability(pinned, registries, fetch.notes)


def report(av: Availability) -> str:
    lines = [f"BAML versions from the pinned {av.pinned} on:"]
    header = ["version"] + [f"{r.registry} {r.package}" for r in av.registries]
    rows = [header]
    for v in av.versions():
        rows.append(
            [v + (" (pinned)" if v == av.pinned else "")]
            + ["yes" if r.status(v) is None else "no" for r in av.registries]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    newest = av.newest_common()
    lines.append(
        f"newest version on all three: {newest or 'none'}"
        + (" (already pinned)" if newest == av.pinned else "")
    )
    newer = [
        v
        for v in av.versions()
        if newest is None or version_key(v) > version_key(newest)
    ]
    if newer:
        lines.append("what blocks newer versions:")
        for v in reversed(newer):
            lines.append(f"  {v}: " + "; ".join(av.blockers(v)))
    elif newest is not None:
        lines.append("nothing newer is published anywhere")
    if newest and newest != av.pinned:
        lines.append(f"upgrade with: make upgrade-baml VERSION={newest}")
    lines.extend(f"note: {n}" for n in av.notes)
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Rewriting the pins
# --------------------------------------------------------------------------

PIN_SYNTAX = {
    "baml": lambda v: v,
    "pip": lambda v: f"=={v}",
    "npm": lambda v: v,
    "cargo": lambda v: f"={v}",
}


def pinned_version(root: Path) -> str:
    collected = collect_pins(root)
    errors = pin_errors(collected)
    if errors:
        raise SystemExit(
            "the BAML pins are inconsistent; fix them first:\n  " + "\n  ".join(errors)
        )
    versions = {p.version for p in collected.pins}
    (version,) = versions
    assert version is not None
    return version


def rewrite_pins(root: Path, version: str) -> list[str]:
    """Rewrites every manifest pin (not the lockfiles) to ``version``;
    returns ``file:line`` of each change."""
    changed = []
    for pin in collect_pins(root).pins:
        if pin.kind == "lock":
            continue
        path = root / pin.file
        lines = path.read_text().splitlines(keepends=True)
        index = pin.line - 1
        old_spec = pin.spec
        new_spec = PIN_SYNTAX[pin.kind](version)
        if old_spec == new_spec:
            continue
        if old_spec not in lines[index]:
            raise SystemExit(f"{pin}: cannot find {old_spec!r} on that line to rewrite")
        lines[index] = lines[index].replace(old_spec, new_spec, 1)
        path.write_text("".join(lines))
        changed.append(f"{pin.file}:{pin.line}")
    return changed


Runner = Callable[[list[str], Path], None]


def run_command(command: list[str], cwd: Path) -> None:
    print("$ " + " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(
            f"`{' '.join(command)}` failed (exit {done.returncode}) in {cwd}"
        )


def update_lockfiles(root: Path, version: str, run: Runner) -> None:
    if (root / "Cargo.lock").is_file():
        run(["cargo", "update", "-p", CRATE, "--precise", version], root)
    ts = root / "packages" / "typescript"
    if (ts / "package-lock.json").is_file():
        run(
            [
                "npm",
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ],
            ts,
        )


# --------------------------------------------------------------------------
# The generated SDK surface
# --------------------------------------------------------------------------

SDKS = {
    "Pydantic": ("packages/python/src/coach_app_baml_client/baml_client", ".py"),
    "TypeScript": ("packages/typescript/src/baml_client", ".ts"),
    "Rust": ("crates/coach-app-baml-client/src/baml_client", ".rs"),
}

PY_DECL = re.compile(r"^(?P<indent>\s*)(?:async\s+)?(?:def|class)\s+(?P<name>\w+)")
PY_FIELD = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Za-z_]\w*)\s*:\s*\S")
TS_DECL = re.compile(
    r"^\s*export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?"
    r"(?:class|interface|type|enum|function|const|let)\s+(?P<name>\w+)"
)
TS_MEMBER = re.compile(
    r"^(?P<indent>\s+)(?:readonly\s+)?(?:async\s+)?(?P<name>\w+)\??\s*[(:]"
)
RS_DECL = re.compile(
    r"^\s*pub(?:\([^)]*\))?\s+(?:async\s+)?(?:struct|enum|fn|type|trait|mod|const|static)\s+(?P<name>\w+)"
)
RS_FIELD = re.compile(r"^\s+pub\s+(?P<name>\w+)\s*:")


def surface(root: Path) -> dict[str, dict[str, str]]:
    """``{sdk: {qualified name: declaration line}}`` of the generated SDKs."""
    out: dict[str, dict[str, str]] = {}
    for sdk, (folder, ext) in SDKS.items():
        names: dict[str, str] = {}
        base = root / folder
        for path in sorted(base.rglob(f"*{ext}")) if base.is_dir() else []:
            module = path.relative_to(base).with_suffix("").as_posix()
            _declarations(sdk, module, path.read_text(errors="replace"), names)
        out[sdk] = names
    return out


def _declarations(sdk: str, module: str, text: str, names: dict[str, str]) -> None:
    scope: list[tuple[int, str]] = []  # (indent, name) of enclosing declarations
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith(("#", "//", "*", "/*")):
            continue
        indent = len(line) - len(line.lstrip())
        while scope and indent <= scope[-1][0] and sdk == "Pydantic":
            scope.pop()
        decl = {"Pydantic": PY_DECL, "TypeScript": TS_DECL, "Rust": RS_DECL}[sdk].match(
            line
        )
        member = {"Pydantic": PY_FIELD, "TypeScript": TS_MEMBER, "Rust": RS_FIELD}[
            sdk
        ].match(line)
        if decl:
            name = decl["name"]
            if sdk == "Pydantic":
                owner = ".".join(n for _, n in scope)
                qualified = f"{module}.{owner + '.' if owner else ''}{name}"
                scope.append((indent, name))
            else:
                qualified = f"{module}.{name}"
                scope = [(indent, name)]
            names[qualified] = " ".join(line.split())
        elif member and scope and indent > scope[-1][0]:
            owner = ".".join(n for _, n in scope)
            names[f"{module}.{owner}.{member['name']}"] = " ".join(line.split())


def surface_diff(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]
) -> str:
    lines = []
    limit = 40
    for sdk in SDKS:
        old, new = before.get(sdk, {}), after.get(sdk, {})
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(n for n in set(old) & set(new) if old[n] != new[n])
        lines.append(
            f"{sdk} SDK: {len(added)} added, {len(removed)} removed, {len(changed)} changed "
            f"(of {len(new)} names)"
        )
        for label, items in (("+", added), ("-", removed), ("~", changed)):
            for name in items[:limit]:
                detail = f"  {old[name]}  ->  {new[name]}" if label == "~" else ""
                lines.append(f"  {label} {name}{detail}")
            if len(items) > limit:
                lines.append(f"  {label} … and {len(items) - limit} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# The two modes
# --------------------------------------------------------------------------


def upgrade(root: Path, version: str, av: Availability, run: Runner) -> str:
    """Moves every pin to ``version``, regenerates, returns the surface diff."""
    blockers = av.blockers(version)
    if parse_version(version) is None:
        raise SystemExit(f"VERSION must be a release version X.Y.Z, got {version!r}")
    if blockers:
        newest = av.newest_common()
        raise SystemExit(
            f"refusing BAML {version}: "
            + "; ".join(blockers)
            + f". The newest version on all three registries is {newest or 'none'}"
            + " (`make upgrade-baml` lists what each publishes)."
        )
    if version == av.pinned:
        return f"BAML is already pinned at {version} everywhere; nothing to do"
    generated = root / SDKS["Pydantic"][0]
    if not generated.is_dir():
        run(["make", "generate"], root)
    before = surface(root)
    changed = rewrite_pins(root, version)
    update_lockfiles(root, version, run)
    # requirements-dev.txt changed: `make generate` reinstalls baml-cli first (its stamp).
    run(["make", "generate"], root)
    errors = pin_errors(collect_pins(root))
    if errors:
        raise SystemExit("pins disagree after the rewrite:\n  " + "\n  ".join(errors))
    return (
        f"BAML {av.pinned} -> {version}: rewrote {len(changed)} pins ({', '.join(changed)}), "
        "Cargo.lock and package-lock.json; regenerated.\n"
        + surface_diff(before, surface(root))
        + "\nnext: make test, then commit the manifests and lockfiles"
    )


def main(argv: list[str] | None = None, run: Runner = run_command) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", help="upgrade every pin to this X.Y.Z")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument(
        "--recorded", type=Path, help="answer from recorded registry files (tests)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    fetch = Fetcher(cache=root / ".cache" / "baml-registry", recorded=args.recorded)
    try:
        pinned = pinned_version(root)
        av = availability(fetch, pinned, args.version)
    except Unreachable as e:
        print(f"upgrade-baml: {e}", file=sys.stderr)
        return 3
    except SystemExit as e:
        print(f"upgrade-baml: {e}", file=sys.stderr)
        return 1
    if args.version is None:
        print(report(av))
        return 0
    try:
        print(upgrade(root, args.version.strip(), av, run))
    except SystemExit as e:
        print(f"upgrade-baml: {e}", file=sys.stderr)
        return 1
    for note in av.notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
