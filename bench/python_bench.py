"""Python benchmarks of the installed wheel next to its baselines, interleaved in one process.

Run by ``tools/bench.py`` in its venv (the wheel plus pinned baselines); prints one JSON
document: the correctness checks of every baseline on the vectors, and per envelope the
median time per call of every candidate plus the median of the per-round ratios
(candidate / ours in the same round, so machine noise hits both alike).

    python bench/python_bench.py [--rounds 15] [--batch-ms 20]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from importlib.metadata import version as dist_version
from typing import Any, Union

import broadcast_path
import envelopes
import fastjsonschema
import jsonschema_rs
import msgspec
import msgspec_models
import pydantic

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EnvelopeValidationError,
    envelope_issues,
    is_valid_envelope,
    validate_envelope,
)
from coach_app_baml_client.envelopes import ENVELOPE_CLASSES, envelope_adapter

# The generated `EventEnvelope` alias is a plain Union: Pydantic's smart mode, which
# tries the members in turn, where `envelope_adapter` is discriminated by `type`.
smart_adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(Union[ENVELOPE_CLASSES])  # noqa: UP007

Candidate = Callable[[], object]


def calls_per_batch(fn: Candidate, batch_s: float) -> int:
    n, elapsed = 1, 0.0
    while elapsed < batch_s / 4:
        n *= 2
        start = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - start
    return max(1, int(n * batch_s / elapsed))


def interleaved(
    candidates: dict[str, Candidate], reference: str, rounds: int, batch_s: float
) -> dict[str, dict[str, float]]:
    """Median ns/call of every candidate, the median per-round ratio to ``reference``, and
    each round's ns/call (so any two candidates compare round by round)."""
    sizes = {name: calls_per_batch(fn, batch_s) for name, fn in candidates.items()}
    per_round: dict[str, list[float]] = {name: [] for name in candidates}
    order = list(candidates)
    rng = random.Random(1125)
    for r in range(-1, rounds):  # round -1: warm-up, not recorded
        rng.shuffle(order)
        for name in order:
            fn, n = candidates[name], sizes[name]
            start = time.perf_counter_ns()
            for _ in range(n):
                fn()
            if r >= 0:
                per_round[name].append((time.perf_counter_ns() - start) / n)
    ref = per_round[reference]
    return {
        name: {
            "ns": statistics.median(times),
            "ratio_to_ours": statistics.median(t / r for t, r in zip(times, ref)),
            "spread": (max(times) - min(times)) / statistics.median(times),
            "rounds": times,
        }
        for name, times in per_round.items()
    }


def raising(fn: Callable[[], object], *errors: type[BaseException]) -> Candidate:
    def call() -> object:
        try:
            return fn()
        except errors as e:
            return e

    return call


