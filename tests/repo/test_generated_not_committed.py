"""Generated code and build outputs must never be committed.

* `git ls-files` has no path with a `baml_client/` segment, nothing under
  `target/`, `dist/`, `node_modules/`, and no `*.node`, `*.so`, `*.whl`,
  `*.tgz` file.
* Every generated output directory (``<output_dir>/baml_client/`` for each
  generator in ``baml_src/generators.baml``) is gitignored, and if it exists
  right now none of its files shows up as untracked-but-not-ignored.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATORS = REPO_ROOT / "baml_src" / "generators.baml"

FORBIDDEN_DIR_SEGMENTS = ("baml_client", "target", "dist", "node_modules")
FORBIDDEN_SUFFIXES = (".node", ".so", ".whl", ".tgz")


def forbidden_reason(path: str) -> str | None:
    """Why a tracked path must not be committed, or None if it may be."""
    parts = PurePosixPath(path).parts
    for segment in FORBIDDEN_DIR_SEGMENTS:
        if segment in parts[:-1]:
            return f"inside a `{segment}/` directory"
    for suffix in FORBIDDEN_SUFFIXES:
        if path.endswith(suffix):
            return f"`*{suffix}` build output"
    return None


def git(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("git") is None:
        pytest.fail("git is not on PATH; these checks need git")
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def generator_output_dirs() -> list[str]:
    """Repo-relative `<output_dir>/baml_client` of every generator."""
    assert GENERATORS.is_file(), f"{GENERATORS} is missing"
    text = "\n".join(
        line.split("//", 1)[0] for line in GENERATORS.read_text().splitlines()
    )
    dirs = re.findall(r'^\s*output_dir\s+"([^"]+)"', text, flags=re.MULTILINE)
    n_generators = len(
        re.findall(r"^\s*generator\s+\w+\s*\{", text, flags=re.MULTILINE)
    )
    assert dirs, f"no output_dir found in {GENERATORS}"
    assert len(dirs) == n_generators, (
        f"{GENERATORS}: {n_generators} generators but {len(dirs)} output_dir lines"
    )
    result = []
    for d in dirs:
        resolved = (REPO_ROOT / "baml_src" / d / "baml_client").resolve()
        try:
            rel = resolved.relative_to(REPO_ROOT)
        except ValueError:
            pytest.fail(f"output_dir {d!r} points outside the repository: {resolved}")
        result.append(rel.as_posix())
    return result


def test_no_generated_or_built_files_are_tracked() -> None:
    proc = git("ls-files", "-z")
    assert proc.returncode == 0, f"git ls-files failed: {proc.stderr}"
    tracked = [p for p in proc.stdout.split("\0") if p]
    offenders = [(p, r) for p in tracked if (r := forbidden_reason(p)) is not None]
    assert not offenders, (
        "Generated files / build outputs are tracked by git (run "
        "`git rm -r --cached <path>`; they are rebuilt by `make generate` / `make dist`):\n"
        + "\n".join(f"  {p}  ({r})" for p, r in offenders)
    )


def test_generated_output_dirs_are_gitignored() -> None:
    not_ignored = []
    for d in generator_output_dirs():
        for probe in (f"{d}/", f"{d}/__probe__.py"):
            if git("check-ignore", "-q", "--no-index", probe).returncode != 0:
                not_ignored.append(probe)
    assert not not_ignored, (
        "Generated output is not gitignored; add it to .gitignore:\n"
        + "\n".join(f"  {p}" for p in not_ignored)
    )


def test_existing_generated_files_are_not_visible_to_git() -> None:
    dirs = [d for d in generator_output_dirs() if (REPO_ROOT / d).is_dir()]
    if not dirs:
        return  # nothing generated yet; the ignore rules are checked above
    proc = git("ls-files", "--others", "--exclude-standard", "--", *dirs)
    assert proc.returncode == 0, proc.stderr
    visible = proc.stdout.split()
    assert not visible, "Generated files are untracked but not ignored:\n" + "\n".join(
        f"  {p}" for p in visible
    )


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("packages/python/src/coach_app_baml_client/baml_client/types.py", True),
        ("crates/coach-app-baml-client/src/baml_client/mod.rs", True),
        ("target/release/libx.so", True),
        ("packages/typescript/node_modules/x/index.js", True),
        ("dist/coach_app_baml_client-0.1.0.tar.gz", True),
        ("packages/typescript/native/x.linux-x64-gnu.node", True),
        ("coach_app_baml_client-0.1.0-cp310-abi3-linux_x86_64.whl", True),
        ("org-coach-app-baml-client-0.1.0.tgz", True),
        ("crates/coach-app-baml-client/src/lib.rs", False),
        ("baml_src/types/events.baml", False),
        ("tools/check_generated.sh", False),
        ("docs/distribution.md", False),
    ],
)
def test_forbidden_reason_classifier(path: str, bad: bool) -> None:
    assert (forbidden_reason(path) is not None) is bad
