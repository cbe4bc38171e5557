#!/usr/bin/env python3
"""One benchmark command: Python, Node and Rust benches, the differential, BENCHMARKS.md.

Builds nothing: it uses the wheel and tarball in dist/ (``make dist``) and warns when they
are older than the sources. Installs them with pinned baselines into cached environments
(.cache/bench-venv, .cache/bench-node; reinstalled only when an artifact or a pin changes),
then runs bench/python_bench.py, bench/node_bench.mjs, ``cargo bench -p contracts-core
--bench validate`` + tools/bench_ratios.py, the three-way differential and the delivery
benchmark (bench/delivery_bench.py: real Redis, PostgreSQL, daphne and 500 sockets, in
.cache/bench-delivery-venv with the wheel and examples/django/requirements.txt), and writes
BENCHMARKS.md (the hand-written part below its marker line is kept).

``--only delivery`` runs the delivery benchmark alone and rewrites only BENCHMARKS.md's
Delivery section (and its row of the Targets table); ``--delivery-python`` runs it with
another interpreter (``.venv/bin/python`` after ``make dev``, say) instead of the cached
environment; ``--delivery-args`` passes options to bench/delivery_bench.py;
``--delivery-json`` renders an earlier result (its JSON) instead of running it again.

Usage: python tools/bench.py [--quick] [--skip-cargo] [--skip-delivery] [--only delivery]
       [--delivery-python PY] [--delivery-args "--sockets 100 --rates 50,100"]
       [--delivery-json .cache/bench/delivery.json] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import _common

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
VENV = CACHE / "bench-venv"
DELIVERY_VENV = CACHE / "bench-delivery-venv"
DELIVERY_REQUIREMENTS = REPO / "examples" / "django" / "requirements.txt"
# --quick: a smoke run of the delivery benchmark (100 sockets, 2 s per rate, 1 minute).
DELIVERY_QUICK = ["--sockets", "100", "--duration", "2", "--budget", "60"]
DELIVERY_HEADING = "## Delivery"
DELIVERY_TARGET = "| Delivery: streams layer max rate ≥ 3x channels_redis group_send"
NODE_PROJECT = CACHE / "bench-node"
WORK = CACHE / "bench"
PY_PINS = [
    "pydantic==2.14.4",
    "msgspec==0.22.0",
    "jsonschema-rs==0.60.3",
    "fastjsonschema==2.22.3",
]
NODE_PINS = [
    "ajv@8.20.0",
    "ajv-formats@3.0.1",
    "zod@4.6.7",
    "valibot@1.5.0",
    "@sinclair/typebox@0.34.52",
]
MARKER = "<!-- Everything below this line is hand-written; tools/bench.py keeps it. -->"
DEPS_MJS = """\
export * as validate from "@coach-app/coach-app-baml-client/validate";
export * as native from "@coach-app/coach-app-baml-client/validate/native";
export * as portable from "@coach-app/coach-app-baml-client/validate/portable";
export { Type } from "@sinclair/typebox";
export { TypeCompiler } from "@sinclair/typebox/compiler";
export { Ajv2020 } from "ajv/dist/2020.js";
export { default as addFormats } from "ajv-formats";
export { z } from "zod";
export * as v from "valibot";
import { readFileSync } from "node:fs";
const ver = (p) => JSON.parse(readFileSync(new URL(`./node_modules/${p}/package.json`, import.meta.url))).version;
export const versions = Object.fromEntries(
  ["@coach-app/coach-app-baml-client", "ajv", "ajv-formats", "zod", "valibot", "@sinclair/typebox"].map((p) => [p, ver(p)]),
);
"""


def sh(cmd: list[str], **kw: Any) -> str:
    return _common.run(cmd, log=lambda line: print(line, file=sys.stderr), **kw).stdout


def digest(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.read_bytes() if isinstance(p, Path) else str(p).encode())
    return h.hexdigest()


def artifacts() -> tuple[Path, Path, list[str]]:
    dist = REPO / "dist"
    wheels = sorted(dist.glob("coach_app_baml_client-*-abi3-*.whl"))
    tarballs = sorted(dist.glob("*.tgz"))
    if not wheels or not tarballs:
        sys.exit("no wheel or npm tarball in dist/: run 'make dist' first")
    oldest = min(wheels[-1].stat().st_mtime, tarballs[-1].stat().st_mtime)
    sources = [
        p
        for d in [
            "crates/contracts-core/src",
            "crates/py-binding/src",
            "crates/node-binding/src",
        ]
        for p in (REPO / d).rglob("*.rs")
        if p.stat().st_mtime > oldest
    ]
    stale = [str(p.relative_to(REPO)) for p in sources]
    if stale:
        print(
            f"WARNING: dist/ is older than {stale[:5]}: run 'make dist'",
            file=sys.stderr,
        )
    return wheels[-1], tarballs[-1], stale


def python_env(wheel: Path) -> Path:
    py = VENV / "bin" / "python"
    stamp = VENV / ".bench-stamp"
    want = digest(wheel, *PY_PINS)
    if not (py.exists() and stamp.exists() and stamp.read_text() == want):
        if not py.exists():
            sh([sys.executable, "-m", "venv", str(VENV)])
        pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        sh([*pip, "--force-reinstall", "--no-deps", str(wheel)])
        sh([*pip, str(wheel), *PY_PINS])
        stamp.write_text(want)
    return py


def node_env(tarball: Path) -> Path:
    stamp = NODE_PROJECT / ".bench-stamp"
    want = digest(tarball, *NODE_PINS, DEPS_MJS)
    if not (stamp.exists() and stamp.read_text() == want):
        NODE_PROJECT.mkdir(parents=True, exist_ok=True)
        (NODE_PROJECT / "package.json").write_text(
            json.dumps(
                {"name": "bench", "version": "0.0.0", "private": True, "type": "module"}
            )
        )
        sh([*_common.NPM_INSTALL, str(tarball), *NODE_PINS], cwd=NODE_PROJECT)
        (NODE_PROJECT / "deps.mjs").write_text(DEPS_MJS)
        stamp.write_text(want)
    return NODE_PROJECT


def delivery_env(wheel: Path) -> Path:
    """A venv with the wheel and the Django example's pinned requirements (daphne, channels,
    channels_redis, websockets...), reinstalled when either changes."""
    py = DELIVERY_VENV / "bin" / "python"
    stamp = DELIVERY_VENV / ".bench-stamp"
    want = digest(wheel, DELIVERY_REQUIREMENTS)
    if not (py.exists() and stamp.exists() and stamp.read_text() == want):
        if not py.exists():
            sh([sys.executable, "-m", "venv", str(DELIVERY_VENV)])
        pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        sh([*pip, "--force-reinstall", "--no-deps", str(wheel)])
        sh([*pip, str(wheel), "-r", str(DELIVERY_REQUIREMENTS)])
        stamp.write_text(want)
    has_layer = subprocess.run(
        [str(py), "-c", "import coach_app_baml_client.layers"],
        capture_output=True,
        check=False,
    )
    if has_layer.returncode != 0:
        raise RuntimeError(
            f"{wheel.name} has no coach_app_baml_client.layers (RedisStreamsChannelLayer): "
            "run 'make dist', or pass --delivery-python .venv/bin/python after 'make dev'"
        )
    return py


def run_delivery(python: Path, extra: list[str], command: str) -> dict[str, Any]:
    """bench/delivery_bench.py (its progress goes to stderr) and its JSON result, which
    records ``command`` (this script's) as ``driver``."""
    out = WORK / "delivery.json"
    out.unlink(missing_ok=True)
    cmd = [
        str(python),
        "bench/delivery_bench.py",
        "--json",
        str(out.relative_to(REPO)),
        *extra,
    ]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=REPO, check=True)
    result: dict[str, Any] = json.loads(out.read_text())
    result["driver"] = command
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


