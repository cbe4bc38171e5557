"""Static typing of the installed package: pyright --strict on a consumer, stubtest of _native.

Both tools run on the installed wheel. They are skipped when not installed
(``pip install pyright==1.1.414 mypy==2.4.1``); ``make test-python`` installs them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
README = Path(os.environ.get("COACH_REPO_ROOT", HERE.parents[2])) / "packages/python/README.md"
# What the README's examples take from the reader's own app, declared for the type checker.
APP_NAMES = {
    "is_participant": "async def is_participant(user: object, session_id: str) -> bool: ...\n",
}


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")


def test_pyright_strict_accepts_a_consumer() -> None:
    _need("pyright")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyright",
            "--outputjson",
            "--pythonpath",
            sys.executable,
            str(HERE / "typing_consumer.py"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    problems = [
        f"{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]
    assert problems == [], "\n".join(problems)
    assert report["summary"]["filesAnalyzed"] >= 1


def _pyright(files: list[Path]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = json.loads(result.stdout)
    return [
        f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    ]


def readme_examples(text: str) -> list[str]:
    """The ``python`` blocks of the README marked ``<!-- pyright-strict ... -->``."""
    return re.findall(r"<!-- pyright-strict[^>]*-->\n```python\n(.*?)```", text, re.S)


def test_the_readme_examples_pass_pyright_strict_as_written(tmp_path: Path) -> None:
    _need("pyright")
    examples = readme_examples(README.read_text(encoding="utf-8"))
    assert len(examples) >= 4, "the marked examples of the README"
    files = []
    for i, code in enumerate(examples):
        declared = "".join(
            stub
            for name, stub in APP_NAMES.items()
            if re.search(rf"\b{name}\(", code) and f"def {name}(" not in code
        )
        path = tmp_path / f"readme_example_{i}.py"
        path.write_text(f"# pyright: strict\n{declared}{code}", encoding="utf-8")
        files.append(path)
    problems = _pyright(files)
    assert problems == [], "\n".join(problems)


def test_pyright_strict_sees_what_the_readme_used_to_get_wrong(tmp_path: Path) -> None:
    """The check above can fail: the consumer as the README first wrote it is refused."""
    _need("pyright")
    path = tmp_path / "old_consumer.py"
    path.write_text(
        "# pyright: strict\n"
        "from coach_app_baml_client.channels import ContractsConsumer\n\n"
        "class C(ContractsConsumer):\n"
        "    async def authorize(self) -> bool:\n"
        '        return bool(self.scope["url_route"])\n',
        encoding="utf-8",
    )
    assert any("url_route" in p for p in _pyright([path]))


def test_pyright_accepts_the_package_itself() -> None:
    """Every hand-written module of the installed package (the generated baml_client aside)."""
    _need("pyright")
    import coach_app_baml_client

    package = Path(coach_app_baml_client.__file__).parent
    modules = sorted(p for p in package.rglob("*.py") if "baml_client" not in p.parts)
    assert len(modules) >= 20
    problems = _pyright(modules)
    assert problems == [], "\n".join(problems)


def test_stubtest_native_module() -> None:
    _need("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "coach_app_baml_client._native"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=HERE.parent.parent,  # away from the source tree: check the installed module
    )
    assert result.returncode == 0, result.stdout + result.stderr
