"""The pydantic module baml-cli generates (``types.py``), imported on its own.

Shared by the checks that compare it with the compiler (test_event_bindings.py,
test_ir_matches_pydantic.py). It is imported without the package ``__init__``,
which loads the compiled ``_native`` extension.
"""

from __future__ import annotations

import importlib.util
import sys
import types as pytypes
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PY_SRC = REPO_ROOT / "packages" / "python" / "src"
GENERATED_TYPES = PY_SRC / "coach_app_baml_client" / "baml_client" / "types.py"


def import_types_module(path: Path, name: str) -> pytypes.ModuleType:
    """Import a generated types.py as the module ``name`` (once: later calls
    return the module already imported)."""
    if name in sys.modules:
        return sys.modules[name]
    if str(PY_SRC) not in sys.path:
        sys.path.insert(0, str(PY_SRC))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves forward refs through sys.modules
    spec.loader.exec_module(module)
    return module


def load_generated_types(name: str) -> pytypes.ModuleType:
    """The package's generated types.py as the module ``name``; fails the test
    when it has not been generated."""
    if not GENERATED_TYPES.is_file():
        pytest.fail(
            f"{GENERATED_TYPES.relative_to(REPO_ROOT)} does not exist: run `make generate`"
        )
    return import_types_module(GENERATED_TYPES, name)