def delivery_target(result: dict[str, Any] | None) -> list[str]:
    """The Targets row of the delivery benchmark (empty when it did not run)."""
    if result is None:
        return []
    ratio = result.get("ratio")
    cfg = result["config"]
    where = f"{cfg['sockets']} sockets, {cfg['workers']} daphne"
    shown = "-" if ratio is None else f"{ratio:.2f}x"
    verdict = {"met": "met", "missed": "**missed**"}.get(
        result["verdict"], "inconclusive"
    )
    if result.get("note"):
        verdict += f" ({result['note']})"
    return [f"{DELIVERY_TARGET} | {where} | {shown} | {verdict} |"]


def delivery_section(
    result: dict[str, Any] | None, command: str, error: str | None = None
) -> list[str]:
    """BENCHMARKS.md's Delivery section, from bench/delivery_bench.py's JSON."""
    lines = [f"{DELIVERY_HEADING} (streams layer vs channels_redis `group_send`)", ""]
    if result is None:
        return [*lines, f"Not measured: {error or 'skipped (--skip-delivery)'}.", ""]
    sys.path.insert(0, str(REPO / "bench"))
    # bench/delivery/report.py: standard library only, so this interpreter can import it.
    from delivery.report import markdown

    versions = ", ".join(f"{k} {v}" for k, v in result["versions"].items())
    sockets = result["config"]["sockets"]
    client = {
        "raw": "bench/delivery/rawws.py, a minimal RFC 6455 receiver",
        "websockets": "the websockets library",
    }[result["config"].get("client", "websockets")]
    return [
        *lines,
        f"Generated by `{result.get('driver', command)}` on {result['started']}"
        " (`make bench-delivery` runs it alone and rewrites only this section and its Targets row).",
        "",
        "The same broadcasts through the two channel layers of examples/django (`COACH_CHANNEL_LAYER`),"
        " in one run: `streams` is `coach_app_baml_client.layers.RedisStreamsChannelLayer` (one"
        " Redis publication per event, one subscription per process and group, fanned out in the"
        " process), `channels_redis` is `channels_redis.core.RedisChannelLayer`'s `group_send`."
        f" Each path gets its own Redis; the producer, the client ({sockets} sockets in one"
        f" asyncio process, {client}) and each daphne worker are separate processes on the"
        f" same machine ({versions}).",
        "",
        *markdown(result),
        "",
    ]


