"""Every BAML version pin in the repository is exact and identical
(the collector lives in tools/baml_pins.py, which documents the locations)."""

from __future__ import annotations

import json
from pathlib import Path

from baml_pins import collect_pins, format_report, pin_errors

REPO_ROOT = Path(__file__).resolve().parents[2]

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


def _errors_text(root: Path) -> str:
    """Every pin error under ``root``, one a line, for ``in`` checks."""
    return "\n".join(pin_errors(collect_pins(root)))


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
    errors = _errors_text(tmp_path)
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
    errors = _errors_text(tmp_path)
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
    errors = _errors_text(tmp_path)
    assert "crates/sdk/Cargo.toml:5: baml crate [dependencies] '=0.219.0'" in errors
    assert "Cargo.lock:4: baml crate (resolved) '0.220.0'" in errors


def test_collector_requires_an_optional_peer_dependency(tmp_path: Path) -> None:
    _write_tree(tmp_path)
    package = tmp_path / "packages" / "typescript" / "package.json"
    package.write_text(
        json.dumps({"name": "x", "dependencies": {"@boundaryml/baml": "0.220.0"}})
    )
    errors = _errors_text(tmp_path)
    assert 'no "@boundaryml/baml" in peerDependencies' in errors
    assert "must be an optional peer dependency" in errors
    assert "make it an optional peer dependency" in errors
