"""tools/upgrade_baml.py against recorded registry answers (no network).

The recorded answers in ``fixtures/baml_registry/`` are the three registries'
real answers, trimmed to the versions from 0.219.0 on: PyPI's JSON API for
``baml-py``, the npm documents of ``@boundaryml/baml`` and its eight platform
packages, and the crates.io sparse-index file of ``baml``.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
from pathlib import Path

import pytest

import upgrade_baml
from baml_pins import collect_pins
from test_pins import _write_tree

REPO_ROOT = Path(__file__).resolve().parents[2]

RECORDED = Path(__file__).parent / "fixtures" / "baml_registry"
PLATFORMS = [
    "darwin-arm64",
    "darwin-x64",
    "linux-arm64-gnu",
    "linux-arm64-musl",
    "linux-x64-gnu",
    "linux-x64-musl",
    "win32-arm64-msvc",
    "win32-x64-msvc",
]


def _availability(recorded: Path = RECORDED) -> upgrade_baml.Availability:
    fetch = upgrade_baml.Fetcher(cache=Path("/nonexistent"), recorded=recorded)
    return upgrade_baml.availability(fetch, "0.220.0")


def test_report_names_the_newest_common_version_and_what_blocks_newer_ones() -> None:
    av = _availability()
    assert av.newest_common() == "0.220.0"
    text = upgrade_baml.report(av)
    assert "newest version on all three: 0.220.0 (already pinned)" in text
    assert "  0.226.3: not on npm (@boundaryml/baml)\n" in text
    assert "  0.223.0: not on crates.io (baml)\n" in text
    assert text.endswith("\n  0.221.0: not on npm (@boundaryml/baml)")
    # npm publishes 0.222.0, but not its macOS, Windows and arm64 platform packages.
    assert (
        "  0.222.0: npm lacks platform packages @boundaryml/baml-darwin-arm64@0.222.0, "
        in text
    )
    assert "not on crates.io (baml)" in text.split("0.222.0: ", 1)[1].split("\n")[0]
    # Every version from the pin on that any registry knows is a row.
    rows = [line.split()[0] for line in text.splitlines()[2:11]]
    assert rows == [
        "0.220.0",
        "0.221.0",
        "0.222.0",
        "0.223.0",
        "0.224.0",
        "0.225.0",
        "0.226.1",
        "0.226.2",
        "0.226.3",
    ]


def _publish_everywhere(tmp_path: Path, version: str) -> Path:
    """The recorded answers, plus ``version`` on npm (with every platform
    package) and crates.io; PyPI already has it."""
    recorded = tmp_path / "recorded"
    shutil.copytree(RECORDED, recorded)
    main = recorded / "registry.npmjs.org_boundaryml_2Fbaml"
    doc = json.loads(main.read_text())
    doc["versions"][version] = {
        "version": version,
        "optionalDependencies": {f"@boundaryml/baml-{p}": version for p in PLATFORMS},
    }
    main.write_text(json.dumps(doc))
    for p in PLATFORMS:
        path = recorded / f"registry.npmjs.org_boundaryml_2Fbaml-{p}"
        platform = json.loads(path.read_text())
        platform["versions"][version] = {"version": version}
        path.write_text(json.dumps(platform))
    index = recorded / "index.crates.io_ba_ml_baml"
    index.write_text(
        index.read_text()
        + json.dumps({"name": "baml", "vers": version, "yanked": False})
        + "\n"
    )
    return recorded


SDK_BEFORE = {
    "packages/python/src/coach_app_baml_client/baml_client/types.py": (
        "class Goal(BaseModel):\n    id: str\n    title: str\n\nclass Gone(BaseModel):\n    x: int\n"
    ),
    "packages/typescript/src/baml_client/types.ts": (
        "export interface Goal {\n  id: string\n  title: string\n}\n"
    ),
    "crates/coach-app-baml-client/src/baml_client/types.rs": (
        "pub struct Goal {\n    pub id: String,\n}\n"
    ),
}
SDK_AFTER = {
    "packages/python/src/coach_app_baml_client/baml_client/types.py": (
        "class Goal(BaseModel):\n    id: str\n    title: Optional[str]\n\n"
        "def b_new(x: int) -> int:\n    return x\n"
    ),
    "packages/typescript/src/baml_client/types.ts": (
        "export interface Goal {\n  id: string\n  title: string\n}\nexport type Added = string\n"
    ),
    "crates/coach-app-baml-client/src/baml_client/types.rs": (
        "pub struct Goal {\n    pub id: String,\n}\n"
    ),
}


def _write_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_upgrade_rewrites_every_pin_updates_the_lockfiles_and_diffs_the_sdk_surface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    _write_tree(root)
    (root / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "baml"\nversion = "0.220.0"\n'
    )
    _write_files(root, SDK_BEFORE)
    commands: list[tuple[list[str], Path]] = []

    def run(command: list[str], cwd: Path) -> None:
        commands.append((command, cwd))
        if command[:2] == ["cargo", "update"]:  # what cargo does to the lockfile
            lock = root / "Cargo.lock"
            lock.write_text(lock.read_text().replace("0.220.0", command[-1]))
        if command == ["make", "generate"]:
            _write_files(root, SDK_AFTER)

    recorded = _publish_everywhere(tmp_path, "0.221.0")
    argv = ["--version", "0.221.0", "--root", str(root), "--recorded", str(recorded)]
    assert upgrade_baml.main(argv, run=run) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    pins = collect_pins(root).pins
    assert len(pins) == 8, (
        pins
    )  # 3 generators, pyproject, npm, cargo, requirements, Cargo.lock
    assert {p.version for p in pins} == {"0.221.0"}, pins
    assert [c for c, _ in commands] == [
        ["cargo", "update", "-p", "baml", "--precise", "0.221.0"],
        ["make", "generate"],
    ]
    assert "BAML 0.220.0 -> 0.221.0: rewrote 7 pins" in out
    assert "Pydantic SDK: 1 added, 2 removed, 1 changed" in out
    assert "  + types.b_new" in out
    assert "  - types.Gone\n" in out and "  - types.Gone.x\n" in out
    assert "  ~ types.Goal.title  title: str  ->  title: Optional[str]" in out
    assert "TypeScript SDK: 1 added, 0 removed, 0 changed" in out
    assert "  + types.Added" in out
    assert "Rust SDK: 0 added, 0 removed, 0 changed" in out


def test_a_version_one_registry_lacks_is_refused_and_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    _write_tree(root)
    before = {p: p.read_text() for p in root.rglob("*") if p.is_file()}

    def run(command: list[str], cwd: Path) -> None:
        raise AssertionError(f"ran {command}")

    for version, why in [
        ("0.226.3", "refusing BAML 0.226.3: not on npm (@boundaryml/baml)."),
        ("0.223.0", "refusing BAML 0.223.0: not on crates.io (baml)."),
        ("9.9.9", "refusing BAML 9.9.9: not on PyPI (baml-py); not on npm"),
    ]:
        argv = ["--version", version, "--root", str(root), "--recorded", str(RECORDED)]
        assert upgrade_baml.main(argv, run=run) == 1
        err = capsys.readouterr().err
        assert why in err, err
        assert "The newest version on all three registries is 0.220.0" in err
    assert {p: p.read_text() for p in root.rglob("*") if p.is_file()} == before


def test_an_unreachable_registry_is_named_and_a_saved_answer_is_used(
    tmp_path: Path,
) -> None:
    def offline(request: object, timeout: float) -> bytes:
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    cache = tmp_path / "cache"
    fetch = upgrade_baml.Fetcher(cache=cache, opener=offline)
    with pytest.raises(upgrade_baml.Unreachable) as caught:
        upgrade_baml.availability(fetch, "0.220.0")
    message = str(caught.value)
    assert message.startswith(
        "PyPI is unreachable (https://pypi.org/pypi/baml-py/json: "
        "[Errno -3] Temporary failure in name resolution)"
    ), message
    assert "connect to the network" in message
    # With the answers of an earlier run saved, the report still works, and says so.
    shutil.copytree(RECORDED, cache, dirs_exist_ok=True)
    fetch = upgrade_baml.Fetcher(cache=cache, opener=offline)
    av = upgrade_baml.availability(fetch, "0.220.0")
    assert av.newest_common() == "0.220.0"
    text = upgrade_baml.report(av)
    assert (
        "note: PyPI unreachable ([Errno -3] Temporary failure in name resolution): using its answer saved"
        in text
    )
    assert "note: crates.io unreachable" in text


def test_answers_are_saved_for_the_next_offline_run(tmp_path: Path) -> None:
    served = []

    def online(request: object, timeout: float) -> bytes:
        url = request.full_url  # type: ignore[attr-defined]
        served.append(url)
        return (RECORDED / upgrade_baml.slug(url)).read_bytes()

    fetch = upgrade_baml.Fetcher(cache=tmp_path / "cache", opener=online)
    upgrade_baml.availability(fetch, "0.220.0")
    assert served[0] == "https://pypi.org/pypi/baml-py/json"
    assert "https://index.crates.io/ba/ml/baml" in served
    assert "https://registry.npmjs.org/@boundaryml%2Fbaml-linux-x64-gnu" in served
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == sorted(
        p.name for p in RECORDED.iterdir()
    )
