"""Headless Chromium for the browser test, driven from Python.

``examples/frontend/test/prepare.mjs`` builds the example frontend from the
packed npm tarball; :func:`serve` serves it on loopback; :class:`Chromium`
talks to ``examples/frontend/test/driver.mjs`` (playwright-core on Debian's
chromium, one JSON command per line).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conftest import REPO

FRONTEND = REPO / "examples" / "frontend"


class BrowserUnavailable(RuntimeError):
    """Node, the packed tarball or Chromium is missing; the message says how to get it."""


def build_frontend(out: Path) -> Path:
    """The example page, built as a frontend project gets it, into ``out``."""
    node = shutil.which("node")
    if node is None:
        raise BrowserUnavailable("node is not on PATH (the browser test needs Node 20)")
    done = subprocess.run(
        [node, str(FRONTEND / "test" / "prepare.mjs"), str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BrowserUnavailable(
            f"building the example frontend failed (run `make dist` first):\n{done.stderr}"
        )
    return out


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serves ``directory`` on a free loopback port; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return None

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Chromium:
    """One page in headless Chromium; every call raises ``AssertionError`` on failure."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise BrowserUnavailable("node is not on PATH")
        self._proc = subprocess.Popen(
            [node, str(FRONTEND / "test" / "driver.mjs")],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self._read()
        if not first.get("ready"):
            raise BrowserUnavailable(f"the Chromium driver did not start: {first}")

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            err = self._proc.stderr.read() if self._proc.stderr else ""
            raise BrowserUnavailable(f"the Chromium driver exited: {err}")
        result: dict[str, Any] = json.loads(line)
        return result

    def _call(self, op: str, **args: Any) -> Any:
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._proc.stdin.flush()
        answer = self._read()
        assert answer.get("ok"), f"{op} {args}: {answer.get('error')}"
        return answer.get("value")

    def open(self, url: str, cookies: list[dict[str, str]] | None = None) -> None:
        self._call("open", url=url, cookies=cookies or [])

    def wait(self, expression: str, timeout_ms: int = 15_000) -> None:
        self._call("wait", expression=expression, timeout=timeout_ms)

    def eval(self, expression: str) -> Any:
        return self._call("eval", expression=expression)

    def screenshot(self, path: Path) -> None:
        self._call("screenshot", path=str(path))

    def errors(self) -> list[str]:
        result: list[str] = self._call("errors")
        return result

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            with contextlib.suppress(BrokenPipeError):
                self._proc.stdin.write(json.dumps({"op": "close"}) + "\n")
                self._proc.stdin.flush()
            try:
                self._proc.wait(15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
