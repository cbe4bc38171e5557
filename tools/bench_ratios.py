#!/usr/bin/env python3
"""Print the contracts-core benchmark ratios from criterion's results.

Reads target/criterion/<group>/<benchmark>/<size>/new/estimates.json written by
`cargo bench -p contracts-core --bench validate` (run in the same invocation,
so every ratio compares numbers from one run) and prints a Markdown table.

Usage: python tools/bench_ratios.py [--criterion-dir target/criterion] [--json]

With ``--json``, prints the medians (ns) and input sizes instead, for tools/bench.py.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path

GROUPS = ["small_valid", "large_valid", "small_invalid", "large_invalid"]


def median_ns(group_dir: Path, bench: str) -> tuple[float, int] | None:
    runs = sorted((group_dir / bench).glob("*/new/estimates.json"))
    if not runs:
        return None
    estimates = json.loads(runs[-1].read_text())
    return float(estimates["median"]["point_estimate"]), int(
        runs[-1].parent.parent.name
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--criterion-dir", type=Path, default=Path("target/criterion"))
    parser.add_argument("--json", action="store_true", help="medians as JSON")
    args = parser.parse_args()
    rows = []
    for group in GROUPS:
        found = {
            bench: median_ns(args.criterion_dir / group, bench)
            for bench in [
                "floor_ignored_any",
                "value_jsonschema",
                "is_valid_envelope",
                "validate_envelope",
                "value_issues",
                "envelope_issues_all",
            ]
        }
        if any(
            found[b] is None
            for b in ["floor_ignored_any", "value_jsonschema", "is_valid_envelope"]
        ):
            print(
                f"missing results for {group}: run `make bench-core` first",
                file=sys.stderr,
            )
            return 1
        rows.append((group, {k: v for k, v in found.items() if v is not None}))
    hostile = {
        bench: median_ns(args.criterion_dir / "hostile", bench)
        for bench in ["map_100k_keys", "unknown_object_100k_keys"]
    }
    if args.json:
        print(
            json.dumps(
                {
                    "groups": {
                        g: {k: {"ns": v[0], "bytes": v[1]} for k, v in r.items()}
                        for g, r in rows
                    },
                    "hostile": {
                        k: {"ns": v[0], "bytes": v[1]}
                        for k, v in hostile.items()
                        if v is not None
                    },
                }
            )
        )
        return 0
    print(
        f"contracts-core, {platform.machine()}, {platform.system()}; medians from one criterion run\n"
    )
    print(
        "| envelope | bytes | IgnoredAny floor | Value + jsonschema | is_valid_envelope | validate_envelope | value_issues (Value) | all issues | is_valid / floor | jsonschema / is_valid |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for group, r in rows:
        size = r["floor_ignored_any"][1]
        ns = {k: v[0] for k, v in r.items()}
        fmt = lambda k: f"{ns[k]:,.0f} ns" if k in ns else "-"  # noqa: E731
        print(
            f"| {group} | {size} | {fmt('floor_ignored_any')} | {fmt('value_jsonschema')} | "
            f"{fmt('is_valid_envelope')} | {fmt('validate_envelope')} | {fmt('value_issues')} | "
            f"{fmt('envelope_issues_all')} | {ns['is_valid_envelope'] / ns['floor_ignored_any']:.2f}x | "
            f"{ns['value_jsonschema'] / ns['is_valid_envelope']:.2f}x |"
        )
    found_hostile = [(k, v) for k, v in hostile.items() if v is not None]
    if found_hostile:
        print(
            "\nHostile envelopes (`validate_envelope` then `is_valid_envelope`, 100,000 keys):\n"
        )
        print("| envelope | bytes | time |")
        print("|---|---|---|")
        for name, (ns, size) in found_hostile:
            print(f"| {name} | {size:,} | {ns / 1e6:,.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
