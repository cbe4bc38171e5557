"""The `github` step of tools/publish.py: the event catalog attached to the GitHub release.

GitHub is not reachable from a test, so a stand-in `gh` (a small script keeping
the releases in a JSON file) answers the three commands the step uses:
`release view --json assets`, `release create` and `release upload`.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

import publish

FAKE_GH = r"""#!/usr/bin/env python3
import json, os, shutil, sys
state_path = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_path)) if os.path.exists(state_path) else {"releases": {}, "calls": []}
args = sys.argv[1:]
state["calls"].append(args)
def save():
    json.dump(state, open(state_path, "w"))
if args[:2] == ["release", "view"]:
    save()
    tag = args[2]
    if tag not in state["releases"]:
        print("release not found", file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"assets": [{"name": n} for n in state["releases"][tag]]}))
elif args[:2] == ["release", "create"]:
    tag, files = args[2], [a for a in args[3:] if os.path.isfile(a)]
    state["releases"][tag] = [os.path.basename(f) for f in files]
    for f in files:
        shutil.copy(f, os.path.join(os.path.dirname(state_path), os.path.basename(f)))
    save()
elif args[:2] == ["release", "upload"]:
    tag, f = args[2], args[3]
    state["releases"][tag].append(os.path.basename(f))
    shutil.copy(f, os.path.join(os.path.dirname(state_path), os.path.basename(f)))
    save()
else:
    save()
    sys.exit(f"unexpected gh call {args}")
"""

VERSION = "1.2.3"


@pytest.fixture
def gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in gh; returns its state file."""
    script = tmp_path / "gh"
    script.write_text(FAKE_GH)
    script.chmod(0o755)
    state = tmp_path / "gh-state" / "state.json"
    state.parent.mkdir()
    monkeypatch.setattr(publish, "GH", str(script))
    monkeypatch.setenv("FAKE_GH_STATE", str(state))
    return state


def _catalog(dist: Path, version: str = VERSION) -> Path:
    catalog = dist / "catalog"
    (catalog / "events").mkdir(parents=True)
    (catalog / "index.html").write_text("<!doctype html><title>catalog</title>")
    (catalog / "events" / "GOAL_CREATED.html").write_text(
        "<!doctype html><title>GOAL_CREATED</title>"
    )
    manifest = {
        "generator": "contracts catalog (crates/contracts-compiler/src/catalog)",
        "version": version,
        "pages": ["index.html", "events/GOAL_CREATED.html"],
    }
    (catalog / "catalog.json").write_text(json.dumps(manifest))
    return catalog


def _publish(step: str, dist: Path) -> int:
    return publish.main(
        [step, "--dist", str(dist), "--version", VERSION, "--skip", "pypi,npm,crates"]
    )


def _state(gh: Path) -> dict:
    return json.loads(gh.read_text())


def test_the_catalog_is_attached_once_and_a_rerun_skips_it(
    tmp_path: Path, gh: Path
) -> None:
    dist = tmp_path / "dist"
    _catalog(dist)
    name = publish.catalog_archive_name(VERSION)
    assert _publish("preflight", dist) == 0
    assert _publish("github", dist) == 0
    assert _state(gh)["releases"] == {f"v{VERSION}": [name]}
    with tarfile.open(gh.parent / name) as tar:
        names = tar.getnames()
    top = f"coach-app-contracts-catalog-{VERSION}"
    assert f"{top}/index.html" in names and f"{top}/events/GOAL_CREATED.html" in names
    uploads = [c for c in _state(gh)["calls"] if c[1] in ("create", "upload")]
    assert _publish("github", dist) == 0  # roll forward: nothing uploaded twice
    assert [c for c in _state(gh)["calls"] if c[1] in ("create", "upload")] == uploads
    assert _publish("verify", dist) == 0


def test_an_existing_release_gets_the_asset_uploaded(tmp_path: Path, gh: Path) -> None:
    dist = tmp_path / "dist"
    _catalog(dist)
    gh.write_text(json.dumps({"releases": {f"v{VERSION}": ["notes.txt"]}, "calls": []}))
    assert _publish("github", dist) == 0
    assert _state(gh)["releases"][f"v{VERSION}"] == [
        "notes.txt",
        publish.catalog_archive_name(VERSION),
    ]


def test_preflight_refuses_a_missing_or_foreign_catalog(
    tmp_path: Path, gh: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _publish("preflight", empty) == publish.EXIT_PREFLIGHT
    other = tmp_path / "other"
    _catalog(other, version="0.0.1")
    assert _publish("preflight", other) == publish.EXIT_PREFLIGHT
    broken = tmp_path / "broken"
    (_catalog(broken) / "events" / "GOAL_CREATED.html").unlink()
    assert _publish("preflight", broken) == publish.EXIT_PREFLIGHT
    assert not _state(gh)["releases"], "preflight must not publish anything"


def test_verify_fails_while_the_asset_is_missing(tmp_path: Path, gh: Path) -> None:
    dist = tmp_path / "dist"
    _catalog(dist)
    argv = ["verify", "--dist", str(dist), "--version", VERSION]
    argv += ["--skip", "pypi,npm,crates", "--verify-timeout", "0"]
    # Nothing of the version is published, so the failure is reported as "refused" (2).
    assert publish.main(argv) == publish.EXIT_PREFLIGHT
    assert not _state(gh)["releases"]


def test_the_archive_is_reproducible(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path / "dist")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = publish.pack_catalog(catalog, tmp_path / "a", VERSION).read_bytes()
    (catalog / "index.html").touch()  # a newer mtime changes nothing
    second = publish.pack_catalog(catalog, tmp_path / "b", VERSION).read_bytes()
    assert first == second