def threads_ratio(
    data: bytes, seconds: float, fn: Callable[[bytes], object]
) -> dict[str, float]:
    """Calls/s of ``fn(data)`` in one thread, then in two at once."""

    def run(stop: float, counts: list[int], i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            for _ in range(20):
                fn(data)
            n += 20
        counts[i] = n

    out = {}
    for threads in (1, 2):
        counts = [0] * threads
        stop = time.perf_counter() + seconds
        workers = [
            threading.Thread(target=run, args=(stop, counts, i)) for i in range(threads)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        out[f"{threads}_thread_calls_per_s"] = sum(counts) / seconds
    out["speedup"] = out["2_thread_calls_per_s"] / out["1_thread_calls_per_s"]
    return out


def hostile(version: str, keys: int) -> dict[str, Any]:
    """Seconds (best of 3) for an envelope with a `keys`-key map field or unknown object."""
    base = json.loads(
        (envelopes.VECTORS / "valid-message-added-text.json")
        .read_text()
        .replace("{{CONTRACTS_VERSION}}", version)
    )["input"]
    out: dict[str, Any] = {"keys": keys}
    for name, field, mode in [
        ("map<string, int> field", "reactions", "producer"),
        ("unknown object (consumer)", "added_later", "consumer"),
    ]:
        envelope = json.loads(json.dumps(base))
        envelope["payload"][field] = {f"key{i}": i for i in range(keys)}
        data = json.dumps(envelope).encode()
        runs: dict[str, Candidate] = {
            "is_valid_envelope(bytes)": lambda: is_valid_envelope(data, mode=mode),  # type: ignore[arg-type]
            "validate_envelope(bytes)": lambda: validate_envelope(data, mode=mode),  # type: ignore[arg-type]
            "envelope_issues(bytes)": lambda: envelope_issues(data, mode=mode),  # type: ignore[arg-type]
            "validate_envelope(dict)": lambda: validate_envelope(envelope, mode=mode),  # type: ignore[arg-type]
        }
        timings = {}
        for label, fn in runs.items():
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - start)
            timings[label] = best
        out[name] = {"bytes": len(data), "seconds": timings}
    return out


def broadcast_path_results(
    cases: dict[str, bytes], rounds: int, batch_s: float
) -> dict[str, Any]:
    """The broadcast path per event (bench/broadcast_path.py): ours vs Pydantic, per payload form."""
    out: dict[str, Any] = {}
    for name in ["small_valid", "large_valid"]:
        paths = broadcast_path.candidates(cases[name])
        timings: dict[str, dict[str, float]] = {}
        for form in ["payload dict", "payload JSON"]:
            pair = {k: fn for k, fn in paths.items() if k.endswith(f"({form})")}
            timings.update(interleaved(pair, f"ours ({form})", rounds, batch_s))
        out[name] = {"bytes": len(cases[name]), "issues": 0, "timings": timings}
        print(f"broadcast path {name}: done", file=sys.stderr)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch-ms", type=float, default=20)
    parser.add_argument("--thread-seconds", type=float, default=3)
    args = parser.parse_args()
    batch_s = args.batch_ms / 1000

    schema = json.loads((envelopes.SCHEMAS / "envelope.schema.json").read_text())
    rs = jsonschema_rs.validator_for(schema, validate_formats=True)
    fjs = fastjsonschema.compile(schema)
    decoder = msgspec_models.decoder(envelopes.SCHEMAS / "ir.json", CONTRACTS_VERSION)
    cases = envelopes.build(CONTRACTS_VERSION)
    vectors = envelopes.vectors(CONTRACTS_VERSION)

    # Every baseline must give the expected verdict on the benchmark envelopes.
    for name, data in cases.items():
        valid = "invalid" not in name
        assert is_valid_envelope(data) is valid, name
        assert rs.is_valid(json.loads(data)) is valid, name
        try:
            decoder.decode(data)
            assert valid, f"msgspec accepts {name}"
        except msgspec.ValidationError:
            assert not valid, f"msgspec rejects {name}"
        try:
            envelope_adapter.validate_json(data, strict=True)
            assert valid, f"pydantic (strict) accepts {name}"
        except pydantic.ValidationError:
            assert not valid, f"pydantic (strict) rejects {name}"
        assert is_valid_envelope(json.loads(data)) is valid, f"{name} as a dict"
        if valid:
            assert is_valid_envelope(envelope_adapter.validate_json(data)) is valid, (
                f"{name} as a model"
            )

    lax_verdicts = {}
    for name, data in cases.items():
        try:
            envelope_adapter.validate_json(data)
            lax_verdicts[name] = "accepted"
        except pydantic.ValidationError as e:
            lax_verdicts[name] = f"rejected ({e.error_count()} errors)"
    results: dict[str, Any] = {
        "pydantic_lax_verdicts": lax_verdicts,
        "versions": {
            "python": platform.python_version(),
            **{
                d: dist_version(d)
                for d in [
                    "coach-app-baml-client",
                    "pydantic",
                    "pydantic-core",
                    "msgspec",
                    "jsonschema-rs",
                    "fastjsonschema",
                ]
            },
        },
        "msgspec_vector_diffs": msgspec_models.check_vectors(decoder, vectors),
        "cases": {},
    }
    invalid_errors = (EnvelopeValidationError,)
    for name in ["small_valid", "large_valid", "small_invalid", "large_invalid"]:
        data = cases[name]
        as_dict = json.loads(data)
        model = None if "invalid" in name else envelope_adapter.validate_json(data)
        candidates: dict[str, Candidate] = {
            "validate_envelope(bytes)": raising(
                lambda: validate_envelope(data), *invalid_errors
            ),
            "is_valid_envelope(bytes)": lambda: is_valid_envelope(data),
            "validate_envelope(dict)": raising(
                lambda: validate_envelope(as_dict), *invalid_errors
            ),
            "pydantic validate_json": raising(
                lambda: envelope_adapter.validate_json(data), pydantic.ValidationError
            ),
            "pydantic validate_json(strict)": raising(
                lambda: envelope_adapter.validate_json(data, strict=True),
                pydantic.ValidationError,
            ),
            "pydantic validate_python(dict)": raising(
                lambda: envelope_adapter.validate_python(as_dict),
                pydantic.ValidationError,
            ),
            "pydantic validate_json(smart union)": raising(
                lambda: smart_adapter.validate_json(data), pydantic.ValidationError
            ),
            "pydantic validate_python(dict, smart union)": raising(
                lambda: smart_adapter.validate_python(as_dict), pydantic.ValidationError
            ),
            "msgspec decode": raising(
                lambda: decoder.decode(data), msgspec.ValidationError
            ),
            "jsonschema_rs is_valid(json.loads)": lambda: rs.is_valid(json.loads(data)),
            "jsonschema_rs is_valid(dict)": lambda: rs.is_valid(as_dict),
            "fastjsonschema(json.loads)": raising(
                lambda: fjs(json.loads(data)), fastjsonschema.JsonSchemaValueException
            ),
        }
        if model is not None:
            candidates["validate_envelope(model)"] = lambda: validate_envelope(model)
            candidates["model.model_dump_json() + validate_envelope"] = (
                lambda: validate_envelope(model.model_dump_json())
            )
        if "invalid" in name:
            candidates["envelope_issues(bytes)"] = lambda: envelope_issues(data)
            candidates["envelope_issues(dict)"] = lambda: envelope_issues(as_dict)
            candidates["jsonschema_rs all errors(json.loads)"] = lambda: list(
                rs.iter_errors(json.loads(data))
            )
            n_issues = len(envelope_issues(data))
        else:
            n_issues = 0
        timings = interleaved(
            candidates, "validate_envelope(bytes)", args.rounds, batch_s
        )
        results["cases"][name] = {
            "bytes": len(data),
            "issues": n_issues,
            "timings": timings,
        }
        print(f"{name}: done", file=sys.stderr)

    results["hostile"] = hostile(CONTRACTS_VERSION, 100_000)
    print("hostile: done", file=sys.stderr)

    results["broadcast_path"] = broadcast_path_results(cases, args.rounds, batch_s)
    results["threads"] = {
        name: {
            "bytes": len(cases[name]),
            **threads_ratio(cases[name], args.thread_seconds, validate_envelope),
        }
        for name in ["large_valid", "huge_valid"]
    }
    # Control: hashlib releases the GIL above 2 KiB, so this is what two threads can
    # gain on this machine right now (other processes compete for the cores).
    control = b"x" * 21_000
    results["threads"]["control: hashlib.sha256 (GIL released)"] = {
        "bytes": len(control),
        **threads_ratio(control, args.thread_seconds, hashlib.sha256),
    }
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