def replace_delivery(text: str, section: list[str], target: list[str]) -> str:
    """``text`` (BENCHMARKS.md) with its Delivery section and Targets row replaced (or added
    at the end of the generated part)."""
    generated, marker, hand = text.partition(MARKER)
    block = "\n".join(section)
    start = generated.find(f"\n{DELIVERY_HEADING}")
    if start < 0:
        generated = generated.rstrip("\n") + "\n\n" + block + "\n"
    else:
        end = generated.find("\n## ", start + 1)
        rest = generated[end:] if end >= 0 else "\n"
        generated = generated[: start + 1] + block + rest
    lines = generated.split("\n")
    rows = [i for i, line in enumerate(lines) if line.startswith(DELIVERY_TARGET)]
    if rows:
        lines[rows[0] : rows[0] + 1] = target
    elif target and "## Targets" in lines:
        end = lines.index("## Targets") + 2  # the heading, a blank line, then the table
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        lines[end:end] = target
    return "\n".join(lines) + marker + hand


def existing_delivery(text: str) -> tuple[list[str], list[str]] | None:
    """The Delivery section and Targets row of an earlier BENCHMARKS.md, if it has them."""
    generated = text.partition(MARKER)[0]
    start = generated.find(f"\n{DELIVERY_HEADING}")
    if start < 0:
        return None
    end = generated.find("\n## ", start + 1)
    section = generated[start + 1 : end if end >= 0 else len(generated)].rstrip("\n")
    rows = [line for line in generated.split("\n") if line.startswith(DELIVERY_TARGET)]
    return [*section.split("\n"), ""], rows


def delivery_only(args: argparse.Namespace) -> int:
    """``--only delivery``: the delivery benchmark alone, into BENCHMARKS.md's Delivery section."""
    WORK.mkdir(parents=True, exist_ok=True)
    command = "python tools/bench.py " + shlex.join(sys.argv[1:])
    if args.delivery_json:
        result = json.loads(args.delivery_json.read_text())
    elif args.delivery_python:
        result = run_delivery(Path(args.delivery_python), delivery_args(args), command)
    else:
        wheel, _, _ = artifacts()
        try:
            python = delivery_env(wheel)
        except RuntimeError as err:
            sys.exit(str(err))
        result = run_delivery(python, delivery_args(args), command)
    text = (
        args.out.read_text()
        if args.out.exists()
        else "# Benchmarks\n\n" + MARKER + "\n"
    )
    if MARKER not in text:
        text = text.rstrip("\n") + "\n\n" + MARKER + "\n"
    section = delivery_section(result, command.strip())
    args.out.write_text(replace_delivery(text, section, delivery_target(result)))
    print(f"wrote the Delivery section of {args.out}", file=sys.stderr)
    return 0


def delivery_args(args: argparse.Namespace) -> list[str]:
    return [*(DELIVERY_QUICK if args.quick else []), *shlex.split(args.delivery_args)]


def machine() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "rustc": sh(["rustc", "--version"]).strip(),
        "node": sh(["node", "--version"]).strip(),
    }


def load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def fmt_ns(ns: float) -> str:
    return f"{ns / 1000:,.2f} µs" if ns >= 1000 else f"{ns:,.0f} ns"


