"""ASGI worker processes of the Django example (daphne or uvicorn) on loopback ports, which the
example's tests and the delivery benchmark start, stop gracefully, SIGKILL and start again on
the same port."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal

import services  # tools/services.py, next to this file
from _common import free_port

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "django"
START_TIMEOUT = 30.0

Kind = Literal["daphne", "uvicorn"]


class Worker:
    """One ASGI process serving the example on its own loopback port (kept across restarts)."""

    def __init__(
        self,
        kind: Kind,
        env: dict[str, str],
        log: Path,
        args: tuple[str, ...] = (),
        python: str = sys.executable,
    ) -> None:
        self.kind = kind
        self.env = env
        self.log = log
        self.args = args
        self.python = python
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        """Also the ``Origin`` of a page this worker served."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, "not started"
        return self.proc.pid

    def start(self, wait: bool = True) -> None:
        """Starts the process and (unless ``wait`` is false: call :meth:`wait`) waits until
        it listens."""
        command = {
            "daphne": [self.python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)],
            "uvicorn": [self.python, "-m", "uvicorn", "--host", "127.0.0.1", "--port",
                        str(self.port), "--no-access-log", "--lifespan", "off"],
        }[self.kind]  # fmt: skip
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [*command, *self.args, "coachsite.asgi:application"],
                cwd=EXAMPLE, env=self.env, stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        if wait:
            self.wait()

    def wait(self) -> None:
        """Until the process listens; raises with its log when it exits or takes too long."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} exited:\n{self.log.read_text()[-3000:]}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.5),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(
            f"{self.kind} did not listen within {START_TIMEOUT} s:\n{self.log.read_text()[-3000:]}"
        )

    def alive(self) -> bool:
        """Whether the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: its sockets drop without a close frame (1006)."""
        self.proc, proc = None, self.proc
        services.end_process(proc, signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: a graceful shutdown."""
        self.proc, proc = None, self.proc
        services.end_process(proc, signal.SIGTERM, timeout=15)
