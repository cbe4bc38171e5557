"""Where does releasing the GIL during validation pay? (1 vs 2 threads, several sizes.)

Run it against an installed wheel::

    python packages/python/bench/gil_threshold.py [--seconds 1.0]

It validates TRANSCRIPT_SEGMENT_ADDED envelopes of growing size (more ``words``)
and prints, for each size, the validations per second of one thread and of two
threads validating at once, then ("mixed") one thread validating while another
runs a pure-Python loop: validations/s and Python loop iterations/s. With the GIL released, two threads on two cores
approach twice the throughput of one; with it held, they cannot beat one.

To find the threshold, build the wheel twice with ``RELEASE_GIL_BYTES`` in
crates/py-binding/src/lib.rs set to ``0`` (always release) and ``usize::MAX``
(never release), run this script against each, and pick the smallest size from
which "always" is at least as fast as "never" with one thread and faster with two.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

from coach_app_baml_client import CONTRACTS_VERSION, _native

SIZES = [0, 1024, 2048, 4096, 8192, 16384, 65536, 262144]


def envelope(target_bytes: int) -> bytes:
    """A valid producer envelope of about ``target_bytes`` bytes (the smallest: 474)."""
    words: list[dict[str, Any]] = []
    doc: dict[str, Any] = {
        "type": "TRANSCRIPT_SEGMENT_ADDED",
        "contracts_version": CONTRACTS_VERSION,
        "payload": {
            "id": "0192f0c1-7a52-7cc3-8d1e-00000000000e",
            "session_id": "0192f0c1-7a52-7cc3-8d1e-000000000004",
            "sequence": 0,
            "speaker": "COACH",
            "speaker_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
            "text": "Welcome back.",
            "start_ms": 0,
            "end_ms": 1200,
            "confidence": 0.93,
            "is_final": True,
            "words": words,
        },
        "meta": {
            "event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
            "timestamp": "2026-11-25T10:00:00Z",
        },
    }
    data = json.dumps(doc).encode()
    i = 0
    while len(data) < target_bytes:
        words.append({"word": f"w{i}", "start_ms": i * 10, "end_ms": i * 10 + 9})
        i += 1
        if i % 8 == 0 or len(data) + 48 >= target_bytes:
            data = json.dumps(doc).encode()
    return data


def run_for(
    pool: list[threading.Thread], start: threading.Barrier, stop: threading.Event, seconds: float
) -> float:
    """Starts ``pool``, lets its threads run ``seconds`` from when they all pass ``start``, then
    sets ``stop`` and joins them: the seconds they ran, to divide their counts by."""
    for t in pool:
        t.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in pool:
        t.join()
    return time.perf_counter() - began


def rate(data: bytes, threads: int, seconds: float) -> float:
    """Validations per second, all threads together."""
    _native.validate_envelope(data)  # warm up and check it is valid
    counts = [0] * threads
    stop = threading.Event()
    start = threading.Barrier(threads + 1)

    def work(slot: int) -> None:
        validate = _native.is_valid_envelope
        start.wait()
        n = 0
        while not stop.is_set():
            for _ in range(16):
                validate(data)
            n += 16
        counts[slot] = n

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    elapsed = run_for(pool, start, stop, seconds)  # before sum(): the threads write counts last
    return sum(counts) / elapsed


def mixed(data: bytes, seconds: float) -> tuple[float, float]:
    """One thread validating, one running pure Python: (validations/s, Python loops/s)."""
    stop = threading.Event()
    start = threading.Barrier(3)
    done = [0, 0]

    def validating() -> None:
        validate = _native.is_valid_envelope
        start.wait()
        n = 0
        while not stop.is_set():
            validate(data)
            n += 1
        done[0] = n

    def python_work() -> None:
        start.wait()
        n = 0
        while not stop.is_set():
            for _ in range(100):
                n += 1
        done[1] = n // 100

    pool = [threading.Thread(target=validating), threading.Thread(target=python_work)]
    elapsed = run_for(pool, start, stop, seconds)
    return done[0] / elapsed, done[1] / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per measurement")
    parser.add_argument("--repeat", type=int, default=3, help="keep the best of N runs")
    args = parser.parse_args()
    print(
        f"{'bytes':>8} {'1 thread/s':>11} {'2 threads/s':>11} {'2t/1t':>6}"
        f" {'mixed: valid/s':>14} {'python/s':>9}"
    )
    for size in SIZES:
        data = envelope(size)
        one = max(rate(data, 1, args.seconds) for _ in range(args.repeat))
        two = max(rate(data, 2, args.seconds) for _ in range(args.repeat))
        valid, python = max(mixed(data, args.seconds) for _ in range(args.repeat))
        print(
            f"{len(data):>8} {one:>11.0f} {two:>11.0f} {two / one:>6.2f}"
            f" {valid:>14.0f} {python:>9.0f}"
        )


if __name__ == "__main__":
    main()