def timing_table(
    cases: dict[str, Any],
    ours: str,
    ratio: str = "ratio_to_ours",
    only: list[str] | None = None,
) -> list[str]:
    names = list(next(iter(cases.values()))["timings"])
    for case in cases.values():
        names += [n for n in case["timings"] if n not in names]
    if only is not None:
        names = [n for n in names if n in only]
    head = (
        "| candidate | "
        + " | ".join(
            f"{c} ({v['bytes']} B{', %d issues' % v['issues'] if v['issues'] else ''})"
            for c, v in cases.items()
        )
        + " |"
    )
    lines = [head, "|---|" + "---|" * len(cases)]
    for n in names:
        cells = []
        for case in cases.values():
            t = case["timings"].get(n)
            cells.append("-" if t is None else f"{fmt_ns(t['ns'])} ({t[ratio]:.2f}x)")
        label = f"**{n}**" if n == ours else n
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def ratio(case: dict[str, Any], candidate: str, ours: str) -> float:
    """Median over the interleaved rounds of candidate / ours (> 1: ours is faster)."""
    t = case["timings"]
    rounds = zip(t[candidate]["rounds"], t[ours]["rounds"])
    return statistics.median(c / o for c, o in rounds)


def target_rows(
    py: dict[str, Any],
    node: dict[str, Any],
    browser: dict[str, Any],
    core: dict[str, Any] | None,
) -> list[str]:
    rows = ["| target | envelope | measured | verdict |", "|---|---|---|---|"]

    def add(
        name: str,
        case: str,
        value: float,
        goal: float | None,
        higher: bool = True,
        unit: str = "x",
    ) -> None:
        if goal is None:
            verdict = "reported"
        else:
            ok = value >= goal if higher else value <= goal
            verdict = "met" if ok else "**missed**"
        if unit == "x":
            shown = f"{value:.2f}x"
        elif unit == "s":
            shown = f"{value * 1000:,.1f} ms"
        else:
            shown = f"{value:,.1f} {unit}"
        rows.append(f"| {name} | {case} | {shown} | {verdict} |")

    gzip_kb = browser["bundle"]["validate"]["gzip_bytes"] / 1024
    add(
        "browser bundle of ./validate, minified + gzip ≤ 30 KB",
        "whole contract",
        gzip_kb,
        30,
        higher=False,
        unit="KB",
    )
    portable_goals = [
        ("object", "zod 4 safeParse(object)", "zod 4", 2.0),
        ("object", "TypeBox compiled Check(object)", "TypeBox compiled", 1.0),
        ("string", "zod 4 safeParse(JSON.parse)", "zod 4", 2.0),
        ("string", "TypeBox compiled Check(JSON.parse)", "TypeBox compiled", 1.0),
    ]
    for case in ["small_valid", "large_valid"]:
        t = node["cases"][case]["timings"]
        for kind, baseline, label, goal in portable_goals:
            ours = t[f"portable validateEnvelope({kind})"]["ratio_to_portable"]
            add(
                f"Node portable validateEnvelope({kind}) ≥ {goal:g}x {label}",
                case,
                t[baseline]["ratio_to_portable"] / ours,
                goal,
            )
    for case in ["small_valid", "large_valid"]:
        t = node["cases"][case]["timings"]
        add(
            "Node native validateEnvelope(string) ≤ 1.15x the portable build's (same text)",
            case,
            t["native validateEnvelope(string)"]["ratio_to_portable_string"],
            1.15,
            higher=False,
        )
    for size in ["small", "large"]:
        # The valid envelope of the same shape runs in the same rounds as the invalid one
        # ("valid twin"), so the ratio is interleaved.
        inv = node["cases"][f"{size}_invalid"]["timings"]
        add(
            "Node portable invalid (all issues) ≤ 2x its valid time",
            size,
            1
            / inv["portable validateEnvelope(valid twin object)"]["ratio_to_portable"],
            2,
            higher=False,
        )

    cases = py["cases"]
    for case in ["small_valid", "large_valid"]:
        add(
            "Python validate_envelope(dict) ≥ 2x Pydantic validate_python (discriminated union)",
            case,
            ratio(
                cases[case], "pydantic validate_python(dict)", "validate_envelope(dict)"
            ),
            2,
        )
        add(
            "Python validate_envelope(dict) vs Pydantic validate_python (smart union)",
            case,
            ratio(
                cases[case],
                "pydantic validate_python(dict, smart union)",
                "validate_envelope(dict)",
            ),
            None,
        )
        add(
            "Python validate_envelope(model) vs Pydantic validate_python (discriminated union)",
            case,
            ratio(
                cases[case],
                "pydantic validate_python(dict)",
                "validate_envelope(model)",
            ),
            None,
        )
    for case in ["small_valid", "large_valid", "small_invalid", "large_invalid"]:
        t = cases[case]["timings"]
        goal = 5 if case.endswith("_valid") else 4
        add(
            f"Python ≥ {goal}x Pydantic validate_json (discriminated union)",
            case,
            t["pydantic validate_json"]["ratio_to_ours"],
            goal,
        )
        add(
            "Python vs Pydantic validate_json (smart union, the generated EventEnvelope)",
            case,
            t["pydantic validate_json(smart union)"]["ratio_to_ours"],
            None,
        )
        add("Python ≥ 1x msgspec", case, t["msgspec decode"]["ratio_to_ours"], 1)
        add(
            "Python ≥ 2x jsonschema-rs (json.loads + is_valid)",
            case,
            t["jsonschema_rs is_valid(json.loads)"]["ratio_to_ours"],
            2,
        )
    for case in ["small_invalid", "large_invalid"]:
        for ours in ["validate_envelope(bytes)", "validate_envelope(dict)"]:
            add(
                f"Python {ours}, all issues, faster than Pydantic validate_json",
                case,
                ratio(cases[case], "pydantic validate_json", ours),
                1,
            )
    for case in ["small_valid", "large_valid", "small_invalid", "large_invalid"]:
        t = node["cases"][case]["timings"]
        ajv = "ajv allErrors(JSON.parse)" if "invalid" in case else "ajv(JSON.parse)"
        add(f"Node ≥ 1.5x {ajv}", case, t[ajv]["ratio_to_ours"], 1.5)
        add(
            "Node ≥ 2x zod 4",
            case,
            t["zod 4 safeParse(JSON.parse)"]["ratio_to_ours"],
            2,
        )
    for size in ["small", "large"]:
        for ours, goal in [
            ("validate_envelope(bytes)", 2.5),
            ("validate_envelope(dict)", 3),
        ]:
            inv = cases[f"{size}_invalid"]["timings"][ours]["ns"]
            val = cases[f"{size}_valid"]["timings"][ours]["ns"]
            add(
                f"Python {ours}: invalid (all issues) ≤ {goal:g}x valid",
                size,
                inv / val,
                goal,
                higher=False,
            )
        add(
            "Python validate_envelope(bytes), all issues, faster than Pydantic strict validate_json",
            f"{size}_invalid",
            ratio(
                cases[f"{size}_invalid"],
                "pydantic validate_json(strict)",
                "validate_envelope(bytes)",
            ),
            1,
        )
    for size in ["small", "large"]:
        ours = "validateEnvelope(string)"
        inv = node["cases"][f"{size}_invalid"]["timings"][ours]["ns"]
        val = node["cases"][f"{size}_valid"]["timings"][ours]["ns"]
        add("Node invalid (all errors) ≤ 2x valid", size, inv / val, 2, higher=False)
    if core is not None:
        groups = core["groups"]
        for size in ["small", "large"]:
            valid = groups[f"{size}_valid"]
            add(
                "Rust core is_valid_envelope ≤ 1.6x serde IgnoredAny over the same bytes",
                f"{size}_valid",
                valid["is_valid_envelope"]["ns"] / valid["floor_ignored_any"]["ns"],
                1.6,
                higher=False,
            )
        for size in ["small", "large"]:
            inv = groups[f"{size}_invalid"]["envelope_issues_all"]["ns"]
            val = groups[f"{size}_valid"]["validate_envelope"]["ns"]
            add(
                "Rust core invalid (all issues) ≤ 2x valid",
                size,
                inv / val,
                2,
                higher=False,
            )
    for name, result in py["hostile"].items():
        if name == "keys":
            continue
        for run, seconds in result["seconds"].items():
            add(
                f"Python {run}, {py['hostile']['keys']:,}-key {name} ≤ 250 ms",
                f"{result['bytes']:,} B",
                seconds,
                0.25,
                higher=False,
                unit="s",
            )
    for case, t in py["threads"].items():
        add(
            "Python 2 threads ≥ 1.7x one thread",
            f"{case} ({t['bytes']} B)",
            t["speedup"],
            1.7,
        )
    return rows


