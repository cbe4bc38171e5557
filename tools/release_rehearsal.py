#!/usr/bin/env python3
"""Release rehearsal: the real publish procedure against throwaway registries on loopback.

    python tools/release_rehearsal.py [--dist dist] [--allow-dirty] [--keep]
    make release-rehearsal            (needs `make dist` first)

1. ``tools/release_checks.py`` (the gate release.yml runs; ``--allow-dirty`` only
   downgrades the clean-tree check to a warning, for a shared working tree). The gate's
   make checks (``make check-bump``, ``make check-generated``) are prerequisites of
   ``make release-rehearsal``, run by make before this script and never again from it.
2. Installs pinned registries into ``.cache/release-rehearsal/`` (reused when present):
   pypiserver + twine (pip, from PyPI) and verdaccio (npm). Both listen on 127.0.0.1 on
   free ports, with temporary storage, and are always stopped (try/finally).
   Verdaccio serves ``@coach-app/*`` only from its own storage (never proxied, so no
   dependency confusion); everything else (``@boundaryml/baml``) is proxied to the npm
   registry configured here (``npm config get registry``).
3. Turns dist/'s npm tarball into the napi-rs v3 layout with ``publish.py split-npm``
   (only this host's addon: the other platforms are built by release.yml).
4. Scenarios, each on fresh storage, all through ``tools/publish.py`` (release.yml's code):
   * release: ``publish.py all`` -> wheel, sdist, platform package and main package published;
     then ``pip install coach-app-baml-client==V`` from the local index (dependencies from
     the real PyPI) and ``npm i @coach-app/coach-app-baml-client@V`` from verdaccio in fresh
     environments, and one valid envelope of testdata/vectors/ is validated in each (an
     invalid variant must be rejected);
   * npm registry down before the release: preflight refuses, exit 2, nothing on PyPI;
   * npm registry dies after the PyPI upload: exit 3, the report lists the partial state and
     the exact REMEDY; running that command once npm is back completes the release (roll
     forward, PyPI skipped as already published).
5. Prints ``release-rehearsal: N passed, M failed`` and exits non-zero on any failure.

Crates and the GitHub release are not rehearsed (no local crates.io or GitHub); ``cargo package``
in release.yml covers the crates, tests/repo/test_publish_catalog.py the catalog upload.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import publish
from _common import NPM_INSTALL, free_port, run
import release_checks
import versions

ROOT = versions.ROOT
CACHE = ROOT / ".cache" / "release-rehearsal"
PYPISERVER = "pypiserver==2.4.2"
TWINE = "twine==6.2.0"
PASSLIB = "passlib==1.7.4"
# 6.8.0: the newest verdaccio that runs on Node 20 (6.9+ needs Node 22).
VERDACCIO = "verdaccio@6.8.0"
# verdaccio-audit asks for node-fetch@"cjs", a dist-tag some registry mirrors lack.
VERDACCIO_OVERRIDES = {"node-fetch": "2.7.0"}
HOST_TARGET = "x86_64-unknown-linux-gnu"
VECTOR = "optional-absent-vs-null.json"
USER, PASSWORD = "rehearsal", secrets.token_hex(12)


def say(msg: str) -> None:
    print(f"release-rehearsal: {msg}", flush=True)


def sh(cmd: list[str | Path], **kw) -> subprocess.CompletedProcess[str]:
    return run(cmd, tail=2500, **kw)


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as err:
            if err.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f}s")


# --- tools ---------------------------------------------------------------------------


def install_tools() -> tuple[Path, Path]:
    """(venv with pypiserver+twine, verdaccio binary), installed once into .cache/."""
    venv = CACHE / "pyvenv"
    stamp = venv / f".{PYPISERVER}-{TWINE}-{PASSLIB}"
    if not stamp.exists():
        shutil.rmtree(venv, ignore_errors=True)
        say(f"installing {PYPISERVER} {TWINE} {PASSLIB} into {venv.relative_to(ROOT)}")
        sh([sys.executable, "-m", "venv", venv])
        sh(
            [
                venv / "bin/pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                PYPISERVER,
                TWINE,
                PASSLIB,
            ]
        )
        stamp.touch()
    npmdir = CACHE / "verdaccio"
    vstamp = npmdir / f".{VERDACCIO}"
    if not vstamp.exists():
        shutil.rmtree(npmdir, ignore_errors=True)
        npmdir.mkdir(parents=True)
        say(f"installing {VERDACCIO} into {npmdir.relative_to(ROOT)}")
        (npmdir / "package.json").write_text(
            json.dumps({"private": True, "overrides": VERDACCIO_OVERRIDES}, indent=2)
            + "\n"
        )
        sh([*NPM_INSTALL, VERDACCIO], cwd=npmdir)
        vstamp.touch()
    return venv, npmdir / "node_modules" / ".bin" / "verdaccio"


# --- servers -------------------------------------------------------------------------


class Server:
    def __init__(
        self, name: str, cmd: list[str], url: str, health: str, log: Path
    ) -> None:
        self.name, self.cmd, self.url, self.health, self.log = (
            name,
            cmd,
            url,
            health,
            log,
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        fh = self.log.open("ab")
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_http(self.health)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                f"{self.name} did not start; log:\n{self.log.read_text()[-2000:]}"
            ) from None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(
                self.proc.pid, signal.SIGTERM
            )  # its own session: only what we started
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@dataclass
class Registries:
    pypi: Server
    npm: Server
    npmrc: Path
    pypi_port: int
    npm_port: int

    @property
    def pypi_upload(self) -> str:
        return f"http://127.0.0.1:{self.pypi_port}/"

    @property
    def pypi_simple(self) -> str:
        return f"http://127.0.0.1:{self.pypi_port}/simple/"

    @property
    def npm_url(self) -> str:
        return f"http://127.0.0.1:{self.npm_port}/"


def upstream_npm_registry() -> str:
    out = subprocess.run(
        ["npm", "config", "get", "registry"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "https://registry.npmjs.org/"


@contextlib.contextmanager
def registries(work: Path, venv: Path, verdaccio: Path) -> Iterator[Registries]:
    """Fresh pypiserver + verdaccio on loopback; both stopped on exit, whatever happens."""
    work.mkdir(parents=True)
    pkgs, storage = work / "pypi-packages", work / "npm-storage"
    pkgs.mkdir()
    storage.mkdir()
    htpasswd = work / "pypi.htpasswd"
    sh(
        [
            venv / "bin/python",
            "-c",
            "import sys; from passlib.apache import HtpasswdFile as H; "
            "h = H(sys.argv[1], new=True); h.set_password(sys.argv[2], sys.argv[3]); h.save()",
            htpasswd,
            USER,
            PASSWORD,
        ]
    )
    pypi_port, npm_port = free_port(), free_port()
    pypi = Server(
        "pypiserver",
        [
            str(venv / "bin/pypi-server"),
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(pypi_port),
            "--passwords",
            str(htpasswd),
            "--authenticate",
            "update",
            "--disable-fallback",
            str(pkgs),
        ],
        f"http://127.0.0.1:{pypi_port}/",
        f"http://127.0.0.1:{pypi_port}/simple/",
        work / "pypiserver.log",
    )
    config = work / "verdaccio.yaml"
    config.write_text(
        f"""storage: {storage}
