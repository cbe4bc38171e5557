#!/usr/bin/env python3
"""Throwaway Redis and PostgreSQL servers on loopback, for integration tests.

Each server gets a free port on 127.0.0.1 and a fresh temporary directory
(data, logs, unix socket); nothing persists and nothing listens beyond
loopback. Both are stopped on context exit, on ``atexit`` and on SIGTERM/SIGHUP.

Python API (e.g. for pytest fixtures)::

    from services import running, ServiceUnavailable

    with running() as svc:          # both servers
        svc.redis_url               # redis://127.0.0.1:PORT/0
        svc.database_url            # postgresql://postgres@127.0.0.1:PORT/app

    with redis_server() as r: ...   # one server: r.url, r.port
    with postgres_server() as p: ...

CLI::

    python tools/services.py run -- <cmd> [args...]
        starts both, runs <cmd> with REDIS_URL and DATABASE_URL exported,
        stops both, exits with <cmd>'s exit code.
    python tools/services.py check
        installs/locates the binaries and prints them (exit 3 when unavailable).

Binaries: ``redis-server`` from PATH (or ``$REDIS_SERVER``); PostgreSQL's
``initdb``/``pg_ctl``/``createdb`` from ``$PG_BINDIR``, else the newest
``/usr/lib/postgresql/*/bin`` (Debian), else PATH. When one is missing and we
run as root with apt-get, ``redis-server``/``postgresql`` are installed (with a
temporary ``policy-rc.d`` so that apt does not start the system services);
otherwise :class:`ServiceUnavailable` is raised with a clear message.

Root: PostgreSQL refuses to run as root, so when root the cluster is created
and run as the ``postgres`` system user (created by the Debian package), or
``nobody`` when there is none; the temp directory is chowned to that user.
The cluster uses ``trust`` authentication, which is safe only because it
listens on 127.0.0.1 and a socket inside a private temp directory.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from _common import LOOPBACK as HOST
from _common import free_port

PG_SUPERUSER = "postgres"
PG_DATABASE = "app"
START_TIMEOUT = 60.0
EXIT_UNAVAILABLE = 3

__all__ = [
    "PostgresServer",
    "RedisServer",
    "ManagedRedis",
    "ServiceUnavailable",
    "end_process",
    "Services",
    "ensure_binaries",
    "postgres_server",
    "redis_server",
    "running",
]


class ServiceUnavailable(RuntimeError):
    """The server binaries are missing and could not be installed."""


@dataclasses.dataclass(frozen=True)
class RedisServer:
    port: int
    url: str
    directory: Path


@dataclasses.dataclass(frozen=True)
class PostgresServer:
    port: int
    url: str
    directory: Path


@dataclasses.dataclass(frozen=True)
class Services:
    redis: RedisServer
    postgres: PostgresServer

    @property
    def redis_url(self) -> str:
        return self.redis.url

    @property
    def database_url(self) -> str:
        return self.postgres.url

    def env(self) -> dict[str, str]:
        return {"REDIS_URL": self.redis_url, "DATABASE_URL": self.database_url}


# --------------------------------------------------------------------------
# Cleanup that also runs on atexit and SIGTERM/SIGHUP.

_cleanups: dict[int, Callable[[], None]] = {}
_handlers_installed = False


def _run_cleanups() -> None:
    while _cleanups:
        _, fn = _cleanups.popitem()
        with contextlib.suppress(Exception):
            fn()


def _on_signal(signum: int, _frame: object) -> None:
    # Raising unwinds every `with`/`finally`; atexit is the backstop.
    raise SystemExit(128 + signum)


def _register(fn: Callable[[], None]) -> int:
    global _handlers_installed
    if not _handlers_installed:
        atexit.register(_run_cleanups)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(ValueError):  # not in the main thread
                if signal.getsignal(sig) in (signal.SIG_DFL, None):
                    signal.signal(sig, _on_signal)
        _handlers_installed = True
    key = id(fn)
    _cleanups[key] = fn
    return key


def _unregister(key: int) -> None:
    _cleanups.pop(key, None)


# --------------------------------------------------------------------------
# Binaries.


def _is_root() -> bool:
    return os.geteuid() == 0


def _find_redis() -> str | None:
    override = os.environ.get("REDIS_SERVER")
    if override:
        return override if os.access(override, os.X_OK) else None
    return shutil.which("redis-server")


def _pg_bindir() -> Path | None:
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    candidates += [Path(p) for p in debian]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for bindir in candidates:
        if all((bindir / b).is_file() for b in ("initdb", "pg_ctl", "createdb")):
            return bindir
    return None


def _apt_install(packages: list[str]) -> None:
    """apt-get install ``packages`` without letting apt start their services."""
    policy = Path("/usr/sbin/policy-rc.d")
    added_policy = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\n# added by tools/services.py\nexit 101\n")
        policy.chmod(0o755)
        added_policy = True
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        print(f"services: apt-get install {' '.join(packages)}", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    except (OSError, subprocess.CalledProcessError) as err:
        raise ServiceUnavailable(
            f"apt-get install {' '.join(packages)} failed: {err}"
        ) from err
    finally:
        if added_policy:
            policy.unlink(missing_ok=True)


def ensure_binaries(install: bool = True) -> tuple[str, Path]:
    """Return (redis-server path, PostgreSQL bin dir), installing them when root."""
    missing = []
    if not _find_redis() and not os.environ.get("REDIS_SERVER"):
        missing.append("redis-server")
    if not _pg_bindir():
        missing.append("postgresql")
    if missing and install and _is_root() and shutil.which("apt-get"):
        _apt_install(missing)
    redis, bindir = _find_redis(), _pg_bindir()
    if not redis or not bindir:
        still = [
            n for n, ok in (("redis-server", redis), ("postgresql", bindir)) if not ok
        ]
        how = (
            "apt-get install failed or is unavailable"
            if _is_root()
            else "not root, so they cannot be installed here: run "
            f"`sudo apt-get install {' '.join(still)}` (or set REDIS_SERVER / PG_BINDIR)"
        )
        if not redis and os.environ.get("REDIS_SERVER"):
            how = f"REDIS_SERVER={os.environ['REDIS_SERVER']} is not an executable"
        raise ServiceUnavailable(f"missing server binaries: {', '.join(still)} ({how})")
    return redis, bindir


# --------------------------------------------------------------------------
# Helpers.


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _make_tmpdir(prefix: str) -> Path:
    base = None
    if _is_root():
        # The unprivileged Postgres user must reach the directory: stay in /tmp.
        base = "/tmp"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=base))


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# --------------------------------------------------------------------------
# Redis.


@contextlib.contextmanager
def redis_server(binary: str | None = None) -> Iterator[RedisServer]:
    """A redis-server on a free loopback port, no persistence, in a temp dir."""
    binary = binary or ensure_binaries()[0]
    tmp = _make_tmpdir("redis-")
    log = tmp / "redis.log"
    proc: subprocess.Popen[bytes] | None = None

    def stop() -> None:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(tmp, ignore_errors=True)

    key = _register(stop)
    try:
        for _attempt in range(3):
            port = free_port()
            with log.open("ab") as out:
                proc = subprocess.Popen(
                    [binary, "--port", str(port), "--bind", HOST, "--save", "",
                     "--appendonly", "no", "--dir", str(tmp), "--daemonize", "no",
                     "--protected-mode", "yes"],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
            deadline = time.monotonic() + START_TIMEOUT
            while proc.poll() is None and time.monotonic() < deadline:
                if _redis_ping(port):
                    yield RedisServer(
                        port=port, url=f"redis://{HOST}:{port}/0", directory=tmp
                    )
                    return
                time.sleep(0.05)
            stop_proc, proc = proc, None
            if stop_proc.poll() is None:
                stop_proc.kill()
                stop_proc.wait(5)
        raise RuntimeError(f"redis-server did not start; log:\n{_tail(log)}")
    finally:
        stop()
        _unregister(key)


def end_process(
    proc: subprocess.Popen[bytes] | None, sig: int, timeout: float = 10.0
) -> None:
    """Sends ``sig`` to ``proc`` (unless it has exited) and waits; SIGKILL after ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


