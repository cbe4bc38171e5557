"""Run the cargo-fuzz targets in fuzz/ for a fixed time each; print a summary.

    python tools/fuzz.py [--seconds N] [--targets a,b] [--report FILE]

Installs cargo-fuzz (`cargo install cargo-fuzz --locked`) when `cargo fuzz`
is missing, writes seed corpora into fuzz/seeds/<target>/ from
testdata/vectors/ (validate, downgrade, upgrade) and the BAML sources: baml_src/, the
compiler's snippet corpus and testdata/evolution/ (parse_baml), then runs each
target with the nightly toolchain for N seconds. New inputs go to
fuzz/corpus/<target>/ and crashes to fuzz/artifacts/<target>/ (both
gitignored). The summary has, per target, the executions, the coverage
(libFuzzer's `cov` edges and `ft` features), the corpus size and the crashes;
`--report FILE` also writes it as a Markdown table. Exits 1 when a target
crashed (libFuzzer prints the reproducer command).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
TARGETS = ["validate", "parse_baml", "downgrade", "upgrade"]
CARGO_FUZZ_VERSION = "0.13.1"


@dataclass
class Result:
    target: str
    seconds: int
    executions: int
    coverage: int
    features: int
    corpus: int
    crashes: int
    seeds: int

    def row(self) -> str:
        rate = self.executions // max(self.seconds, 1)
        return (
            f"| `{self.target}` | {self.seconds} s | {self.executions:,} ({rate:,}/s) | "
            f"{self.coverage:,} | {self.features:,} | {self.seeds:,} → {self.corpus:,} | {self.crashes} |"
        )


def version_placeholders() -> dict[str, str]:
    text = (ROOT / "Cargo.toml").read_text()
    m = re.search(
        r'\[workspace\.package\][^\[]*?version\s*=\s*"(\d+)\.(\d+)\.(\d+)', text, re.S
    )
    if not m:
        sys.exit("tools/fuzz.py: no [workspace.package] version in Cargo.toml")
    major, minor, patch = (int(g) for g in m.groups())
    return {
        "{{CONTRACTS_VERSION}}": f"{major}.{minor}.{patch}",
        "{{NEXT_MINOR}}": f"{major}.{minor + 1}.0",
        "{{NEXT_MAJOR}}": f"{major + 1}.0.0",
        "{{MAJOR}}": str(major),
    }


def vector_inputs() -> list[tuple[dict, bytes]]:
    """(vector, input bytes) for every vector, placeholders filled in."""
    out = []
    placeholders = version_placeholders()
    for path in sorted((ROOT / "testdata" / "vectors").glob("*.json")):
        vector = json.loads(path.read_text())
        text = vector.get("input_text")
        if text is None:
            text = json.dumps(vector["input"])
        for key, value in placeholders.items():
            text = text.replace(key, value)
        out.append((vector, text.encode()))
    return out


def write_seeds(dest: Path = FUZZ / "seeds") -> dict[str, int]:
    """Writes ``dest/<target>/``; returns how many seeds each got."""
    seeds: dict[str, list[bytes]] = {t: [] for t in TARGETS}
    for vector, data in vector_inputs():
        # validate: the first byte's low bit is the mode (0 producer, 1 consumer).
        mode = 1 if vector.get("mode") == "consumer" else 0
        seeds["validate"].append(bytes([mode]) + data)
        if vector.get("mode") == "producer" and vector["expect"]["valid"]:
            # downgrade: the low bit picks the current (0) or the older (1) version.
            seeds["downgrade"] += [b"\x00" + data, b"\x01" + data]
            # upgrade: the envelope as it is (the target downgrades it first too).
            seeds["upgrade"].append(data)
    baml = sorted((ROOT / "baml_src").rglob("*.baml"))
    baml += sorted(
        (ROOT / "crates" / "contracts-compiler" / "tests" / "snippets").rglob("*.baml")
    )
    baml += sorted((ROOT / "testdata" / "evolution").rglob("*.baml"))
    seeds["parse_baml"] = [p.read_bytes() for p in baml]
    counts = {}
    for target, items in seeds.items():
        folder = dest / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        unique = sorted(set(items))
        for i, data in enumerate(unique):
            (folder / f"seed-{i:04d}").write_bytes(data)
        counts[target] = len(unique)
    return counts


def ensure_cargo_fuzz() -> None:
    probe = subprocess.run(
        ["cargo", "+nightly", "fuzz", "--version"], capture_output=True, text=True
    )
    if probe.returncode == 0:
        return
    if (
        subprocess.run(
            ["rustup", "run", "nightly", "rustc", "--version"], capture_output=True
        ).returncode
        != 0
    ):
        sys.exit(
            "tools/fuzz.py: cargo-fuzz needs the nightly toolchain: `rustup toolchain install nightly`"
        )
    print(
        f"installing cargo-fuzz {CARGO_FUZZ_VERSION} (cargo install, once)", flush=True
    )
    subprocess.run(
        ["cargo", "install", "cargo-fuzz", "--locked", "--version", CARGO_FUZZ_VERSION],
        check=True,
    )


STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")


def run(target: str, seconds: int, seeds: int) -> Result:
    corpus = FUZZ / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts = FUZZ / "artifacts" / target
    artifacts.mkdir(parents=True, exist_ok=True)
    before = set(artifacts.iterdir())
    command = [
        "cargo",
        "+nightly",
        "fuzz",
        "run",
        target,
        str(corpus),
        str(FUZZ / "seeds" / target),
        "--",
        f"-max_total_time={seconds}",
        "-print_final_stats=1",
        f"-artifact_prefix={artifacts}/",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-max_len=16384",
    ]
    print(f"== {target}: {seconds} s", flush=True)
    started = time.monotonic()
    proc = subprocess.run(command, cwd=FUZZ, capture_output=True, text=True)
    elapsed = round(time.monotonic() - started)
    log = proc.stderr
    (FUZZ / "artifacts" / f"{target}.log").write_text(log)
    executions = coverage = features = corp = 0
    for line in log.splitlines():
        m = STATUS.match(line)
        if m:
            executions, coverage, features, corp = (int(g) for g in m.groups())
        m = re.match(r"stat::number_of_executed_units:\s+(\d+)", line)
        if m:
            executions = int(m.group(1))
    crashes = len(set(artifacts.iterdir()) - before)
    if proc.returncode != 0 and crashes == 0:
        print(log[-4000:], file=sys.stderr)
        sys.exit(f"tools/fuzz.py: {target} failed to run (exit {proc.returncode})")
    if crashes:
        print(log[-6000:], file=sys.stderr)
    return Result(
        target,
        min(seconds, elapsed),
        executions,
        coverage,
        features,
        corp,
        crashes,
        seeds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        sys.exit(f"tools/fuzz.py: unknown targets {unknown}; known: {TARGETS}")
    ensure_cargo_fuzz()
    counts = write_seeds()
    results = [run(t, args.seconds, counts[t]) for t in targets]
    header = (
        "| target | time | executions | coverage (cov) | features (ft) | corpus (seeds → final) | crashes |\n"
        "|---|---|---|---|---|---|---|"
    )
    table = "\n".join([header, *(r.row() for r in results)])
    print(table)
    if args.report:
        args.report.write_text(table + "\n")
    return 1 if any(r.crashes for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
