"""What every tool in tools/ shares: running a command, git, npm install, a free loopback port.

The tools are scripts (``python tools/x.py``), so they import this module and each
other by plain name: Python puts a script's own folder first on ``sys.path``. The
repository checks get the same view from ``tests/repo/pytest.ini`` (``pythonpath``).

    >>> run(["git", "--version"]).stdout.startswith("git version")
    True
    >>> 0 < free_port() < 65536
    True
"""

from __future__ import annotations

import shlex
import socket
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

LOOPBACK = "127.0.0.1"
# `npm install` as the tools run it: no audit, no funding notes, errors only.
NPM_INSTALL = ("npm", "install", "--no-audit", "--no-fund", "--loglevel=error")


class CommandFailed(RuntimeError):
    """A command exited non-zero; the message names it and ends with its output."""


def run(
    cmd: Sequence[str | Path],
    *,
    log: Callable[[str], None] | None = None,
    check: bool = True,
    tail: int = 3000,
    **kw,
) -> subprocess.CompletedProcess[str]:
    """Runs ``cmd`` with its output captured as text (``kw`` goes to ``subprocess.run``).

    ``log`` gets ``$ <command>`` first; with ``check``, a non-zero exit raises
    :class:`CommandFailed` holding the last ``tail`` characters of stdout + stderr.
    """
    argv = [str(c) for c in cmd]
    if log is not None:
        log("$ " + shlex.join(argv))
    kw.setdefault("capture_output", True)
    proc = subprocess.run(argv, text=True, check=False, **kw)
    if check and proc.returncode != 0:
        out = ((proc.stdout or "") + (proc.stderr or "")).strip()[-tail:]
        raise CommandFailed(f"`{shlex.join(argv)}` exited {proc.returncode}:\n{out}")
    return proc


def git(root: Path, *args: str, check: bool = True) -> str:
    """The stdout of ``git args...`` run in ``root``; raises CommandFailed on failure when ``check``."""
    return run(["git", *args], cwd=root, check=check).stdout


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
