"""The seed corpora `make fuzz` gives the cargo-fuzz targets (tools/fuzz.py)."""

from __future__ import annotations

import json
from pathlib import Path

import fuzz

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_every_target_is_seeded_from_the_vectors_and_the_baml_sources(
    tmp_path: Path,
) -> None:
    counts = fuzz.write_seeds(tmp_path)
    assert set(counts) == set(fuzz.TARGETS)
    vectors = sorted((REPO_ROOT / "testdata" / "vectors").glob("*.json"))
    seeds = {t: sorted((tmp_path / t).iterdir()) for t in fuzz.TARGETS}
    assert all(len(seeds[t]) == counts[t] for t in fuzz.TARGETS)
    # validate: one seed per distinct vector input, led by the mode byte.
    assert 0.9 * len(vectors) <= counts["validate"] <= len(vectors)
    first = {p.read_bytes()[0] for p in seeds["validate"]}
    assert first == {0, 1}, first
    # The placeholders are filled in: no seed carries `{{CONTRACTS_VERSION}}`.
    assert not any(b"{{" in p.read_bytes() for p in seeds["validate"])
    # downgrade: the valid producer vectors, once per target version.
    valid = [
        v
        for v in map(lambda p: json.loads(p.read_text()), vectors)
        if v["mode"] == "producer" and v["expect"]["valid"]
    ]
    assert 0 < counts["downgrade"] <= 2 * len(valid)
    # upgrade: the valid producer vectors, as they are.
    assert 0 < counts["upgrade"] <= len(valid)
    # parse_baml: baml_src and the compiler's snippets, as text.
    baml = [p.read_bytes() for p in seeds["parse_baml"]]
    real = (REPO_ROOT / "baml_src" / "clients.baml").read_bytes()
    assert real in baml
    assert len(baml) >= 50
