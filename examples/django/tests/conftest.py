"""Fixtures: real Redis + PostgreSQL (tools/services.py), migrations, a daphne server.

When ``REDIS_URL`` and ``DATABASE_URL`` are already set (``python tools/services.py
run -- pytest ...``) those servers are used; otherwise the session starts its own.
The tests skip only when the server binaries are missing and cannot be installed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

EXAMPLE = Path(__file__).resolve().parents[1]
REPO = EXAMPLE.parents[1]
sys.path.insert(0, str(REPO / "tools"))

import services  # noqa: E402  (tools/services.py)

SERVER_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Server:
    http_url: str
    ws_url: str
    database_url: str
    log: Path


@pytest.fixture(scope="session")
def service_env() -> Iterator[dict[str, str]]:
    if os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL"):
        yield {
            "REDIS_URL": os.environ["REDIS_URL"],
            "DATABASE_URL": os.environ["DATABASE_URL"],
        }
        return
    with contextlib.ExitStack() as stack:
        try:
            svc = stack.enter_context(services.running())
        except services.ServiceUnavailable as err:
            pytest.skip(f"needs real Redis and PostgreSQL servers: {err}")
        yield svc.env()


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"daphne exited with {proc.returncode}:\n{log.read_text()}"
            )
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), 0.5),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(
        f"daphne did not listen within {SERVER_START_TIMEOUT}s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def server(
    service_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = {
        **os.environ,
        **service_env,
        "DJANGO_SETTINGS_MODULE": "coachsite.settings",
        "PYTHONUNBUFFERED": "1",
    }
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, (
        f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}"
    )

    port = services.free_port()
    log = tmp_path_factory.mktemp("daphne") / "daphne.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "coachsite.asgi:application"],
            cwd=EXAMPLE, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for_port(port, proc, log)
        yield Server(
            http_url=f"http://127.0.0.1:{port}",
            ws_url=f"ws://127.0.0.1:{port}",
            database_url=service_env["DATABASE_URL"],
            log=log,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def db(server: Server) -> Iterator[psycopg.Connection[dict[str, object]]]:
    """A direct connection to the example's database, to check what was stored."""
    from psycopg.rows import dict_row

    with psycopg.connect(
        server.database_url, autocommit=True, row_factory=dict_row
    ) as conn:
        yield conn