def broadcast_targets(py: dict[str, Any]) -> list[str]:
    """Target rows of the broadcast path: ours ≥ 3.5x the Pydantic-model path from a payload
    dict (issue 25), ≥ 3x from payload JSON (issue 18)."""
    rows = []
    for case, result in py["broadcast_path"].items():
        for form, pydantic, goal in [
            (
                "payload dict",
                "pydantic model_validate + model_dump_json (payload dict)",
                3.5,
            ),
            (
                "payload JSON",
                "pydantic model_validate_json + model_dump_json (payload JSON)",
                3,
            ),
        ]:
            ratio = result["timings"][pydantic]["ratio_to_ours"]
            rows.append(
                f"| Python broadcast path ≥ {goal:g}x Pydantic models ({form}) | {case} | {ratio:.2f}x"
                f" | {'met' if ratio >= goal else '**missed**'} |"
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds of 5 ms (a smoke run)"
    )
    parser.add_argument("--skip-cargo", action="store_true")
    parser.add_argument(
        "--skip-delivery", action="store_true", help="leave out bench/delivery_bench.py"
    )
    parser.add_argument(
        "--only",
        choices=["delivery"],
        help="run one benchmark alone and rewrite only its section of --out",
    )
    parser.add_argument(
        "--delivery-python",
        help="interpreter for bench/delivery_bench.py (default: a venv with the dist/ wheel)",
    )
    parser.add_argument(
        "--delivery-args",
        default="",
        help='options for bench/delivery_bench.py, e.g. "--sockets 100 --rates 50,100"',
    )
    parser.add_argument(
        "--delivery-json",
        type=Path,
        help="with --only delivery: render this earlier result (.cache/bench/delivery.json)"
        " instead of running the benchmark",
    )
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args()
    if args.only == "delivery":
        return delivery_only(args)
    command = "python tools/bench.py " + shlex.join(sys.argv[1:])
    rounds, batch = ("3", "5") if args.quick else ("15", "20")
    WORK.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = load()

    wheel, tarball, stale = artifacts()
    py = python_env(wheel)
    node_dir = node_env(tarball)
    env = {**os.environ, "BENCH_NODE_PROJECT": str(node_dir)}
    envelopes_json = WORK / "envelopes.json"
    sh([str(py), "bench/envelopes.py", str(envelopes_json)], cwd=REPO)

    py_res = json.loads(
        sh(
            [str(py), "bench/python_bench.py", "--rounds", rounds, "--batch-ms", batch],
            cwd=REPO,
        )
    )
    node_res = json.loads(
        sh(
            ["node", "bench/node_bench.mjs", str(envelopes_json), rounds, batch],
            cwd=REPO,
            env=env,
        )
    )
    browser_res = json.loads(
        sh(["node", "bench/browser_bench.mjs", str(envelopes_json)], cwd=REPO, env=env)
    )
    cargo_table = "(skipped: --skip-cargo)"
    cargo_res = None
    if not args.skip_cargo:
        sh(
            ["cargo", "bench", "-q", "-p", "contracts-core", "--bench", "validate"],
            cwd=REPO,
        )
        cargo_table = sh([sys.executable, "tools/bench_ratios.py"], cwd=REPO).strip()
        cargo_res = json.loads(
            sh([sys.executable, "tools/bench_ratios.py", "--json"], cwd=REPO)
        )

    gen, res = WORK / "differential.jsonl", WORK / "differential-results.jsonl"
    sh([str(py), "bench/differential.py", "gen", str(gen)], cwd=REPO)
    sh(["node", "bench/differential.mjs", str(gen), str(res)], cwd=REPO, env=env)
    diff = subprocess.run(
        [str(py), "bench/differential.py", "report", str(res)],
        cwd=REPO,
        text=True,
        stdout=subprocess.PIPE,
        check=False,
    )
    diff_res = json.loads(diff.stdout)
    delivery_res, delivery_error = None, None
    if not args.skip_delivery:
        try:
            delivery_python = (
                Path(args.delivery_python)
                if args.delivery_python
                else delivery_env(wheel)
            )
            delivery_res = run_delivery(
                delivery_python, delivery_args(args), command.strip()
            )
        except (
            subprocess.CalledProcessError,
            OSError,
            ValueError,
            RuntimeError,
        ) as err:
            delivery_error = (
                f"bench/delivery_bench.py failed ({err}); see its output above"
            )
            print(delivery_error, file=sys.stderr)
    load_after = load()
    (WORK / "results.json").write_text(
        json.dumps(
            {
                "python": py_res,
                "node": node_res,
                "browser": browser_res,
                "differential": diff_res,
                "delivery": delivery_res,
            },
            indent=1,
        )
    )

    m = machine()
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{command.strip()}` (`make bench`) on {started:%Y-%m-%d %H:%M} UTC.",
        "Regenerate with the same command; only the part above the marker line is rewritten.",
        "",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['os']}",
        f"- load average (1/5/15 min) before: {load_before}, after: {load_after}"
        + (
            " — other builds were running: absolute numbers are noisy, the ratios (interleaved"
            " rounds in one process, median of per-round ratios) much less so"
            if max(load_before[0], load_after[0]) > 0.5
            else ""
        ),
        f"- toolchains: {m['rustc']}, node {m['node']}, CPython {py_res['versions']['python']}",
        "- Python: "
        + ", ".join(f"{k} {v}" for k, v in py_res["versions"].items() if k != "python"),
        "- Node: "
        + ", ".join(f"{k} {v}" for k, v in node_res["versions"].items() if k != "node"),
        f"- artifacts: `{wheel.name}`, `{tarball.name}`"
        + (
            f" (**stale**: older than {', '.join(stale[:3])})"
            if stale
            else " (newer than every core/binding source)"
        ),
        f"- method: {rounds} interleaved rounds (random order, one warm-up round discarded) of ~{batch} ms"
        " batches per candidate; each cell is the median time per call and, in parentheses, the median"
        " of the per-round ratios candidate / ours (> 1x: ours is faster)",
        "",
        "Envelopes (bench/envelopes.py, built like crates/contracts-core/benches/validate.rs):"
        " small = `valid-typing-indicator`, large = `valid-session-summary-ready` with 12 action"
        " items; invalid = the same with wrong types, bad UUID / enum values / dates / timestamp"
        " (all issues collected). Ratios between two candidates are the median of their per-round"
        " ratios. `(dict)` is the envelope as `json.loads` gives it, `(model)` the generated"
        " Pydantic model `envelope_adapter.validate_json` gives; Pydantic's discriminated union is"
        " `envelope_adapter` (`Field(discriminator='type')`), its smart union `TypeAdapter(Union[...])`"
        " of the same classes, as the generated `EventEnvelope` alias is.",
        "",
        "## Targets",
        "",
        *target_rows(py_res, node_res, browser_res, cargo_res),
        *broadcast_targets(py_res),
        *delivery_target(delivery_res),
        "",
        "## Python (`validate_envelope(bytes)` = 1x)",
        "",
        *timing_table(py_res["cases"], "validate_envelope(bytes)"),
        "",
        f"Hostile envelopes: a `MESSAGE_ADDED` whose `map<string, int>` field, or an unknown object"
        f" (consumer mode), holds {py_res['hostile']['keys']:,} keys (best of 3):",
        "",
        "| envelope | bytes | "
        + " | ".join(
            next(v for k, v in py_res["hostile"].items() if k != "keys")["seconds"]
        )
        + " |",
        "|---|---|" + "---|" * 4,
        *[
            f"| {name} | {r['bytes']:,} | "
            + " | ".join(f"{s * 1000:,.1f} ms" for s in r["seconds"].values())
            + " |"
            for name, r in py_res["hostile"].items()
            if name != "keys"
        ],
        "",
        "Pydantic lax `validate_json` verdicts on the benchmark envelopes: "
        + ", ".join(f"{k}: {v}" for k, v in py_res["pydantic_lax_verdicts"].items())
        + ' (lax mode coerces `"yes"` to a bool and types the formats as `str`).',
        "",
        "Threads (`validate_envelope(bytes)` calls/s, one thread vs two at once):",
        "",
        "| envelope | bytes | 1 thread | 2 threads | speedup |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | {t['bytes']} | {t['1_thread_calls_per_s']:,.0f}/s | {t['2_thread_calls_per_s']:,.0f}/s | {t['speedup']:.2f}x |"
            for k, t in py_res["threads"].items()
        ],
        "",
        "msgspec Structs (bench/msgspec_models.py, generated from schemas/ir.json) vs the vectors"
        " (producer mode): "
        + (
            f"{len(py_res['msgspec_vector_diffs'])} differ:"
            if py_res["msgspec_vector_diffs"]
            else "no difference."
        ),
        "",
        *[f"- {d}" for d in py_res["msgspec_vector_diffs"]],
        "",
        "## Python broadcast path (per event: build + validate + layer message)",
        "",
        "bench/broadcast_path.py: `broadcast(layer, group, envelope_json(type, payload))` (the"
        " validated text is the frame) vs the generated event model, `model_validate` (payload"
        " dict) or `model_validate_json` of the payload (payload JSON), then `model_dump_json()`;"
        " each ratio is to ours with the same payload form.",
        "",
        *timing_table(py_res["broadcast_path"], "ours (payload dict)"),
        "",
        "## Node (`validateEnvelope(string)` = 1x)",
        "",
        *timing_table(node_res["cases"], "validateEnvelope(string)"),
        "",
        "zod 4 / valibot schemas (bench/node_models.mjs, generated from schemas/ir.json) and ajv"
        " (shipped schema) vs the vectors (producer mode):",
        "",
        *[f"- {lib}: {d}" for lib, ds in node_res["vector_diffs"].items() for d in ds],
        "",
        "## The portable build in Node (`portable validateEnvelope(object)` = 1x)",
        "",
        "The generated JavaScript validator (`./validate/portable`, what browsers get) next to"
        " the schema libraries a frontend would pick, on already parsed objects and on JSON text"
        " (`JSON.parse` + validate), interleaved in the same rounds as the table above.",
        "",
        *timing_table(
            node_res["cases"],
            "portable validateEnvelope(object)",
            ratio="ratio_to_portable",
            only=[
                "portable validateEnvelope(object)",
                "portable isValidEnvelope(object)",
                "zod 4 safeParse(object)",
                "zod 4 safeParse(object), all issues",
                "valibot safeParse(object)",
                "TypeBox compiled Check(object)",
                "TypeBox compiled Errors(object), all",
                "ajv(object)",
                "native envelopeIssues(JSON.stringify(object))",
                "portable validateEnvelope(string)",
                "validateEnvelope(string)",
                "zod 4 safeParse(JSON.parse)",
                "valibot safeParse(JSON.parse)",
                "TypeBox compiled Check(JSON.parse)",
                "ajv(JSON.parse)",
                "JSON.parse alone",
            ],
        ),
        "",
        "## The portable build in the browser (`node bench/browser_bench.mjs`)",
        "",
        "| what | measured |",
        "|---|---|",
        f"| `./validate` bundled for the browser (esbuild, every export, minified) |"
        f" {browser_res['bundle']['validate']['minified_bytes']:,} B,"
        f" **{browser_res['bundle']['validate']['gzip_bytes']:,} B gzip -9** |",
        f"| the example frontend (examples/frontend, minified) |"
        f" {browser_res['bundle']['example_app']['minified_bytes']:,} B,"
        f" {browser_res['bundle']['example_app']['gzip_bytes']:,} B gzip -9 |",
        f"| headless Chromium: one pass over the {browser_res['chromium']['vectors']} vectors"
        " (text and object input), median of 30 |"
        f" {browser_res['chromium']['corpus_ms_median']:.2f} ms |",
        f"| headless Chromium: `validateEnvelope` of the large envelope"
        f" ({browser_res['chromium']['large_bytes']} B) as JSON text |"
        f" {browser_res['chromium']['large_string_per_s']:,.0f} envelopes/s |",
        "| headless Chromium: the same, already parsed |"
        f" {browser_res['chromium']['large_object_per_s']:,.0f} envelopes/s |",
        "",
        f"Browser: {browser_res['chromium']['user_agent']}.",
        "",
        "## Rust (criterion, `cargo bench -p contracts-core --bench validate`)",
        "",
        cargo_table,
        "",
        "## Three-way differential (core vs Pydantic strict vs ajv)",
        "",
        f"{diff_res['envelopes']} envelopes generated from the shipped schema (fixed seed, half"
        f" mutated; {diff_res['valid_per_core']} valid per the core); the Python and Node bindings"
        " must agree on every one. Disagreements by reason:",
        "",
        "| pair | reason | count |",
        "|---|---|---|",
        *[
            f"| {d['pair']} | {d['reason']} | {d['count']} |"
            for d in diff_res["disagreements"]
        ],
        "",
        f"**Unexplained: {diff_res['unexplained']}.**",
        "",
        *(
            delivery_section(delivery_res, command.strip(), delivery_error)
            if delivery_res is not None or delivery_error
            else []
        ),
    ]
    hand = ""
    earlier = args.out.read_text() if args.out.exists() else ""
    if MARKER in earlier:
        hand = earlier.split(MARKER, 1)[1]
    text = "\n".join(lines) + "\n" + MARKER + (hand or "\n")
    kept = existing_delivery(earlier) if args.skip_delivery else None
    if kept is not None:  # --skip-delivery keeps the last measurement
        text = replace_delivery(text, *kept)
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if diff_res["unexplained"] or delivery_error else 0


if __name__ == "__main__":
    sys.exit(main())
