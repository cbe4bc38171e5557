"""The testing kit: the contracts inside your application's tests.

Imported only by tests; a production install never loads it.

- :mod:`coach_app_baml_client.testing.examples` (re-exported here):
  :func:`example_envelope`, :func:`example_dto`, :func:`example_enum`, the
  deterministic valid examples the compiler ships, with overrides.
- :mod:`coach_app_baml_client.testing.strategies`: Hypothesis strategies of
  valid envelopes and DTOs and of invalid envelopes with one known issue
  (``pip install "coach-app-baml-client[testing]"``).
- :mod:`coach_app_baml_client.testing.channels`: a recording channel layer,
  and :mod:`coach_app_baml_client.testing.pytest_plugin` its pytest fixture
  ``contracts_layer`` (loaded by pytest through the package's entry point).

This module imports neither Hypothesis nor Channels nor Django: import the
submodules that need them explicitly.

>>> from coach_app_baml_client.testing import example_envelope
>>> example_envelope("SESSION_STARTED")["type"]
'SESSION_STARTED'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .examples import example_dto, example_enum, example_envelope

__all__ = ["example_dto", "example_enum", "example_envelope"]


def __getattr__(name: str) -> object:
    # Lazy: pytest loads the package's plugin (a submodule of this one) in every run of a
    # project that installs it; the examples and their schemas load on first use only.
    if name in __all__:
        from . import examples

        return getattr(examples, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
