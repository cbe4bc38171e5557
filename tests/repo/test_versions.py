"""One version, released together: every version place agrees with Cargo.toml.

The single source is ``[workspace.package] version`` in the root Cargo.toml. The
places that must carry it (see ``tools/versions.py``): the ``=X.Y.Z`` pins of the
internal crates in ``[workspace.dependencies]``, ``version.workspace = true`` in every
crate, the workspace crates in Cargo.lock, packages/typescript/package.json and
package-lock.json (root and ``packages[""]``), and the artifact names in dist/ when
it exists. ``python tools/bump.py`` rewrites all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import versions
from release_repo import VERSION_FILES, copy_version_files

ROOT = Path(__file__).resolve().parents[2]


def test_every_version_place_agrees() -> None:
    version, places, bad = versions.check(ROOT)
    assert not bad, versions.report(version, bad)
    files = {p.file for p in places}
    for required in VERSION_FILES:
        assert required in files, (
            f"{required} carries no version place: {sorted(files)}"
        )
    whats = [p.what for p in places]
    assert any("contracts-core version (exact pin" in w for w in whats), whats
    assert sum(1 for w in whats if w == 'packages[""].version') == 1
    locked = {p.what.split()[0] for p in places if p.file == "Cargo.lock"}
    assert locked == set(versions.internal_crates(ROOT)), (
        f"Cargo.lock entries {locked} != workspace crates {set(versions.internal_crates(ROOT))}"
    )


def test_version_is_a_release_version() -> None:
    version = versions.workspace_version(ROOT)
    versions.parse(version)  # X.Y.Z or X.Y.Z-(alpha|beta|rc).N


def test_dist_artifacts_carry_the_version_when_present() -> None:
    dist = ROOT / "dist"
    if not any(dist.glob("*")):
        pytest.skip("no dist/ (run `make dist`)")
    version = versions.workspace_version(ROOT)
    places = versions.artifact_places(dist, ROOT)
    assert places, (
        f"dist/ has no recognised artifact: {sorted(p.name for p in dist.iterdir())}"
    )
    bad = versions.mismatches(places, version)
    assert not bad, versions.report(version, bad) + "\n(stale dist/: run `make dist`)"


def test_every_crate_inherits_the_workspace_version() -> None:
    text = (ROOT / "Cargo.toml").read_text()
    assert "version.workspace = true" not in text  # only in member manifests
    for name, manifest in versions.internal_crates(ROOT).items():
        assert "version.workspace = true" in manifest.read_text(), (
            f"{manifest.relative_to(ROOT)} ({name}) must use `version.workspace = true`"
        )


def test_pep440_and_ordering() -> None:
    assert versions.pep440("1.2.3") == "1.2.3"
    assert versions.pep440("1.2.3-rc.1") == "1.2.3rc1"
    assert versions.pep440("1.2.3-alpha.0") == "1.2.3a0"
    ordered = [
        "0.9.9",
        "1.0.0-alpha.1",
        "1.0.0-beta.0",
        "1.0.0-rc.2",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    assert sorted(reversed(ordered), key=versions.sort_key) == ordered
    for bad in ("1.2", "01.2.3", "1.2.3-pre.1", "v1.2.3", "1.2.3+build"):
        with pytest.raises(versions.VersionError):
            versions.parse(bad)


# --- negative tests on a temporary copy -------------------------------------------------


def test_mismatches_are_listed_with_file_and_value(tmp_path: Path) -> None:
    root = copy_version_files(tmp_path)
    version = versions.workspace_version(root)
    _, _, bad = versions.check(root, dist=tmp_path / "no-dist")
    assert not bad, versions.report(version, bad)

    pkg = root / "packages/typescript/package.json"
    data = json.loads(pkg.read_text())
    data["version"] = "9.9.9"
    pkg.write_text(json.dumps(data, indent=2) + "\n")
    lock = root / "Cargo.lock"
    lock.write_text(
        lock.read_text().replace(
            f'name = "contracts-core"\nversion = "{version}"',
            'name = "contracts-core"\nversion = "0.0.1"',
        )
    )
    cargo = root / "Cargo.toml"
    cargo.write_text(
        cargo.read_text().replace(f'version = "={version}"', 'version = "0.0.2"', 1)
    )
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "coach_app_baml_client-7.7.7-cp310-abi3-manylinux_2_34_x86_64.whl").touch()
    (dist / f"coach-app-coach-app-baml-client-{version}.tgz").touch()

    _, _, bad = versions.check(root, dist=dist)
    text = versions.report(version, bad)
    assert "packages/typescript/package.json: version = 9.9.9" in text, text
    assert "Cargo.lock: contracts-core version = 0.0.1" in text, text
    assert "Cargo.toml: [workspace.dependencies] contracts-core version" in text, text
    assert "= 0.0.2" in text, text
    assert "coach_app_baml_client-7.7.7-cp310-abi3-manylinux_2_34_x86_64.whl" in text, (
        text
    )
    assert f"coach-app-coach-app-baml-client-{version}.tgz" not in text, text
    assert len(bad) == 4, text

    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools/versions.py"),
            "--root",
            str(root),
            "--dist",
            str(dist),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "package.json: version = 9.9.9" in proc.stderr


def test_a_literal_crate_version_is_reported(tmp_path: Path) -> None:
    root = copy_version_files(tmp_path)
    manifest = root / "crates/contracts-core/Cargo.toml"
    version = versions.workspace_version(root)
    manifest.write_text(
        manifest.read_text().replace(
            "version.workspace = true", f'version = "{version}"'
        )
    )
    _, _, bad = versions.check(root, dist=tmp_path / "no-dist")
    assert [str(p) for p in bad] == [
        f"crates/contracts-core/Cargo.toml: contracts-core [package] version "
        f"(must be version.workspace = true) = literal '{version}'"
    ]