auth:
  htpasswd:
    file: {work / "npm.htpasswd"}
    max_users: 10
uplinks:
  upstream:
    url: {upstream_npm_registry()}
    timeout: 120s
packages:
  '@coach-app/*':
    access: $all
    publish: $authenticated
  '**':
    access: $all
    publish: $authenticated
    proxy: upstream
listen: 127.0.0.1:{npm_port}
web:
  enable: false
log: {{ type: stdout, format: pretty, level: warn }}
"""
    )
    npm = Server(
        "verdaccio",
        [str(verdaccio), "--config", str(config), "--listen", f"127.0.0.1:{npm_port}"],
        f"http://127.0.0.1:{npm_port}/",
        f"http://127.0.0.1:{npm_port}/-/ping",
        work / "verdaccio.log",
    )
    regs = Registries(pypi, npm, work / "npmrc", pypi_port, npm_port)
    try:
        pypi.start()
        npm.start()
        token = create_npm_user(regs.npm_url)
        regs.npmrc.write_text(
            f"//127.0.0.1:{npm_port}/:_authToken={token}\nfund=false\naudit=false\n"
        )
        yield regs
    finally:
        npm.stop()
        pypi.stop()


def create_npm_user(url: str) -> str:
    body = json.dumps(
        {"name": USER, "password": PASSWORD, "type": "user", "roles": []}
    ).encode()
    req = urllib.request.Request(
        f"{url}-/user/org.couchdb.user:{USER}",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=20) as resp:  # noqa: S310 - loopback
        return json.load(resp)["token"]


# --- artifacts -----------------------------------------------------------------------


def prepare_artifacts(dist: Path, out: Path, version: str) -> tuple[Path, int]:
    """(directory with the artifacts to publish, number of wheels).

    dist/ from `make dist` (one main npm tarball with this host's addon inside) is split
    into the napi layout for this host; a dist/ that already has the napi layout
    (release.yml's pack-npm output: platform tarballs + main) is published as it is.
    """
    py = versions.pep440(version)
    wheels = sorted(dist.rglob(f"coach_app_baml_client-{py}-*-abi3-*.whl"))
    sdists = sorted(dist.rglob(f"coach_app_baml_client-{py}.tar.gz"))
    npm = sorted(dist.rglob(f"coach-app-coach-app-baml-client-*{version}.tgz"))
    mains = [
        p for p in npm if p.name == f"coach-app-coach-app-baml-client-{version}.tgz"
    ]
    if not wheels or len(sdists) != 1 or len(mains) != 1:
        raise RuntimeError(
            f"{dist} must hold the wheel(s), one sdist and one main npm tarball of {version} "
            f"(found {[p.name for p in wheels + sdists + npm]}): run `make dist`"
        )
    out.mkdir(parents=True)
    for path in (*wheels, *sdists):
        shutil.copy2(path, out / path.name)
    if publish._tar_json(mains[0]).get("optionalDependencies"):
        for path in npm:
            shutil.copy2(path, out / path.name)
        return out, len(wheels)
    addons = out.parent / "addons"
    addons.mkdir()
    with tarfile.open(mains[0]) as tar:
        for member in tar.getmembers():
            if member.name.endswith(".node"):
                member.name = Path(member.name).name
                tar.extract(member, addons, filter="data")
    if not list(addons.glob("*.node")):
        raise RuntimeError(f"{mains[0].name} carries no native addon")
    publish.split_npm(mains[0], addons, out, [HOST_TARGET])
    return out, len(wheels)


def publish_argv(regs: Registries, art: Path, version: str, wheels: int) -> list[str]:
    return [
        "all",
        "--dist",
        str(art),
        "--version",
        version,
        "--pypi-upload-url",
        regs.pypi_upload,
        "--pypi-simple-url",
        regs.pypi_simple,
        "--npm-registry",
        regs.npm_url,
        "--expect-wheels",
        str(wheels),
        # No crates.io and no GitHub on loopback: `cargo package` covers the crates, and
        # tests/repo/test_publish_catalog.py drives the github step with a stand-in `gh`.
        "--skip",
        "crates,github",
        "--verify-timeout",
        "10",
    ]


def publish_env(regs: Registries, venv: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("GITHUB_RUN_ID", None)
    env["NPM_CONFIG_USERCONFIG"] = str(regs.npmrc)
    env["TWINE_USERNAME"], env["TWINE_PASSWORD"] = USER, PASSWORD
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"  # twine
    return env


@contextlib.contextmanager
def patched_env(env: dict[str, str]) -> Iterator[None]:
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(old)


def run_publish_subprocess(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools/publish.py"), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def run_publish_inprocess(
    argv: list[str], env: dict[str, str], hooks: dict[str, Callable[[], None]]
) -> tuple[int, str]:
    """tools/publish.py's main() with hooks (to stop a registry between two steps)."""
    buf = io.StringIO()
    with (
        patched_env(env),
        contextlib.redirect_stdout(buf),
        contextlib.redirect_stderr(buf),
    ):
        code = publish.main(argv, hooks=hooks)
    return code, buf.getvalue()


def pypi_files(regs: Registries, version: str) -> list[str]:
    cfg = argparse.Namespace(pypi_simple_url=regs.pypi_simple)
    names = publish.pypi_published_files(cfg)  # type: ignore[arg-type]
    return sorted(n for n in names if f"-{versions.pep440(version)}" in n)


# --- consumers -----------------------------------------------------------------------


def vector(version: str) -> tuple[str, str]:
    """(valid envelope JSON, mode) from testdata/vectors/."""
    path = ROOT / "testdata" / "vectors" / VECTOR
    data = json.loads(path.read_text().replace("{{CONTRACTS_VERSION}}", version))
    assert (
        data["expect"]["valid"] and "input" in data and "target_version" not in data
    ), path
    return json.dumps(data["input"]), data["mode"]


def python_consumer(regs: Registries, work: Path, version: str) -> str:
    venv = work / "venv"
    sh([sys.executable, "-m", "venv", venv])
    pip = [
        venv / "bin/pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "--no-cache-dir",
    ]
    # Ours from the local index only (proves where it comes from) ...
    sh(
        [
            *pip,
            "--no-deps",
            "--index-url",
            regs.pypi_simple,
            f"coach-app-baml-client=={versions.pep440(version)}",
        ]
    )
    # ... then its dependencies (baml-py, pydantic) from the real PyPI.
    sh([*pip, "--index-url", regs.pypi_simple, "--extra-index-url", "https://pypi.org/simple/",
        f"coach-app-baml-client=={versions.pep440(version)}"])  # fmt: skip
    envelope, mode = vector(version)
    code = (
        "import json, sys\n"
        "import coach_app_baml_client as c\n"
        "text, mode, version = sys.argv[1:4]\n"
        "assert c.CONTRACTS_VERSION == version, c.CONTRACTS_VERSION\n"
        "c.validate_envelope(text, mode=mode)\n"
        "bad = json.loads(text); bad['type'] = 'NOT_AN_EVENT'\n"
        "assert not c.is_valid_envelope(json.dumps(bad), mode=mode)\n"
        "print('python: valid', json.loads(text)['type'], 'from', c.__file__)\n"
    )
    proc = sh([venv / "bin/python", "-c", code, envelope, mode, version], cwd=work)
    return proc.stdout.strip()


def node_consumer(regs: Registries, work: Path, version: str) -> str:
    proj = work / "node-project"
    proj.mkdir(parents=True)
    (proj / "package.json").write_text(
        json.dumps({"name": "consumer", "private": True, "type": "module"}) + "\n"
    )
    npmrc = proj / ".npmrc"
    npmrc.write_text(f"registry={regs.npm_url}\nfund=false\naudit=false\n")
    env = dict(os.environ, NPM_CONFIG_USERCONFIG=str(npmrc))
    sh(["npm", "i", "--no-audit", "--no-fund", "--registry", regs.npm_url,
        f"@coach-app/coach-app-baml-client@{version}"], cwd=proj, env=env)  # fmt: skip
    platform = proj / "node_modules/@coach-app/coach-app-baml-client-linux-x64-gnu"
    main = proj / "node_modules/@coach-app/coach-app-baml-client"
    if not list(platform.glob("*.node")):
        raise RuntimeError(
            "the platform package (optionalDependency) was not installed"
        )
    if list(main.rglob("*.node")):
        raise RuntimeError(
            "the main package ships an addon: the napi layout was not used"
        )
    envelope, mode = vector(version)
    script = proj / "check.mjs"
    script.write_text(
        "import { validateEnvelope, isValidEnvelope } from '@coach-app/coach-app-baml-client/validate';\n"
        "import { CONTRACTS_VERSION } from '@coach-app/coach-app-baml-client';\n"
        "const [text, mode, version] = process.argv.slice(2);\n"
        "if (CONTRACTS_VERSION !== version) throw new Error(`version ${CONTRACTS_VERSION}`);\n"
        "const r = validateEnvelope(text, { mode });\n"
        "if (!r.ok) throw new Error(JSON.stringify(r.issues));\n"
        "const bad = JSON.parse(text); bad.type = 'NOT_AN_EVENT';\n"
        "if (isValidEnvelope(JSON.stringify(bad), { mode })) throw new Error('invalid accepted');\n"
        "console.log('node: valid', r.envelope.type, 'addon from', '@coach-app/coach-app-baml-client-linux-x64-gnu');\n"
    )
    return sh(["node", script, envelope, mode, version], cwd=proj).stdout.strip()


# --- the rehearsal -------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, fn: Callable[[], str]) -> bool:
        say(f"--- {name}")
        t0 = time.monotonic()
        try:
            detail = fn()
            ok = True
        except Exception as err:  # noqa: BLE001 - every check reports, none aborts the others
            detail, ok = f"{type(err).__name__}: {err}", False
        self.results.append((name, ok, detail))
        say(f"{'PASS' if ok else 'FAIL'} {name} ({time.monotonic() - t0:.1f}s)")
        for line in detail.splitlines():
            print(f"    {line}", flush=True)
        return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist")
    ap.add_argument(
        "--allow-dirty",
        action="store_true",
        help="a dirty tree is a warning in the release checks",
    )
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    tally = Tally()
    version = versions.workspace_version(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="release-rehearsal-"))
    say(f"version {version}; work dir {tmp}")

    def gate() -> str:
        results = release_checks.run(
            ROOT,
            tag=f"v{version}",
            dist=args.dist,
            allow_dirty=args.allow_dirty,
        )
        lines = [
            f"{r.status} {r.name}: {r.detail.splitlines()[0] if r.detail else ''}"
            for r in results
        ]
        failed = [r for r in results if r.status == "FAIL"]
        if failed:
            raise RuntimeError("\n".join(lines + [f.detail for f in failed]))
        return "\n".join(lines)

    try:
        tally.check("release checks (tools/release_checks.py)", gate)
        venv, verdaccio = install_tools()
        art, wheels = prepare_artifacts(args.dist, tmp / "artifacts", version)
        say("artifacts: " + ", ".join(sorted(p.name for p in art.iterdir())))

        # 1. The release, then consumers install it from the registries.
        with registries(tmp / "run1", venv, verdaccio) as regs:
            env = publish_env(regs, venv)

            def release() -> str:
                code, out = run_publish_subprocess(
                    publish_argv(regs, art, version, wheels), env
                )
                if code != 0:
                    raise RuntimeError(f"publish.py all exited {code}:\n{out[-3000:]}")
                files = pypi_files(regs, version)
                return f"publish.py all: exit 0; PyPI has {files}\n" + "\n".join(
                    line
                    for line in out.splitlines()
                    if "published" in line or "verify" in line
                )

            if tally.check(
                "publish wheel, sdist and npm packages (publish.py all)", release
            ):
                tally.check("pip install from the local index + validate an envelope",
                            lambda: python_consumer(regs, tmp / "py", version))  # fmt: skip
                tally.check("npm i from verdaccio (+ platform optionalDependency) + validate",
                            lambda: node_consumer(regs, tmp / "node", version))  # fmt: skip

        # 2. npm registry down before the release: refused before any upload.
        with registries(tmp / "run2", venv, verdaccio) as regs:
            env = publish_env(regs, venv)

            def npm_down_first() -> str:
                regs.npm.stop()
                code, out = run_publish_subprocess(
                    publish_argv(regs, art, version, wheels), env
                )
                files = pypi_files(regs, version)
                if code != publish.EXIT_PREFLIGHT:
                    raise RuntimeError(
                        f"expected exit {publish.EXIT_PREFLIGHT}, got {code}:\n{out[-2000:]}"
                    )
                if files:
                    raise RuntimeError(
                        f"silent partial state: PyPI got {files} although npm was down"
                    )
                if "nothing was published" not in out or "REMEDY: " not in out:
                    raise RuntimeError(f"no remedy in the report:\n{out[-2000:]}")
                return "exit 2, PyPI untouched; report:\n" + _report(out)

            tally.check(
                "npm down before publishing -> refused, nothing published",
                npm_down_first,
            )

        # 3. npm registry dies after the PyPI upload: loud partial state, remedy rolls forward.
        with registries(tmp / "run3", venv, verdaccio) as regs:
            env = publish_env(regs, venv)

            def npm_dies_midway() -> str:
                argv3 = publish_argv(regs, art, version, wheels)
                code, out = run_publish_inprocess(argv3, env, {"npm": regs.npm.stop})
                if code != publish.EXIT_PARTIAL:
                    raise RuntimeError(
                        f"expected exit {publish.EXIT_PARTIAL}, got {code}:\n{out[-2500:]}"
                    )
                if not pypi_files(regs, version):
                    raise RuntimeError("PyPI upload did not happen before npm failed")
                remedy_lines = [
                    line for line in out.splitlines() if line.startswith("REMEDY: ")
                ]
                if "PARTIAL RELEASE" not in out or not remedy_lines:
                    raise RuntimeError(
                        f"the failure is not reported loudly:\n{out[-2500:]}"
                    )
                remedy = remedy_lines[0][len("REMEDY: ") :]
                regs.npm.start()  # the outage is over: same port, same storage
                proc = subprocess.run(
                    remedy,
                    shell=True,
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                )  # noqa: S602
                out2 = proc.stdout + proc.stderr
                if proc.returncode != 0:
                    raise RuntimeError(
                        f"the remedy `{remedy}` exited {proc.returncode}:\n{out2[-2500:]}"
                    )
                if (
                    "already published, skipped" not in out2
                    or "verify: all" not in out2
                ):
                    raise RuntimeError(
                        f"the remedy did not roll forward:\n{out2[-2500:]}"
                    )
                return (
                    "first run: exit 3 with the partial state and the remedy:\n"
                    + _report(out)
                    + "\nremedy run: exit 0 (roll forward)\n"
                    + "\n".join(
                        line
                        for line in out2.splitlines()
                        if "skipped" in line or "verify:" in line
                    )
                )

            tally.check(
                "npm dies after the PyPI upload -> loud failure, remedy completes it",
                npm_dies_midway,
            )
    except Exception as err:  # noqa: BLE001 - setup failures count as a failed check
        tally.results.append(("setup", False, f"{type(err).__name__}: {err}"))
        say(f"FAIL setup: {err}")
    finally:
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    passed = sum(1 for _, ok, _ in tally.results if ok)
    failed = len(tally.results) - passed
    for name, ok, _ in tally.results:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")
    say(f"finished in {time.monotonic() - t0:.0f}s")
    print(f"release-rehearsal: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 and passed > 0 else 1


def _report(out: str) -> str:
    start = out.find("publish: FAILED")
    return (
        "\n".join("  " + line for line in out[start:].strip().splitlines())
        if start >= 0
        else out[-1500:]
    )


if __name__ == "__main__":
    sys.exit(main())
