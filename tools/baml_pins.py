"""Every BAML version pin in a checkout: where it is, what it says, whether
it is exact, and whether all agree. Used by tests/repo/test_pins.py and by
tools/upgrade_baml.py (which rewrites them).

Documented pin locations (all required):

* ``baml_src/generators.baml``      every ``version "X.Y.Z"`` line (one per generator)
* ``packages/python/pyproject.toml`` ``baml-py==X.Y.Z`` in ``[project] dependencies``
* ``packages/typescript/package.json`` ``"@boundaryml/baml": "X.Y.Z"`` in ``peerDependencies``
  (optional: only ``./baml_client`` needs the runtime) and ``devDependencies``
* ``Cargo.toml``                     ``baml = "=X.Y.Z"`` under ``[workspace.dependencies]``
* ``requirements-dev.txt``           ``baml-py==X.Y.Z``

Checked too when present: other mentions of baml-py / @boundaryml/baml / the
``baml`` crate in those manifests, ``crates/*/Cargo.toml`` that pin ``baml``
themselves, and the resolved versions in ``packages/typescript/package-lock.json``
and ``Cargo.lock``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SEMVER = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?"
# Exact-pin syntax per ecosystem (no ^, ~, >=, *, ranges).
EXACT = {
    "baml": re.compile(rf"^({SEMVER})$"),  # generators.baml
    "pip": re.compile(rf"^==\s*({SEMVER})$"),  # PEP 508 (not ===, not ~=)
    "npm": re.compile(rf"^({SEMVER})$"),  # package.json: bare version only
    "cargo": re.compile(
        rf"^=\s*({SEMVER})$"
    ),  # Cargo: "=X.Y.Z" (bare is a caret range)
    "lock": re.compile(rf"^({SEMVER})$"),  # resolved version in a lockfile
}


@dataclass(frozen=True)
class Pin:
    file: str  # repo-relative
    line: int  # 1-based, 0 if unknown
    what: str  # e.g. "baml-py", "@boundaryml/baml"
    spec: str  # raw version spec as written
    kind: str  # key of EXACT

    @property
    def version(self) -> str | None:
        m = EXACT[self.kind].match(self.spec.strip())
        return m.group(1) if m else None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what} {self.spec!r}"


@dataclass
class Collected:
    pins: list[Pin] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # missing files / pins


def _line_of(text: str, needle_re: str, start: int = 0) -> int:
    m = re.compile(needle_re, re.MULTILINE).search(text, start)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def _strip_line_comment(line: str) -> str:
    return line.split("//", 1)[0]


def _pep508_baml_py(req: str) -> str | None:
    """The version spec of a `baml-py` requirement, '' if unversioned, None if other."""
    m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$", req)
    if not m or re.sub(r"[-_.]+", "-", m.group(1)).lower() != "baml-py":
        return None
    return m.group(3).split(";", 1)[0].strip()


def _read_required(root: Path, rel: str, expected: str, out: Collected) -> str | None:
    """The text of the pin file ``rel``, or None after recording it as missing."""
    path = root / rel
    if not path.is_file():
        out.problems.append(f"{rel}: file missing (expected {expected})")
        return None
    return path.read_text()


def _collect_generators(root: Path, out: Collected) -> None:
    rel = "baml_src/generators.baml"
    text = _read_required(root, rel, '`version "X.Y.Z"` per generator', out)
    if text is None:
        return
    n_generators = 0
    for no, raw in enumerate(text.splitlines(), 1):
        line = _strip_line_comment(raw)
        if re.match(r"^\s*generator\s+\w+", line):
            n_generators += 1
        m = re.match(r'^\s*version\s+"([^"]*)"', line)
        if m:
            out.pins.append(Pin(rel, no, "generator version", m.group(1), "baml"))
    n_versions = sum(1 for p in out.pins if p.file == rel)
    if n_versions != n_generators or n_generators == 0:
        out.problems.append(
            f"{rel}: {n_generators} generator blocks but {n_versions} `version` lines "
            "(every generator must pin the version)"
        )


def _collect_requirements(root: Path, out: Collected) -> None:
    rel = "requirements-dev.txt"
    text = _read_required(root, rel, "`baml-py==X.Y.Z`", out)
    if text is None:
        return
    found = False
    for no, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        spec = _pep508_baml_py(line)
        if spec is not None:
            found = True
            out.pins.append(Pin(rel, no, "baml-py", spec, "pip"))
    if not found:
        out.problems.append(f"{rel}: no `baml-py==X.Y.Z` line")


def _collect_pyproject(root: Path, out: Collected) -> None:
    rel = "packages/python/pyproject.toml"
    expected = "`baml-py==X.Y.Z` in [project] dependencies"
    text = _read_required(root, rel, expected, out)
    if text is None:
        return
    data = tomllib.loads(text)
    groups: list[tuple[str, list[str]]] = [
        ("[project] dependencies", data.get("project", {}).get("dependencies", []))
    ]
    for extra, reqs in data.get("project", {}).get("optional-dependencies", {}).items():
        groups.append((f"[project.optional-dependencies] {extra}", reqs))
    for name, reqs in data.get("dependency-groups", {}).items():
        groups.append(
            (f"[dependency-groups] {name}", [r for r in reqs if isinstance(r, str)])
        )
    in_main = False
    for where, reqs in groups:
        for req in reqs:
            spec = _pep508_baml_py(req)
            if spec is None:
                continue
            in_main |= where == "[project] dependencies"
            line = _line_of(text, re.escape(json.dumps(req)[1:-1]))
            out.pins.append(Pin(rel, line, f"baml-py ({where})", spec, "pip"))
    if not in_main:
        out.problems.append(f"{rel}: no baml-py in [project] dependencies")


def _collect_package_json(root: Path, out: Collected) -> None:
    rel = "packages/typescript/package.json"
    expected = '"@boundaryml/baml": "X.Y.Z" in peerDependencies'
    text = _read_required(root, rel, expected, out)
    if text is None:
        return
    data = json.loads(text)
    pkg = "@boundaryml/baml"
    for section in (
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
    ):
        spec = data.get(section, {}).get(pkg)
        if spec is None:
            continue
        start = text.find(f'"{section}"')
        line = _line_of(text, rf'"{re.escape(pkg)}"\s*:', max(start, 0))
        out.pins.append(Pin(rel, line, f"{pkg} ({section})", spec, "npm"))
    if pkg not in data.get("peerDependencies", {}):
        out.problems.append(f'{rel}: no "{pkg}" in peerDependencies')
    if not data.get("peerDependenciesMeta", {}).get(pkg, {}).get("optional"):
        out.problems.append(
            f'{rel}: "{pkg}" must be an optional peer dependency '
            "(peerDependenciesMeta): a frontend install that only validates must not pull in the LLM runtime"
        )
    if pkg in data.get("dependencies", {}):
        out.problems.append(
            f'{rel}: "{pkg}" is in dependencies; make it an optional peer dependency '
            "(only ./baml_client needs it)"
        )


def _cargo_spec(dep: object) -> str | None:
    if isinstance(dep, str):
        return dep
    if isinstance(dep, dict) and not dep.get("workspace") and "version" in dep:
        return str(dep["version"])
    return None  # `workspace = true` or path-only: inherits / not a pin


def _collect_cargo(root: Path, out: Collected) -> None:
    rel = "Cargo.toml"
    expected = 'baml = "=X.Y.Z" in [workspace.dependencies]'
    text = _read_required(root, rel, expected, out)
    if text is None:
        return
    data = tomllib.loads(text)
    spec = _cargo_spec(data.get("workspace", {}).get("dependencies", {}).get("baml"))
    if spec is None:
        out.problems.append(f'{rel}: no baml = "=X.Y.Z" under [workspace.dependencies]')
    else:
        start = text.find("[workspace.dependencies]")
        line = _line_of(text, r"^\s*baml\s*=", max(start, 0))
        out.pins.append(
            Pin(rel, line, "baml crate [workspace.dependencies]", spec, "cargo")
        )
    # Member crates must inherit (`baml.workspace = true`), but if one pins
    # its own version it has to agree.
    for manifest in sorted(root.glob("crates/*/Cargo.toml")):
        mrel = manifest.relative_to(root).as_posix()
        mtext = manifest.read_text()
        mdata = tomllib.loads(mtext)
        for section in ("dependencies", "dev-dependencies", "build-dependencies"):
            mspec = _cargo_spec(mdata.get(section, {}).get("baml"))
            if mspec is not None:
                line = _line_of(mtext, r"^\s*baml\s*[=.]")
                out.pins.append(
                    Pin(mrel, line, f"baml crate [{section}]", mspec, "cargo")
                )


def _collect_lockfiles(root: Path, out: Collected) -> None:
    rel = "packages/typescript/package-lock.json"
    path = root / rel
    if path.is_file():
        text = path.read_text()
        entry = (
            json.loads(text).get("packages", {}).get("node_modules/@boundaryml/baml")
        )
        if entry and "version" in entry:
            line = _line_of(text, r'"node_modules/@boundaryml/baml"\s*:')
            out.pins.append(
                Pin(rel, line, "@boundaryml/baml (resolved)", entry["version"], "lock")
            )
    rel = "Cargo.lock"
    path = root / rel
    if path.is_file():
        text = path.read_text()
        for pkg in tomllib.loads(text).get("package", []):
            if pkg.get("name") == "baml":
                line = _line_of(text, r'^name = "baml"\nversion = ')
                out.pins.append(
                    Pin(rel, line, "baml crate (resolved)", pkg["version"], "lock")
                )


def collect_pins(root: Path) -> Collected:
    """Every pin under ``root``, and what is missing."""
    out = Collected()
    for collector in (
        _collect_generators,
        _collect_pyproject,
        _collect_package_json,
        _collect_cargo,
        _collect_requirements,
        _collect_lockfiles,
    ):
        collector(root, out)
    return out


def pin_errors(collected: Collected) -> list[str]:
    """Every problem found: missing pins, non-exact specs, disagreeing versions."""
    errors = list(collected.problems)
    for pin in collected.pins:
        if pin.version is None:
            errors.append(
                f"{pin}: not an exact pin (no ^, ~, >=, *, ranges; Cargo needs '=X.Y.Z')"
            )
    versions = {p.version for p in collected.pins if p.version is not None}
    if len(versions) > 1:
        errors.append(
            "BAML pins disagree ("
            + ", ".join(sorted(versions))
            + "):\n"
            + "\n".join(f"    {p}  -> {p.version}" for p in collected.pins)
        )
    return errors


def format_report(errors: list[str], collected: Collected) -> str:
    return (
        "BAML version pins are broken:\n  - "
        + "\n  - ".join(errors)
        + "\nAll pins found:\n"
        + "\n".join(f"    {p}" for p in collected.pins)
    )
