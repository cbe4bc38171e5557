"""The artifacts in dist/ carry what users need (checked by content, not by eye).

maturin drops gitignored files unless `[tool.maturin] include` lists them, and
`npm pack` honours .gitignore unless package.json sets `files`: generated code
is gitignored, so these tests catch a package shipped without it.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"


def _one(pattern: str) -> Path:
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, (
        f"expected exactly one {pattern} in dist/ (run `make dist`), found {found}"
    )
    return found[0]


def _workspace_version() -> str:
    import tomllib

    return str(
        tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["package"][
            "version"
        ]
    )


def test_wheel_is_abi3_and_carries_the_generated_client_and_native_module() -> None:
    wheel = _one("coach_app_baml_client-*-abi3-*.whl")
    assert f"-{_workspace_version()}-" in wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    pkg = "coach_app_baml_client/"
    for required in [
        "__init__.py",
        "_errors.py",
        "_native.pyi",
        "envelopes.py",
        "py.typed",
        "baml_client/__init__.py",
        "baml_client/types.py",
        "baml_client/sync_client.py",
        "baml_client/inlinedbaml.py",
        "schemas/envelope.schema.json",
        "schemas/ir.json",
        "schemas/asyncapi.json",
        "cloudevents.py",
        "_issue_codes.py",
    ]:
        assert pkg + required in names, f"{pkg + required} missing from {wheel.name}"
    assert any(
        n.startswith(pkg + "_native.") and n.endswith((".so", ".pyd")) for n in names
    )
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_sdist_builds_without_baml_cli() -> None:
    sdist = _one("coach_app_baml_client-*.tar.gz")
    names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    for required in [
        "pyproject.toml",
        "src/coach_app_baml_client/baml_client/types.py",
        "crates/contracts-core/src/generated/registry.rs",
        "src/coach_app_baml_client/schemas/envelope.schema.json",
        "src/coach_app_baml_client/schemas/asyncapi.json",
        "crates/contracts-core/schemas/asyncapi.json",
        "crates/contracts-core/src/cloudevents.rs",
        "crates/py-binding/src/lib.rs",
        "crates/contracts-policy/src/lib.rs",
        "src/coach_app_baml_client/_issue_codes.py",
    ]:
        assert required in names, f"{required} missing from {sdist.name}"


def test_npm_tarball_carries_js_types_client_and_addon() -> None:
    tgz = _one("*coach-app-baml-client-*.tgz")
    assert f"-{_workspace_version()}.tgz" in tgz.name
    names = set(tarfile.open(tgz).getnames())
    for required in [
        "package/package.json",
        "package/lib/index.js",
        "package/lib/index.d.ts",
        "package/lib/validate.js",
        "package/schemas/envelope.schema.json",
        "package/schemas/ir.json",
        "package/schemas/asyncapi.json",
        "package/lib/cloudevents.js",
        "package/lib/cloudevents.d.ts",
        "package/lib/generated/issue-codes.js",
        "package/lib/generated/issue-codes.d.ts",
    ]:
        assert required in names, f"{required} missing from {tgz.name}"
    assert any("/baml_client/" in n and n.endswith(".js") for n in names), (
        "compiled baml_client missing"
    )
    assert any(n.endswith(".node") for n in names), "native addon missing"


@pytest.mark.parametrize("pattern", ["*.whl", "*.tar.gz", "*.tgz"])
def test_no_stale_artifacts(pattern: str) -> None:
    version = _workspace_version()
    stale = [p.name for p in DIST.glob(pattern) if version not in p.name]
    assert not stale, f"dist/ holds artifacts of another version: {stale}"


def test_dist_holds_the_asyncapi_document_of_this_version() -> None:
    """`make dist` puts the AsyncAPI document next to the packages: the one they ship."""
    import json

    document = DIST / "asyncapi.json"
    assert document.is_file(), "no dist/asyncapi.json: run `make dist`"
    shipped = ROOT / "crates" / "contracts-core" / "schemas" / "asyncapi.json"
    assert document.read_bytes() == shipped.read_bytes(), (
        "dist/asyncapi.json is not the generated document: run `make dist`"
    )
    parsed = json.loads(document.read_text(encoding="utf-8"))
    assert (
        parsed["asyncapi"].startswith("3.")
        and parsed["info"]["version"] == _workspace_version()
    )


def test_dist_holds_the_event_catalog_of_this_version() -> None:
    """`make dist` writes dist/catalog/: a page per event type, the version, every page listed."""
    import json

    catalog = DIST / "catalog"
    assert (catalog / "index.html").is_file(), (
        "no dist/catalog/index.html: run `make dist`"
    )
    manifest = json.loads((catalog / "catalog.json").read_text(encoding="utf-8"))
    assert manifest["version"] == _workspace_version()
    ir = json.loads(
        (ROOT / "crates" / "contracts-core" / "schemas" / "ir.json").read_text(
            encoding="utf-8"
        )
    )
    event_types = [
        v["name"] for e in ir["enums"] if e["name"] == "EventType" for v in e["values"]
    ]
    assert manifest["events"] == event_types
    for event_type in event_types:
        assert f"events/{event_type}.html" in manifest["pages"]
    missing = [p for p in manifest["pages"] if not (catalog / p).is_file()]
    assert not missing, f"pages listed in catalog.json but absent: {missing}"
    index = (catalog / "index.html").read_text(encoding="utf-8")
    assert "DO NOT EDIT" in index and 'src="assets/catalog.js"' in index
