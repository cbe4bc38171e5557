"""Every BAML version pin in the repository is exact and identical.

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

REPO_ROOT = Path(__file__).resolve().parents[2]

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


def _collect_generators(root: Path, out: Collected) -> None:
    rel = "baml_src/generators.baml"
    path = root / rel
    if not path.is_file():
        out.problems.append(
            f'{rel}: file missing (expected `version "X.Y.Z"` per generator)'
        )
        return
    n_generators = 0
    for no, raw in enumerate(path.read_text().splitlines(), 1):
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
    path = root / rel
    if not path.is_file():
        out.problems.append(f"{rel}: file missing (expected `baml-py==X.Y.Z`)")
        return
    found = False
    for no, raw in enumerate(path.read_text().splitlines(), 1):
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
    path = root / rel
    if not path.is_file():
        out.problems.append(
            f"{rel}: file missing (expected `baml-py==X.Y.Z` in [project] dependencies)"
        )
        return
    text = path.read_text()
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
    path = root / rel
    if not path.is_file():
        out.problems.append(
            f'{rel}: file missing (expected "@boundaryml/baml": "X.Y.Z" in peerDependencies)'
        )
        return
    text = path.read_text()
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
    path = root / rel
    if not path.is_file():
        out.problems.append(
            f'{rel}: file missing (expected baml = "=X.Y.Z" in [workspace.dependencies])'
        )
        return
    text = path.read_text()
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


# --------------------------------------------------------------------------
# The real repository
# --------------------------------------------------------------------------


def test_baml_pins_are_exact_and_identical() -> None:
    collected = collect_pins(REPO_ROOT)
    errors = pin_errors(collected)
    assert not errors, format_report(errors, collected)


# --------------------------------------------------------------------------
# The collector itself, on temporary trees
# --------------------------------------------------------------------------


def _write_tree(
    root: Path,
    *,
    generators: tuple[str, ...] = ("0.220.0", "0.220.0", "0.220.0"),
    pyproject: str = "==0.220.0",
    npm: str = "0.220.0",
    cargo: str = "=0.220.0",
    requirements: str = "==0.220.0",
) -> None:
    blocks = "\n".join(
        f'generator g{i} {{\n  output_type "python/pydantic"\n  // version "9.9.9" (comment)\n'
        f'  version "{v}"\n}}\n'
        for i, v in enumerate(generators)
    )
    (root / "baml_src").mkdir(parents=True)
    (root / "baml_src" / "generators.baml").write_text(blocks)
    (root / "packages" / "python").mkdir(parents=True)
    (root / "packages" / "python" / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0.1.0"\n'
        f'dependencies = [\n  "pydantic>=2",\n  "baml-py{pyproject}",\n]\n'
    )
    (root / "packages" / "typescript").mkdir(parents=True)
    (root / "packages" / "typescript" / "package.json").write_text(
        json.dumps(
            {
                "name": "x",
                "peerDependencies": {"@boundaryml/baml": npm},
                "peerDependenciesMeta": {"@boundaryml/baml": {"optional": True}},
            },
            indent=2,
        )
    )
    (root / "Cargo.toml").write_text(
        "[workspace]\nmembers = []\n\n[workspace.dependencies]\n"
        f'serde = "1"\nbaml = "{cargo}"\n'
    )
    (root / "requirements-dev.txt").write_text(f"pytest\nbaml-py{requirements}\n")


def test_collector_accepts_consistent_tree(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    collected = collect_pins(tmp_path)
    assert (
        len(collected.pins) == 7
    )  # 3 generators + pyproject + npm + cargo + requirements
    assert pin_errors(collected) == []


def test_collector_reports_mismatch_with_file_and_line(tmp_path: Path) -> None:
    _write_tree(tmp_path, generators=("0.220.0", "0.219.0", "0.220.0"), npm="0.221.0")
    errors = pin_errors(collect_pins(tmp_path))
    assert len(errors) == 1, errors
    report = errors[0]
    assert "disagree" in report
    # generator g1 starts on line 7 (5-line blocks + a blank line); version is its 4th line.
    assert "baml_src/generators.baml:10: generator version '0.219.0'" in report
    assert (
        "packages/typescript/package.json:4: @boundaryml/baml (peerDependencies) '0.221.0'"
        in report
    )
    assert "Cargo.toml:6:" in report and "requirements-dev.txt:2:" in report


def test_collector_rejects_ranges(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        pyproject=">=0.220.0",
        npm="^0.220.0",
        cargo="0.220.0",
        requirements="~=0.220.0",
    )
    errors = "\n".join(pin_errors(collect_pins(tmp_path)))
    for needle in (
        "packages/python/pyproject.toml:6: baml-py ([project] dependencies) '>=0.220.0'",
        "packages/typescript/package.json:4: @boundaryml/baml (peerDependencies) '^0.220.0'",
        "Cargo.toml:6: baml crate [workspace.dependencies] '0.220.0'",  # bare = caret in Cargo
        "requirements-dev.txt:2: baml-py '~=0.220.0'",
    ):
        assert needle in errors, errors


def test_collector_reports_missing_files_and_pins(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    (tmp_path / "requirements-dev.txt").unlink()
    (tmp_path / "baml_src" / "generators.baml").write_text(
        'generator a {\n  version "0.220.0"\n}\ngenerator b {\n  output_type "rust"\n}\n'
    )
    errors = "\n".join(pin_errors(collect_pins(tmp_path)))
    assert "requirements-dev.txt: file missing" in errors
    assert "2 generator blocks but 1 `version` lines" in errors


def test_collector_checks_member_crates_and_lockfiles(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    (tmp_path / "crates" / "sdk").mkdir(parents=True)
    (tmp_path / "crates" / "sdk" / "Cargo.toml").write_text(
        '[package]\nname = "sdk"\n\n[dependencies]\nbaml = { version = "=0.219.0" }\n'
    )
    (tmp_path / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "baml"\nversion = "0.220.0"\n'
    )
    errors = "\n".join(pin_errors(collect_pins(tmp_path)))
    assert "crates/sdk/Cargo.toml:5: baml crate [dependencies] '=0.219.0'" in errors
    assert "Cargo.lock:4: baml crate (resolved) '0.220.0'" in errors


def test_collector_requires_an_optional_peer_dependency(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    package = tmp_path / "packages" / "typescript" / "package.json"
    package.write_text(
        json.dumps({"name": "x", "dependencies": {"@boundaryml/baml": "0.220.0"}})
    )
    errors = "\n".join(pin_errors(collect_pins(tmp_path)))
    assert 'no "@boundaryml/baml" in peerDependencies' in errors
    assert "must be an optional peer dependency" in errors
    assert "make it an optional peer dependency" in errors
