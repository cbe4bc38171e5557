"""The benchmark envelopes, built from the vector corpus like crates/contracts-core/benches/validate.rs.

- ``small``: ``valid-typing-indicator.json`` (~300 B);
- ``large``: ``valid-session-summary-ready.json`` with its action items cycled to 12 (~2.5 KB);
- ``*_invalid``: the same with every error class the benches use (wrong type, bad UUID,
  bad enum values, bad dates, bad timestamp), so "all errors" means several issues;
- ``huge``: the large envelope grown to 200 action items (~21 KB) (> 16 KiB, where the Python
  binding releases the GIL).

Serialized compactly in key order (what ``serde_json::to_vec`` writes for the Rust benches).
``python bench/envelopes.py OUT.json`` writes ``{name: text}`` for the Node bench.
"""

from __future__ import annotations

import copy
import itertools
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VECTORS = REPO / "testdata" / "vectors"
SCHEMAS = REPO / "crates" / "contracts-core" / "schemas"


def contracts_version() -> str:
    cargo = (REPO / "Cargo.toml").read_text()
    for line in cargo.splitlines():
        if line.startswith("version = "):
            return line.split('"')[1]
    raise RuntimeError("no workspace version in Cargo.toml")


def vector(name: str, version: str) -> dict[str, Any]:
    text = (VECTORS / name).read_text().replace("{{CONTRACTS_VERSION}}", version)
    case: dict[str, Any] = json.loads(text)
    return case


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _large(version: str, items: int) -> dict[str, Any]:
    envelope = vector("valid-session-summary-ready.json", version)["input"]
    content = envelope["payload"]["content"]
    content["action_items"] = [
        copy.deepcopy(i)
        for i in itertools.islice(itertools.cycle(content["action_items"]), items)
    ]
    return envelope


def _invalidate_large(envelope: dict[str, Any]) -> dict[str, Any]:
    for item in envelope["payload"]["content"]["action_items"][::3]:
        item["owner"] = "NOBODY"
        item["due_date"] = "next week"
    envelope["meta"]["timestamp"] = "yesterday"
    return envelope


def build(version: str | None = None) -> dict[str, bytes]:
    """Every benchmark envelope as JSON bytes, by name."""
    version = version or contracts_version()
    small = vector("valid-typing-indicator.json", version)["input"]
    small_invalid = copy.deepcopy(small)
    small_invalid["payload"]["is_typing"] = "yes"
    small_invalid["payload"]["user_id"] = "not-a-uuid"
    return {
        "small_valid": dumps(small),
        "large_valid": dumps(_large(version, 12)),
        "small_invalid": dumps(small_invalid),
        "large_invalid": dumps(_invalidate_large(_large(version, 12))),
        "huge_valid": dumps(_large(version, 200)),
    }


def vectors(version: str | None = None) -> list[dict[str, Any]]:
    """Every vector, with ``bytes`` = what the runners pass to the validator."""
    version = version or contracts_version()
    out = []
    for path in sorted(VECTORS.glob("*.json")):
        case = vector(path.name, version)
        data = (
            case["input_text"].encode()
            if "input_text" in case
            else dumps(case["input"])
        )
        out.append({"file": path.name, **case, "bytes": data})
    return out


if __name__ == "__main__":
    cases = {k: v.decode() for k, v in build().items()}
    Path(sys.argv[1]).write_text(json.dumps(cases, indent=1, ensure_ascii=False))
