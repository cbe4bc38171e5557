#!/usr/bin/env python3
"""The one publish procedure, used by release.yml and by tools/release_rehearsal.py.

    python tools/publish.py split-npm --tarball MAIN.tgz --addons DIR --out DIR [--targets T,...]
    python tools/publish.py {preflight,pypi,npm,crates,github,verify,all} --dist DIR [registry options]

Order (RELEASING.md): ``preflight`` -> ``pypi`` -> ``npm`` (every napi platform package,
then the main package) -> ``crates`` (contracts-policy, contracts-core, then
coach-app-baml-client) ->
``github`` (the event catalog, ``catalog/`` in --dist, as the asset
``coach-app-contracts-catalog-X.Y.Z.tar.gz`` of the GitHub release ``vX.Y.Z``, with ``gh``) ->
``verify``. ``all`` runs them in that order; release.yml runs the same steps one by one
(its PyPI upload is pypa/gh-action-pypi-publish with skip-existing, i.e. the same
``twine upload --skip-existing`` with a trusted-publishing token).

Rules:

* Nothing is uploaded until ``preflight`` passed: every artifact is present, carries the
  release version and is well-formed (``twine check``, ``npm publish --dry-run``), the
  main npm package's ``optionalDependencies`` all have a tarball (or are published), and
  every registry answers (and, with tokens, accepts our credentials). A preflight
  failure exits 2 and publishes nothing.
* Every step is idempotent: what a registry already has at this version is skipped, so
  a re-run after any failure rolls forward to the complete release. Nothing is ever
  deleted, overwritten or re-tagged.
* A failure after the first upload exits 3 and prints the state of every package and
  the exact remedy (the command or ``gh run rerun`` to run); ``verify`` exits 3 unless
  every package of the version is visible on its registry.

``split-npm`` turns the main npm tarball plus the ``.node`` addons into the napi-rs v3
layout (``napi create-npm-dirs``, ``napi artifacts``, ``napi pre-publish -t npm
--skip-optional-publish --no-gh-release``): one package per platform with the addon,
and a main package without addons whose ``optionalDependencies`` name them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _common
import versions

ROOT = versions.ROOT
NAPI = ROOT / "packages" / "typescript" / "node_modules" / ".bin" / "napi"
PYPI_PROJECT = "coach-app-baml-client"
# Publish order: dependencies first.
CRATES = ("contracts-policy", "contracts-core", "coach-app-baml-client")
STEPS = ("preflight", "pypi", "npm", "crates", "github", "verify")
CATALOG_GENERATOR = "contracts catalog"  # catalog.json's `generator` starts with it
GH = os.environ.get(
    "GH", "gh"
)  # the GitHub CLI (release.yml: preinstalled, GH_TOKEN set)

EXIT_PREFLIGHT = 2  # refused before any upload: nothing was published
EXIT_PARTIAL = 3  # failed after an upload, or verify found something missing


class PreflightError(Exception):
    pass


class StepError(Exception):
    pass


def log(msg: str) -> None:
    print(f"publish: {msg}", flush=True)


def run(
    cmd: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
):
    try:
        return _common.run(cmd, cwd=cwd, env=env, check=check, log=log)
    except _common.CommandFailed as err:
        raise StepError(str(err)) from err


# --- artifacts -----------------------------------------------------------------------


@dataclass
class NpmPackage:
    name: str
    version: str
    tarball: Path | None
    main: bool = False


@dataclass
class Artifacts:
    version: str
    wheels: list[Path]
    sdist: Path | None
    npm: list[NpmPackage] = field(
        default_factory=list
    )  # platform packages first, main last
    catalog: Path | None = (
        None  # the event catalog's directory (index.html, catalog.json)
    )

    @property
    def python_files(self) -> list[Path]:
        return self.wheels + ([self.sdist] if self.sdist else [])


def catalog_archive_name(version: str) -> str:
    """The GitHub release asset of the event catalog."""
    return f"coach-app-contracts-catalog-{version}.tar.gz"


def catalog_problems(catalog: Path | None, dist: Path, version: str) -> list[str]:
    """Why ``catalog`` is not the complete event catalog of ``version`` (empty: it is)."""
    if catalog is None:
        return [
            f"no event catalog (catalog/catalog.json) in {dist}: run `make catalog`"
        ]
    manifest = json.loads((catalog / "catalog.json").read_text(encoding="utf-8"))
    problems = []
    if manifest.get("version") != version:
        problems.append(
            f"{catalog}: the catalog is of {manifest.get('version')}, not {version}"
        )
    missing = [p for p in manifest.get("pages", []) if not (catalog / p).is_file()]
    if missing or not manifest.get("pages"):
        problems.append(f"{catalog}: pages missing: {missing or 'all'}")
    return problems


def pack_catalog(catalog: Path, out: Path, version: str) -> Path:
    """A reproducible tar.gz of the catalog (sorted entries, fixed owner and mtime)."""
    import gzip

    archive = out / catalog_archive_name(version)
    top = f"coach-app-contracts-catalog-{version}"
    with open(archive, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for path in sorted(p for p in catalog.rglob("*") if p.is_file()):
                    info = tar.gettarinfo(
                        str(path), f"{top}/{path.relative_to(catalog).as_posix()}"
                    )
                    info.mtime, info.uid, info.gid, info.uname, info.gname = (
                        0,
                        0,
                        0,
                        "",
                        "",
                    )
                    info.mode = 0o644
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
    return archive


def _tar_json(tarball: Path, member: str = "package/package.json") -> dict:
    with tarfile.open(tarball) as tar:
        f = tar.extractfile(member)
        if f is None:
            raise PreflightError(f"{tarball.name} has no {member}")
        return json.load(f)


def _tar_names(tarball: Path) -> list[str]:
    with tarfile.open(tarball) as tar:
        return tar.getnames()


def find_artifacts(dist: Path, version: str) -> Artifacts:
    py = versions.pep440(version)
    wheels = sorted(dist.rglob(f"coach_app_baml_client-{py}-*-abi3-*.whl"))
    sdists = sorted(dist.rglob(f"coach_app_baml_client-{py}.tar.gz"))
    arts = Artifacts(version, wheels, sdists[0] if sdists else None)
    platform: list[NpmPackage] = []
    main: NpmPackage | None = None
    for tgz in sorted(dist.rglob("*.tgz")):
        try:
            pkg = _tar_json(tgz)
        except (tarfile.TarError, KeyError, PreflightError):
            continue
        if not str(pkg.get("name", "")).startswith("@coach-app/"):
            continue
        entry = NpmPackage(pkg["name"], pkg.get("version", ""), tgz)
        if "napi" in pkg:
            entry.main = True
            if main is not None:
                raise PreflightError(f"two main npm tarballs: {main.tarball} and {tgz}")
            main = entry
        else:
            platform.append(entry)
    arts.npm = platform + ([main] if main else [])
    for manifest in sorted(dist.rglob("catalog.json")):
        try:
            generator = str(
                json.loads(manifest.read_text(encoding="utf-8")).get("generator", "")
            )
        except (OSError, ValueError):
            continue
        if (
            generator.startswith(CATALOG_GENERATOR)
            and (manifest.parent / "index.html").is_file()
        ):
            if arts.catalog is not None:
                raise PreflightError(
                    f"two event catalogs: {arts.catalog} and {manifest.parent}"
                )
            arts.catalog = manifest.parent
    return arts


# --- registries ----------------------------------------------------------------------


@dataclass
class Config:
    dist: Path
    version: str
    pypi_upload_url: str | None
    pypi_simple_url: str
    npm_registry: str
    expect_wheels: int
    skip: set[str]
    oidc: bool
    argv: list[str]
    verify_timeout: float = 120.0


def _http_get(url: str, timeout: float = 20.0) -> tuple[int, str]:
    req = urllib.request.Request(
        url, headers={"Accept": "text/html", "User-Agent": "coach-app-publish"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URLs
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""


def pypi_published_files(cfg: Config) -> set[str]:
    """Filenames of our project on the PyPI simple index (empty when the project is absent)."""
    url = cfg.pypi_simple_url.rstrip("/") + f"/{PYPI_PROJECT}/"
    try:
        status, body = _http_get(url)
    except OSError as err:
        raise StepError(f"PyPI index {url} unreachable: {err}") from err
    if status == 404:
        return set()
    if status != 200:
        raise StepError(f"PyPI index {url} answered HTTP {status}")
    return {
        m.split("#")[0].rsplit("/", 1)[-1] for m in re.findall(r'href="([^"]+)"', body)
    }


def _npm_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("NPM_CONFIG_UPDATE_NOTIFIER", "false")
    env.setdefault("NPM_CONFIG_FUND", "false")
    env.setdefault("NPM_CONFIG_AUDIT", "false")
    return env


def npm_reachable(cfg: Config) -> str | None:
    """None when the npm registry answers its ping endpoint, else why not (fast, no npm retries)."""
    url = cfg.npm_registry.rstrip("/") + "/-/ping"
    try:
        status, _ = _http_get(url, timeout=15)
    except OSError as err:
        return f"npm registry {cfg.npm_registry} unreachable: {err}"
    return (
        None
        if status < 500
        else f"npm registry {cfg.npm_registry} answered HTTP {status}"
    )


def npm_published(cfg: Config, name: str, version: str) -> bool:
    if why := npm_reachable(cfg):
        raise StepError(why)
    proc = subprocess.run(
        [
            "npm",
            "view",
            f"{name}@{version}",
            "version",
            "--json",
            "--registry",
            cfg.npm_registry,
        ],
        capture_output=True,
        text=True,
        check=False,
        env=_npm_env(),
    )
    if proc.returncode == 0:
        return proc.stdout.strip().strip('"') == version
    if "E404" in proc.stderr or "404" in proc.stderr:
        return False
    raise StepError(
        f"npm registry {cfg.npm_registry} unreachable: {proc.stderr.strip()[-500:]}"
    )


def crate_published(name: str, version: str) -> bool:
    prefix = {1: "1", 2: "2", 3: f"3/{name[0]}"}.get(
        len(name), f"{name[:2]}/{name[2:4]}"
    )
    status, body = _http_get(f"https://index.crates.io/{prefix}/{name}")
    if status == 404:
        return False
    if status != 200:
        raise StepError(f"crates.io index answered HTTP {status} for {name}")
    return any(
        json.loads(line).get("vers") == version
        for line in body.splitlines()
        if line.strip()
    )


# --- state and reporting -------------------------------------------------------------


def state(cfg: Config, arts: Artifacts) -> list[tuple[str, str, bool | None]]:
    """(registry, package, published?) for every unit of the release; None: unknown."""
    rows: list[tuple[str, str, bool | None]] = []
    if "pypi" not in cfg.skip:
        try:
            files = pypi_published_files(cfg)
            names = {p.name for p in arts.python_files}
            have = len(names & files)
            label = f"{PYPI_PROJECT} {versions.pep440(cfg.version)} ({have}/{len(names)} files)"
            rows.append(("PyPI", label, have == len(names) and have > 0))
        except StepError:
            rows.append(("PyPI", PYPI_PROJECT, None))
    if "npm" not in cfg.skip:
        for pkg in arts.npm:
            try:
                rows.append(
                    (
                        "npm",
                        f"{pkg.name}@{cfg.version}",
                        npm_published(cfg, pkg.name, cfg.version),
                    )
                )
            except StepError:
                rows.append(("npm", f"{pkg.name}@{cfg.version}", None))
    if "crates" not in cfg.skip:
        for crate in CRATES:
            try:
                rows.append(
                    (
                        "crates.io",
                        f"{crate} {cfg.version}",
                        crate_published(crate, cfg.version),
                    )
                )
            except (StepError, OSError):
                rows.append(("crates.io", f"{crate} {cfg.version}", None))
    if "github" not in cfg.skip:
        label = f"release v{cfg.version} asset {catalog_archive_name(cfg.version)}"
        try:
            assets = github_release_assets(cfg.version)
            rows.append(
                (
                    "GitHub",
                    label,
                    assets is not None and catalog_archive_name(cfg.version) in assets,
                )
            )
        except (StepError, OSError):
            rows.append(("GitHub", label, None))
    return rows


def github_release_assets(version: str) -> list[str] | None:
    """The asset names of the GitHub release ``v<version>``; None when there is no such release."""
    proc = run([GH, "release", "view", f"v{version}", "--json", "assets"], check=False)
    if proc.returncode != 0:
        if "not found" in (proc.stdout + proc.stderr).lower():
            return None
        raise StepError(
            f"`gh release view v{version}` failed: {(proc.stdout + proc.stderr).strip()}"
        )
    return [a["name"] for a in json.loads(proc.stdout).get("assets", [])]


def remedy(cfg: Config) -> str:
    if os.environ.get("GITHUB_RUN_ID"):
        repo = os.environ.get("GITHUB_REPOSITORY", "<owner>/<repo>")
        return (
            f"gh run rerun {os.environ['GITHUB_RUN_ID']} --failed --repo {repo}"
            "   (or 'Re-run failed jobs' on the run page)"
        )
    return shlex.join([sys.executable, str(Path(__file__).resolve()), *cfg.argv])


def report_failure(
    cfg: Config, arts: Artifacts | None, step: str, err: Exception, partial: bool
) -> None:
    out = sys.stderr
    print(f"\npublish: FAILED at step '{step}': {err}", file=out)
    if arts is not None:
        print(f"publish: state of release {cfg.version}:", file=out)
        for registry, label, ok in state(cfg, arts):
            mark = {
                True: "published",
                False: "MISSING",
                None: "UNKNOWN (registry unreachable)",
            }[ok]
            print(f"    {registry:9} {label:60} {mark}", file=out)
    if partial:
        print(
            "publish: PARTIAL RELEASE: some registries have this version, others do not.\n"
            "publish: Rule: roll forward only. Do NOT delete the tag, unpublish, yank or rebuild;\n"
            "         every step skips what is already published, so re-running completes it.\n"
            "         Fix the cause above (registry outage, trusted-publisher settings, token), then:",
            file=out,
        )
    else:
        print(
            "publish: nothing was published (refused before the first upload).\n"
            "         Fix the cause above, then run:",
            file=out,
        )
    print(f"REMEDY: {remedy(cfg)}", file=out)
    print(
        "         If an artifact itself is wrong, do not re-publish it: bump the version\n"
        "         (make bump PART=patch) and release the new tag (RELEASING.md).",
        file=out,
        flush=True,
    )


# --- steps ---------------------------------------------------------------------------


def step_preflight(cfg: Config, arts: Artifacts) -> None:
    problems: list[str] = []
    v = cfg.version
    if "pypi" not in cfg.skip:
        if len(arts.wheels) != cfg.expect_wheels:
            problems.append(
                f"expected {cfg.expect_wheels} abi3 wheels for {versions.pep440(v)} in {cfg.dist}, "
                f"found {[w.name for w in arts.wheels]}"
            )
        if arts.sdist is None:
            problems.append(
                f"no sdist coach_app_baml_client-{versions.pep440(v)}.tar.gz in {cfg.dist}"
            )
    if "npm" not in cfg.skip:
        main = [p for p in arts.npm if p.main]
        if not main:
            problems.append(
                f"no main npm tarball (@coach-app/..., with a napi config) in {cfg.dist}"
            )
        for pkg in arts.npm:
            if pkg.version != v:
                problems.append(f"{pkg.tarball}: {pkg.name}@{pkg.version} != {v}")
        if main and main[0].tarball is not None:
            meta = _tar_json(main[0].tarball)
            names = [n for n in _tar_names(main[0].tarball) if n.endswith(".node")]
            if names:
                problems.append(
                    f"main npm package ships addons {names}: run split-npm (napi layout)"
                )
            optional = meta.get("optionalDependencies", {})
            if not optional:
                problems.append(
                    "main npm package has no optionalDependencies: run split-npm"
                )
            have = {p.name for p in arts.npm if not p.main}
            for dep, spec in sorted(optional.items()):
                if spec != v:
                    problems.append(
                        f"main package optionalDependencies {dep} = {spec} != {v}"
                    )
                if dep not in have:
                    problems.append(
                        f"no tarball for optional dependency {dep}@{spec} in {cfg.dist}"
                    )
            for extra in sorted(have - set(optional)):
                problems.append(
                    f"platform tarball {extra} is not an optionalDependency of the main package"
                )
    if "github" not in cfg.skip:
        problems += catalog_problems(arts.catalog, cfg.dist, v)
    if problems:
        raise PreflightError("artifacts:\n  " + "\n  ".join(problems))

    # Registries answer (checked first: fast, and no point in the rest when one is down).
    if "pypi" not in cfg.skip:
        try:
            files = pypi_published_files(cfg)
        except StepError as err:
            raise PreflightError(str(err)) from err
        log(f"PyPI index ok ({len(files)} files of {PYPI_PROJECT} already there)")
    if "npm" not in cfg.skip:
        if why := npm_reachable(cfg):
            raise PreflightError(why)
        log(f"npm registry {cfg.npm_registry} answers")

    # Well-formed (these run locally, nothing is uploaded).
    if "pypi" not in cfg.skip and shutil.which("twine"):
        run(["twine", "check", "--strict", *arts.python_files])
    elif "pypi" not in cfg.skip:
        log("twine not on PATH: skipping `twine check` (release.yml installs it)")
    if "npm" not in cfg.skip:
        for pkg in arts.npm:
            run(
                [
                    "npm",
                    "publish",
                    pkg.tarball,
                    "--dry-run",
                    "--access",
                    "public",
                    "--registry",
                    cfg.npm_registry,
                ],
                env=_npm_env(),
            )

    # Credentials, where they can be checked without uploading.
    if "npm" not in cfg.skip:
        if not cfg.oidc:
            who = subprocess.run(
                ["npm", "whoami", "--registry", cfg.npm_registry],
                capture_output=True,
                text=True,
                env=_npm_env(),
                check=False,
            )
            if who.returncode != 0:
                raise PreflightError(
                    f"npm registry {cfg.npm_registry} rejects our credentials (npm whoami)"
                )
            log(f"npm: publishing as {who.stdout.strip()}")
        else:
            log("npm: trusted publishing (the OIDC token is exchanged at publish time)")
    if "github" not in cfg.skip:
        if not shutil.which(GH):
            raise PreflightError(
                f"`{GH}` (the GitHub CLI) is not on PATH: the catalog is attached with it"
            )
        try:
            github_release_assets(v)
        except StepError as err:
            raise PreflightError(
                f"GitHub releases are not readable: {err} (set GH_TOKEN)"
            ) from err
    if "crates" not in cfg.skip and not os.environ.get("CARGO_REGISTRY_TOKEN"):
        raise PreflightError(
            "CARGO_REGISTRY_TOKEN is not set (release.yml: rust-lang/crates-io-auth-action)"
        )

    rows = state(cfg, arts)
    unknown = [label for _, label, ok in rows if ok is None]
    if unknown:
        raise PreflightError(f"cannot read the published state of {unknown}")
    done = [label for _, label, ok in rows if ok]
    if done and len(done) == len(rows):
        log(f"every package of {v} is already published: nothing to do")
    elif done:
        log(
            f"RESUMING a partial release of {v} (roll forward): already published: {done}"
        )
    log("preflight passed")


def step_pypi(cfg: Config, arts: Artifacts) -> None:
    if not cfg.pypi_upload_url:
        raise StepError("--pypi-upload-url is required for the pypi step")
    present = pypi_published_files(cfg)
    todo = [p for p in arts.python_files if p.name not in present]
    for p in arts.python_files:
        if p.name in present:
            log(f"PyPI: {p.name} already published, skipped")
    if todo:
        # What pypa/gh-action-pypi-publish runs (twine upload); files already on the index
        # were filtered out above. twine supports --skip-existing for PyPI/TestPyPI only.
        cmd = ["twine", "upload", "--non-interactive", "--disable-progress-bar"]
        if re.match(r"^https://(test\.)?(upload\.)?pypi\.org/", cfg.pypi_upload_url):
            cmd.append("--skip-existing")
        run([*cmd, "--repository-url", cfg.pypi_upload_url, *todo])
    missing = [
        p.name for p in arts.python_files if p.name not in pypi_published_files(cfg)
    ]
    if missing:
        raise StepError(f"PyPI does not list {missing} after the upload")
    log(
        f"PyPI: {len(arts.python_files)} files of {versions.pep440(cfg.version)} published"
    )


def step_npm(cfg: Config, arts: Artifacts) -> None:
    tag = ["--tag", "next"] if "-" in cfg.version else []
    provenance = ["--provenance"] if cfg.oidc else []
    for pkg in arts.npm:  # platform packages first: the main package depends on them
        if npm_published(cfg, pkg.name, cfg.version):
            log(f"npm: {pkg.name}@{cfg.version} already published, skipped")
            continue
        run(
            [
                "npm",
                "publish",
                pkg.tarball,
                "--access",
                "public",
                "--registry",
                cfg.npm_registry,
                *provenance,
                *tag,
            ],
            env=_npm_env(),
        )
        if not npm_published(cfg, pkg.name, cfg.version):
            raise StepError(
                f"{pkg.name}@{cfg.version} is not visible on {cfg.npm_registry} after publishing"
            )
        log(f"npm: {pkg.name}@{cfg.version} published")


def step_crates(cfg: Config, arts: Artifacts) -> None:
    for crate in CRATES:
        if crate_published(crate, cfg.version):
            log(f"crates.io: {crate} {cfg.version} already published, skipped")
            continue
        # --allow-dirty: the generated sources listed in the crates' `include` are gitignored,
        # which cargo counts as dirty; release_checks.py already refused any real change.
        # --no-verify: test-artifacts verified the very same packages with `cargo package`.
        run(
            [
                "cargo",
                "publish",
                "-p",
                crate,
                "--allow-dirty",
                "--no-verify",
                "--locked",
            ],
            cwd=ROOT,
        )
        log(f"crates.io: {crate} {cfg.version} published")


def step_github(cfg: Config, arts: Artifacts) -> None:
    """Attach the event catalog to the GitHub release of the tag (created when missing)."""
    name = catalog_archive_name(cfg.version)
    assets = github_release_assets(cfg.version)
    if assets is not None and name in assets:
        log(f"GitHub: {name} already on release v{cfg.version}, skipped")
        return
    if arts.catalog is None:
        raise StepError(f"no event catalog in {cfg.dist}")
    with tempfile.TemporaryDirectory(prefix="catalog-") as tmp:
        archive = pack_catalog(arts.catalog, Path(tmp), cfg.version)
        if assets is None:
            notes = (
                f"coach-app contracts {cfg.version}. The event catalog is attached: unpack "
                f"{name} and open index.html in a browser (no server needed)."
            )
            run([GH, "release", "create", f"v{cfg.version}", "--verify-tag",
                 "--title", f"v{cfg.version}", "--notes", notes, archive])  # fmt: skip
        else:
            run([GH, "release", "upload", f"v{cfg.version}", archive])
    if name not in (github_release_assets(cfg.version) or []):
        raise StepError(f"release v{cfg.version} does not list {name} after the upload")
    log(f"GitHub: {name} attached to release v{cfg.version}")


def step_verify(cfg: Config, arts: Artifacts) -> None:
    deadline = time.monotonic() + cfg.verify_timeout
    while True:
        rows = state(cfg, arts)
        missing = [f"{r} {label}" for r, label, ok in rows if not ok]
        if not missing:
            log(f"verify: all {len(rows)} packages of {cfg.version} are published")
            return
        if time.monotonic() > deadline:
            raise StepError(f"not visible after {cfg.verify_timeout:.0f}s: {missing}")
        time.sleep(5)


STEP_FUNCS: dict[str, Callable[[Config, Artifacts], None]] = {
    "preflight": step_preflight,
    "pypi": step_pypi,
    "npm": step_npm,
    "crates": step_crates,
    "github": step_github,
    "verify": step_verify,
}


def publish(
    cfg: Config, steps: list[str], hooks: dict[str, Callable[[], None]] | None = None
) -> int:
    """Run ``steps`` in the fixed order; the exit code (0, EXIT_PREFLIGHT, EXIT_PARTIAL)."""
    hooks = hooks or {}
    arts: Artifacts | None = None
    current = "preflight"
    try:
        arts = find_artifacts(cfg.dist, cfg.version)
        for current in [s for s in STEPS if s in steps]:
            if current in cfg.skip:
                log(f"{current}: skipped (--skip {current})")
                continue
            if current in hooks:
                hooks[current]()
            log(f"--- {current} ---")
            STEP_FUNCS[current](cfg, arts)
    except PreflightError as err:
        report_failure(cfg, arts, current, err, partial=False)
        return EXIT_PREFLIGHT
    except (StepError, OSError, subprocess.SubprocessError) as err:
        uploaded = arts is not None and any(ok for _, _, ok in state(cfg, arts))
        report_failure(cfg, arts, current, err, partial=uploaded)
        return EXIT_PARTIAL if uploaded else EXIT_PREFLIGHT
    log(f"{', '.join(s for s in STEPS if s in steps)}: done for {cfg.version}")
    return 0


# --- split-npm -----------------------------------------------------------------------


def split_npm(
    tarball: Path, addons: Path, out: Path, targets: list[str] | None, napi: Path = NAPI
) -> list[Path]:
    """napi-rs v3 layout from the main tarball + addons; returns the new tarballs (platforms, then main)."""
    if not napi.exists():
        raise StepError(
            f"{napi} not found: run `npm ci` in packages/typescript (make setup)"
        )
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="split-npm-") as tmp:
        work = Path(tmp)
        with tarfile.open(tarball) as tar:
            tar.extractall(work, filter="data")
        pkg_dir = work / "package"
        pkg_json = pkg_dir / "package.json"
        pkg = json.loads(pkg_json.read_text())
        if targets:
            # Rehearsal only: a subset of the configured targets (the addons this host can build).
            unknown = sorted(set(targets) - set(pkg["napi"]["targets"]))
            if unknown:
                raise StepError(
                    f"targets {unknown} are not in the package's napi.targets"
                )
            pkg["napi"]["targets"] = [t for t in pkg["napi"]["targets"] if t in targets]
        pkg.pop("optionalDependencies", None)
        pkg_json.write_text(json.dumps(pkg, indent=2) + "\n")
        staged = work / "addons"
        staged.mkdir()
        for node in sorted(addons.rglob("*.node")):
            shutil.copy2(node, staged / node.name)
        for node in pkg_dir.rglob("*.node"):  # the main package carries no addon
            node.unlink()
        common = [
            "--cwd",
            str(pkg_dir),
            "--package-json-path",
            "package.json",
            "--npm-dir",
            "npm",
        ]
        run([napi, "create-npm-dirs", *common])
        # napi joins (not resolves) --output-dir onto --cwd: pass it relative.
        run(
            [
                napi,
                "artifacts",
                *common,
                "--output-dir",
                os.path.relpath(staged, pkg_dir),
            ]
        )
        run(
            [
                napi,
                "pre-publish",
                *common,
                "-t",
                "npm",
                "--skip-optional-publish",
                "--no-gh-release",
            ]
        )
        for node in pkg_dir.glob(
            "*.node"
        ):  # `napi artifacts` also copies them next to package.json
            node.unlink()
        pkg = json.loads(pkg_json.read_text())
        optional = pkg.get("optionalDependencies", {})
        platform_dirs = sorted(p for p in (pkg_dir / "npm").iterdir() if p.is_dir())
        made: list[Path] = []
        for pdir in platform_dirs:
            if not list(pdir.glob("*.node")):
                raise StepError(
                    f"no addon for {pdir.name} in {addons} (expected {pkg['napi']['binaryName']}.{pdir.name}.node)"
                )
        if len(optional) != len(platform_dirs):
            raise StepError(
                f"optionalDependencies {optional} do not match the platform packages {platform_dirs}"
            )
        shutil.rmtree(pkg_dir / "npm_packs", ignore_errors=True)
        for pdir in platform_dirs:
            made.append(_npm_pack(pdir, out))
        npm_dir = pkg_dir / "npm"
        shutil.move(str(npm_dir), str(work / "npm"))  # keep it out of the main tarball
        made.append(_npm_pack(pkg_dir, out))
    for path in made:
        log(f"split-npm: {path}")
    return made


def _npm_pack(pkg_dir: Path, out: Path) -> Path:
    proc = run(
        ["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", out],
        cwd=pkg_dir,
        env=_npm_env(),
    )
    info = json.loads(proc.stdout)
    return out / info[0]["filename"]


# --- CLI -----------------------------------------------------------------------------


def main(
    argv: list[str] | None = None, hooks: dict[str, Callable[[], None]] | None = None
) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser(
        "split-npm", help="napi-rs v3 per-platform packages from the main tarball"
    )
    sp.add_argument("--tarball", type=Path, required=True)
    sp.add_argument(
        "--addons",
        type=Path,
        required=True,
        help="directory with <binary>.<platform>.node files",
    )
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument(
        "--targets", help="comma-separated subset of napi.targets (rehearsal only)"
    )
    for name in (*STEPS, "all"):
        p = sub.add_parser(name)
        p.add_argument("--dist", type=Path, default=ROOT / "dist")
        p.add_argument(
            "--version", default=None, help="default: [workspace.package] version"
        )
        p.add_argument("--pypi-upload-url", default=None, help="twine --repository-url")
        p.add_argument("--pypi-simple-url", default="https://pypi.org/simple/")
        p.add_argument("--npm-registry", default="https://registry.npmjs.org/")
        p.add_argument("--expect-wheels", type=int, default=4)
        p.add_argument(
            "--skip",
            default="",
            help="comma-separated registries/steps to skip: pypi,npm,crates,github",
        )
        p.add_argument(
            "--oidc",
            action="store_true",
            help="trusted publishing in GitHub Actions (npm --provenance)",
        )
        p.add_argument("--verify-timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    if args.command == "split-npm":
        try:
            targets = [t for t in (args.targets or "").split(",") if t] or None
            split_npm(args.tarball, args.addons, args.out, targets)
        except StepError as err:
            print(f"publish: split-npm failed: {err}", file=sys.stderr)
            return 1
        return 0
    cfg = Config(
        dist=args.dist,
        version=args.version or versions.workspace_version(ROOT),
        pypi_upload_url=args.pypi_upload_url,
        pypi_simple_url=args.pypi_simple_url,
        npm_registry=args.npm_registry,
        expect_wheels=args.expect_wheels,
        skip={s for s in args.skip.split(",") if s},
        oidc=args.oidc,
        argv=argv,
        verify_timeout=args.verify_timeout,
    )
    steps = list(STEPS) if args.command == "all" else [args.command]
    return publish(cfg, steps, hooks)


if __name__ == "__main__":
    sys.exit(main())
