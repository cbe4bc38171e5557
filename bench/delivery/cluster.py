"""The processes of the delivery benchmark: the example's database, daphne workers, and the
producer and client processes spoken to in JSON lines.

PostgreSQL and Redis come from tools/services.py (throwaway servers on loopback); the
example (examples/django) is migrated and served by daphne as in its tests
(tools/asgi_workers.py), with ``COACH_CHANNEL_LAYER`` choosing the channel layer.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "django"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO / "tools"))

import services  # noqa: E402  (tools/services.py)
from asgi_workers import Worker  # noqa: E402  (tools/asgi_workers.py: the example's tests use it too)

__all__ = ["Child", "Worker", "example_env", "login", "migrate", "services"]

START_TIMEOUT = 60.0


def example_env(database_url: str, redis_url: str, layer: str) -> dict[str, str]:
    """The environment of the example's processes (workers, producer) for one channel layer."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coachsite.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "COACH_CHANNEL_LAYER": layer,
        "PYTHONPATH": os.pathsep.join(
            p for p in [str(EXAMPLE), os.environ.get("PYTHONPATH", "")] if p
        ),
        "PYTHONUNBUFFERED": "1",
    }


def migrate(python: str, database_url: str) -> None:
    """``manage.py migrate`` of the example on ``database_url``."""
    env = example_env(database_url, "redis://127.0.0.1:1/0", "streams")
    done = subprocess.run(
        [python, "manage.py", "migrate", "--noinput"],
        cwd=EXAMPLE, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")


def login(python: str, database_url: str, sessions: list[str]) -> str:
    """The ``Cookie`` header of a new user taking part in ``sessions`` (bench/delivery/login.py)."""
    env = example_env(database_url, "redis://127.0.0.1:1/0", "streams")
    done = subprocess.run(
        [python, str(HERE / "login.py"), *sessions],
        cwd=EXAMPLE, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"login failed:\n{done.stdout}\n{done.stderr}")
    return str(json.loads(done.stdout.strip().splitlines()[-1])["cookie"])


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


class Child:
    """A helper process spoken to in JSON lines (bench/delivery/{listeners,producer}.py)."""

    def __init__(
        self, python: str, script: str, env: dict[str, str], log: Path, cwd: Path = REPO
    ) -> None:
        self.log = log
        self.name = script
        with log.open("ab") as err:
            self.proc = subprocess.Popen(
                [python, str(HERE / script)],
                cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            )  # fmt: skip
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._out = self.proc.stdout.fileno()
        self._buffer = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def send(self, command: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(command).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise RuntimeError(f"{self.name} exited:\n{_tail(self.log)}") from None

    def read(self, timeout: float = 120.0) -> dict[str, Any]:
        """The next answer line; raises when the process exits or stays silent ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{self.name} did not answer within {timeout} s")
            ready, _, _ = select.select([self._out], [], [], left)
            if ready:
                chunk = os.read(self._out, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"{self.name} exited:\n{_tail(self.log)}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer and len(answer) == 1:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        return answer

    def ask(self, command: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
        self.send(command)
        return self.read(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.ask({"cmd": "quit"}, timeout=10)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
