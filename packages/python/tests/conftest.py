"""Shared test configuration.

Some tests need optional tools (hypothesis-jsonschema, Django, pyright, mypy).
Outside `make test-python` they are skipped when missing; `make test-python`
installs them and sets COACH_REQUIRE_OPTIONAL_TESTS=1, which turns every skip
into a failure, so a missing install step cannot pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

REQUIRED = os.environ.get("COACH_REQUIRE_OPTIONAL_TESTS") == "1"
HINT = "COACH_REQUIRE_OPTIONAL_TESTS=1: install the test dependencies (PYTHON_TEST_DEPS in the Makefile)"


def _fail_skips(report: Any) -> None:
    if REQUIRED and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped ({report.longrepr}) but {HINT}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skips(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _fail_skips(outcome.get_result())


@pytest.fixture(scope="module")
def redis_url() -> Generator[str, None, None]:
    """The URL of a redis-server on loopback (tools/services.py), for the tests of one module;
    the test is skipped when there is none."""
    import services  # tools/services.py

    try:
        with services.redis_server() as server:
            yield server.url
    except services.ServiceUnavailable as err:
        pytest.skip(f"needs redis-server: {err}")
