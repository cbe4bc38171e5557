"""Three-way differential: contracts-core vs Pydantic (strict) vs ajv, over generated envelopes.

1. ``python bench/differential.py gen OUT.jsonl [--cases 10000] [--seed N]`` (in a venv with the
   wheel): generates envelopes from the shipped schema with a fixed seed, half of them mutated
   (wrong type, missing or unknown field, bad format or enum value, integral float, int above
   i64, another ``contracts_version``, another event's ``type``), and records the verdicts of
   ``is_valid_envelope`` (with the issue codes) and ``envelope_adapter.validate_json(strict=True)``.
2. ``node bench/differential.mjs OUT.jsonl RESULTS.jsonl`` adds the Node binding's
   ``isValidEnvelope`` and ajv (Ajv2020 + ajv-formats, after ``JSON.parse``).
3. ``python bench/differential.py report RESULTS.jsonl`` classifies every disagreement:
   documented exceptions (packages/python/README.md, BENCHMARKS.md) or unexplained; exits 1
   when any is unexplained.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import envelopes

WORDS = ["", "a", "Coach", "é", "\u2603", "~/", "line\nbreak", 'quote"', "0192", "NOPE"]


class Gen:
    def __init__(self, schema: dict[str, Any], version: str, seed: int) -> None:
        self.defs = schema["$defs"]
        self.root = schema
        self.version = version
        self.rng = random.Random(seed)

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.defs[node["$ref"].rsplit("/", 1)[1]]
        return node

    def value(self, node: dict[str, Any], depth: int = 0) -> Any:
        node = self.resolve(node)
        r = self.rng
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return r.choice(node["enum"])
        if "oneOf" in node or "anyOf" in node:
            branches = node.get("oneOf") or node["anyOf"]
            nulls = [b for b in branches if b.get("type") == "null"]
            if nulls and r.random() < 0.3:
                return None
            return self.value(
                r.choice([b for b in branches if b.get("type") != "null"]), depth
            )
        kind = node.get("type")
        if kind == "object":
            out: dict[str, Any] = {}
            required = node.get("required", [])
            for name, sub in node.get("properties", {}).items():
                if name in required or r.random() < 0.5:
                    out[name] = self.value(sub, depth + 1)
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and depth < 6:
                for _ in range(r.randrange(4)):
                    out[r.choice(WORDS) + str(r.randrange(100))] = self.value(
                        extra, depth + 1
                    )
            return out
        if kind == "array":
            return [
                self.value(node["items"], depth + 1)
                for _ in range(r.randrange(4 if depth < 6 else 1))
            ]
        if kind == "string":
            fmt = node.get("format")
            if fmt == "uuid":
                return str(uuid.UUID(int=r.getrandbits(128)))
            if fmt == "date-time":
                frac = r.choice(["", ".5", ".123456"])
                off = r.choice(["Z", "+01:00", "-05:30", "z"])
                sep = r.choice("TTTt")
                return f"{r.randrange(1970, 2100)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}{sep}{r.randrange(24):02d}:{r.randrange(60):02d}:{r.randrange(60):02d}{frac}{off}"
            if fmt == "date":
                return f"{r.randrange(1970, 2100)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}"
            if "pattern" in node:  # contracts_version
                return self.version
            return r.choice(WORDS)
        if kind == "integer":
            return r.choice(
                [0, 1, -1, r.randrange(-(2**31), 2**31), r.randrange(2**53)]
            )
        if kind == "number":
            return r.choice([0, 1, 0.5, round(r.uniform(-1e6, 1e6), 3)])
        if kind == "boolean":
            return r.random() < 0.5
        if kind == "null":
            return None
        raise ValueError(f"unsupported schema node {node}")

    def envelope(self) -> dict[str, Any]:
        return self.value(self.rng.choice(self.root["oneOf"]))

    def mutate(self, env: dict[str, Any]) -> str:
        """Breaks (or, for ``integral_float``, only re-spells) one rule; returns the mutation."""
        r = self.rng
        nodes: list[tuple[Any, Any]] = []  # (container, key)

        def walk(v: Any) -> None:
            if isinstance(v, dict):
                for k, x in v.items():
                    nodes.append((v, k))
                    walk(x)
            elif isinstance(v, list):
                for i, x in enumerate(v):
                    nodes.append((v, i))
                    walk(x)

        walk(env)
        kind = r.choice(
            [
                "wrong_type",
                "missing_field",
                "unknown_field",
                "bad_format",
                "bad_enum",
                "integral_float",
                "int_above_i64",
                "version",
                "other_type",
            ]
        )
        if kind == "wrong_type":
            c, k = r.choice(nodes)
            c[k] = r.choice([123, "x", True, [], {}, 1.5])
        elif kind == "missing_field":
            objs = [c for c, _ in nodes if isinstance(c, dict)] + [env]
            obj = r.choice(objs)
            obj.pop(r.choice(list(obj)))
        elif kind == "unknown_field":
            objs = [c for c, _ in nodes if isinstance(c, dict)] + [env]
            r.choice(objs)["zz_unknown"] = 1
        elif kind in ("bad_format", "bad_enum"):
            strings = [
                (c, k) for c, k in nodes if isinstance(c[k], str) and k != "type"
            ]
            c, k = r.choice(strings)
            c[k] = (
                r.choice(
                    ["not-a-uuid", "2026-02-30T10:00:00Z", "2026-13-01", c[k].upper()]
                )
                if kind == "bad_format"
                else "NOPE"
            )
        elif kind in ("integral_float", "int_above_i64"):
            ints = [(c, k) for c, k in nodes if type(c[k]) is int]
            if not ints:
                return "none"
            c, k = r.choice(ints)
            c[k] = (
                float(c[k]) if kind == "integral_float" else 2**63 + r.randrange(1000)
            )
        elif kind == "version":
            env["contracts_version"] = r.choice(
                ["0.0.9", "1.0.0", self.version + "-beta.1"]
            )
        else:
            env["type"] = r.choice(self.root["oneOf"])["$ref"].rsplit("/", 1)[1]
            env["type"] = self.resolve({"$ref": f"#/$defs/{env['type']}"})[
                "properties"
            ]["type"]["const"]
        return kind


def gen(out: Path, cases: int, seed: int) -> None:
    import pydantic

    from coach_app_baml_client import CONTRACTS_VERSION, envelope_issues
    from coach_app_baml_client.envelopes import envelope_adapter

    schema = json.loads((envelopes.SCHEMAS / "envelope.schema.json").read_text())
    g = Gen(schema, CONTRACTS_VERSION, seed)
    with out.open("w") as f:
        for i in range(cases):
            env = g.envelope()
            mutation = g.mutate(env) if i % 2 else "none"
            text = json.dumps(env, ensure_ascii=False)
            codes = sorted({issue.code for issue in envelope_issues(text)})
            try:
                envelope_adapter.validate_json(text, strict=True)
                pyd = True
            except pydantic.ValidationError:
                pyd = False
            row = {"i": i, "mutation": mutation, "text": text, "core_py": not codes}
            f.write(json.dumps({**row, "codes": codes, "pydantic_strict": pyd}) + "\n")


PYDANTIC_DOCUMENTED = {
    "invalid_uuid": "formats: the models type Uuid/Timestamp/IsoDate as str (README)",
    "invalid_timestamp": "formats: the models type Uuid/Timestamp/IsoDate as str (README)",
    "invalid_date": "formats: the models type Uuid/Timestamp/IsoDate as str (README)",
    "unknown_field": "unknown fields: the models use extra='ignore' (README)",
    "unsupported_version": "contracts_version: the models type it as str (NOT yet in the README table)",
}


def classify(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(pair, reason) for every disagreement of this row; reason starts with 'UNEXPLAINED'."""
    out = []
    core, codes, m = row["core_py"], set(row["codes"]), row["mutation"]
    if row["core_node"] != core:
        out.append(("python vs node binding", "UNEXPLAINED: the two bindings disagree"))
    if row["ajv"] != core:
        if not core and row["ajv"] and codes == {"unsupported_version"}:
            out.append(
                (
                    "core vs ajv",
                    "contracts_version: the schema has a SemVer pattern only",
                )
            )
        elif (
            not core and row["ajv"] and m == "int_above_i64" and codes == {"wrong_type"}
        ):
            out.append(
                ("core vs ajv", "int above i64: JSON.parse turns it into a double")
            )
        else:
            out.append(("core vs ajv", f"UNEXPLAINED ({m}, {sorted(codes)})"))
    if row["pydantic_strict"] != core:
        if not core and row["pydantic_strict"] and codes <= set(PYDANTIC_DOCUMENTED):
            reasons = sorted({PYDANTIC_DOCUMENTED[c] for c in codes})
            out.append(("core vs pydantic", "; ".join(reasons)))
        elif not core and row["pydantic_strict"] and m == "int_above_i64":
            out.append(
                (
                    "core vs pydantic",
                    "int above i64: Python ints are unbounded (README)",
                )
            )
        elif core and not row["pydantic_strict"] and m == "integral_float":
            out.append(
                (
                    "core vs pydantic",
                    "integral float for an int: strict mode rejects (README)",
                )
            )
        else:
            out.append(("core vs pydantic", f"UNEXPLAINED ({m}, {sorted(codes)})"))
    return out


def report(results: Path) -> int:
    rows = [json.loads(line) for line in results.read_text().splitlines() if line]
    reasons: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], str] = {}
    for row in rows:
        for key in classify(row):
            reasons[key] += 1
            examples.setdefault(key, row["text"][:300])
    unexplained = sum(
        n for (_, why), n in reasons.items() if why.startswith("UNEXPLAINED")
    )
    summary = {
        "envelopes": len(rows),
        "valid_per_core": sum(r["core_py"] for r in rows),
        "mutations": Counter(r["mutation"] for r in rows),
        "disagreements": [
            {"pair": pair, "reason": why, "count": n, "example": examples[(pair, why)]}
            for (pair, why), n in sorted(reasons.items())
        ],
        "unexplained": unexplained,
    }
    print(json.dumps(summary, indent=1, ensure_ascii=False))
    return 1 if unexplained else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("out", type=Path)
    g.add_argument("--cases", type=int, default=10_000)
    g.add_argument("--seed", type=int, default=20261125)
    r = sub.add_parser("report")
    r.add_argument("results", type=Path)
    args = parser.parse_args()
    if args.cmd == "gen":
        gen(args.out, args.cases, args.seed)
        return 0
    return report(args.results)


if __name__ == "__main__":
    sys.exit(main())