class ManagedRedis:
    """A redis-server on one loopback port that a fault test stops, kills and starts again.

    ``persistent=True`` writes an append-only file (fsync on every write) in
    its directory, so a restart keeps every stream; :meth:`wipe` deletes it,
    so the next start comes back empty, as a Redis without persistence does.
    Use it as a context manager; it is stopped (and its directory removed) on
    exit, on atexit and on SIGTERM/SIGHUP.
    """

    def __init__(self, persistent: bool = True, binary: str | None = None) -> None:
        self.binary = binary or ensure_binaries()[0]
        self.persistent = persistent
        self.directory = _make_tmpdir("redis-")
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        self._key: int | None = None

    def __enter__(self) -> ManagedRedis:
        self._key = _register(self._cleanup)
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._cleanup()
        if self._key is not None:
            _unregister(self._key)

    def start(self) -> None:
        """Starts the server (on the same port) and waits until it answers PING."""
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
            if self.persistent
            else ["--appendonly", "no", "--save", ""]
        )
        log = self.directory / "redis.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", HOST, *persistence,
                 "--dir", str(self.directory), "--daemonize", "no", "--protected-mode", "yes"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited; log:\n{_tail(log)}")
            if _redis_ping(self.port):
                return
            time.sleep(0.02)
        raise RuntimeError(
            f"redis-server did not answer on {self.port}; log:\n{_tail(log)}"
        )

    def stop(self) -> None:
        """SIGTERM (Redis finishes its append-only file) and waits."""
        self.proc, proc = None, self.proc
        end_process(proc, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: gone at once."""
        self.proc, proc = None, self.proc
        end_process(proc, signal.SIGKILL)

    def wipe(self) -> None:
        """Deletes the data on disk (while stopped): the next start has no history."""
        for path in self.directory.iterdir():
            if path.name != "redis.log":
                shutil.rmtree(path) if path.is_dir() else path.unlink()

    def _cleanup(self) -> None:
        self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


# --------------------------------------------------------------------------
# PostgreSQL.


def _pg_user() -> tuple[int, int] | None:
    """(uid, gid) to run Postgres as when we are root, else None."""
    if not _is_root():
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    raise ServiceUnavailable(
        "running as root and no 'postgres' or 'nobody' user to run as"
    )


def _pg_run(args: list[str], user: tuple[int, int] | None, **kw: object) -> None:
    extra: dict[str, object] = {}
    if user:
        extra = {"user": user[0], "group": user[1], "extra_groups": []}
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL, **extra, **kw)  # type: ignore[call-overload]


@contextlib.contextmanager
def postgres_server(bindir: Path | None = None) -> Iterator[PostgresServer]:
    """A PostgreSQL cluster on a free loopback port with a database ``app``."""
    bindir = bindir or ensure_binaries()[1]
    user = _pg_user()
    tmp = _make_tmpdir("pg-")
    data, log = tmp / "data", tmp / "postgres.log"
    started = False
    if user:
        os.chown(tmp, *user)
    quiet: dict[str, object] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}

    def stop() -> None:
        nonlocal started
        if started:
            with contextlib.suppress(Exception):
                _pg_run(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30",
                     "stop"],
                    user, **quiet,
                )  # fmt: skip
            started = False
        shutil.rmtree(tmp, ignore_errors=True)

    key = _register(stop)
    try:
        try:
            _pg_run(
                [str(bindir / "initdb"), "-D", str(data), "-U", PG_SUPERUSER, "--auth=trust",
                 "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
                user, **quiet,
            )  # fmt: skip
        except subprocess.CalledProcessError as err:
            raise RuntimeError(
                f"initdb failed:\n{err.stderr.decode(errors='replace')}"
            ) from err
        for _attempt in range(3):
            port = free_port()
            opts = (
                f"-k {shlex.quote(str(tmp))} -h {HOST} -p {port} -c fsync=off "
                "-c synchronous_commit=off "
                "-c full_page_writes=off"
            )
            started = True
            try:
                _pg_run(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts,
                     "-w", "-t", str(int(START_TIMEOUT)), "start"],
                    user, **quiet,
                )  # fmt: skip
            except subprocess.CalledProcessError:
                stop_cmd = [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-m",
                    "immediate",
                    "stop",
                ]
                with contextlib.suppress(subprocess.CalledProcessError):
                    _pg_run(stop_cmd, user, **quiet)
                started = False
                continue
            _pg_run(
                [str(bindir / "createdb"), "-h", HOST, "-p", str(port), "-U", PG_SUPERUSER,
                 PG_DATABASE],
                user, **quiet,
            )  # fmt: skip
            url = f"postgresql://{PG_SUPERUSER}@{HOST}:{port}/{PG_DATABASE}"
            yield PostgresServer(port=port, url=url, directory=tmp)
            return
        raise RuntimeError(f"PostgreSQL did not start; log:\n{_tail(log)}")
    finally:
        stop()
        _unregister(key)


# --------------------------------------------------------------------------
# Both.


@contextlib.contextmanager
def running() -> Iterator[Services]:
    """Start Redis and PostgreSQL; stop both on exit (raises ServiceUnavailable)."""
    redis_bin, bindir = ensure_binaries()
    with redis_server(redis_bin) as r, postgres_server(bindir) as p:
        yield Services(redis=r, postgres=p)


def _cmd_run(cmd: list[str]) -> int:
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        print("services: usage: services.py run -- <cmd> [args...]", file=sys.stderr)
        return 2
    try:
        with running() as svc:
            print(
                f"services: REDIS_URL={svc.redis_url} DATABASE_URL={svc.database_url}",
                file=sys.stderr,
            )
            proc = subprocess.Popen(cmd, env={**os.environ, **svc.env()})
            try:
                return proc.wait()
            except KeyboardInterrupt:
                return 130
            finally:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
    except ServiceUnavailable as err:
        print(f"services: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start both servers, run a command, stop both")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="-- <cmd> [args...]")
    sub.add_parser("check", help="locate (and as root install) the server binaries")
    args = parser.parse_args(argv)
    if args.command == "check":
        try:
            redis, bindir = ensure_binaries()
        except ServiceUnavailable as err:
            print(f"services: {err}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        print(f"redis-server: {redis}\npostgresql: {bindir}")
        return 0
    return _cmd_run(args.cmd)


if __name__ == "__main__":
    sys.exit(main())
