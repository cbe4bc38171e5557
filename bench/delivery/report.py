"""What one step of the delivery benchmark measured, and the tables of a whole run.

Pure Python (no third-party import): ``bench/delivery_bench.py`` uses :func:`evaluate` per
step, and ``tools/bench.py`` renders BENCHMARKS.md's Delivery section with
:func:`markdown` from the JSON result.

>>> percentile([0.010, 0.020, 0.030], 50)
0.02
>>> sockets = {0: 0, 1: 0, 2: 1}          # socket -> session index
>>> events = [["e1", 0, 1.0, 1.0, 1.001], ["e2", 1, 1.1, 1.1, 1.101]]
>>> frames = {"e1": [[0, 1.004], [1, 1.006]], "e2": [[2, 1.3]]}
>>> step = evaluate(events, frames, sockets, open_sockets=[0, 1, 2], duration=1.0,
...                 limit_ms=100.0)
>>> step["expected"], step["received"], step["lost"], step["p50_ms"], step["p99_ms"]
(3, 3, 0, 6.0, 196.12)
>>> step["passed"], step["why"]
(False, ['p99 196 ms ≥ 100 ms'])
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

__all__ = ["evaluate", "markdown", "percentile"]

NOISE_CORES = 0.2  # `others` above this in a step: the machine was not quiet
PROCESS_ORDER = [
    "worker-1",
    "worker-2",
    "redis",
    "producer",
    "client",
    "machine",
    "others",
]


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values`` (linear interpolation; NaN when empty)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def evaluate(
    events: list[list[Any]],
    frames: dict[str, list[list[float]]],
    socket_session: dict[int, int],
    open_sockets: list[int],
    duration: float,
    limit_ms: float,
    producer_errors: int = 0,
    socket_worker: dict[int, int] | None = None,
) -> dict[str, Any]:
    """Frames expected vs received, latencies and the verdict of one step.

    ``events``: the producer's ``[event_id, session, scheduled, called, returned]``;
    ``frames``: the client's ``{event_id: [[socket, received], ...]}``; a frame is expected
    on every socket of the event's session that was open when the step began. The latency
    of a frame is ``received - called`` (both ``time.monotonic()``); the producer's lag is
    ``called - scheduled``. A step passes with no frame lost, duplicated or misrouted, no
    producer error, p99 latency under ``limit_ms`` and the producer on schedule (lag p99
    under ``limit_ms``: else the rate was not offered). With ``socket_worker`` (socket ->
    worker index), the p99 of each worker's frames is given too (``p99_ms_by_worker``).
    """
    by_session: dict[int, list[int]] = defaultdict(list)
    for sock in open_sockets:
        by_session[socket_session[sock]].append(sock)
    expected = received = duplicated = misrouted = 0
    latencies: list[float] = []
    by_worker: dict[int, list[float]] = defaultdict(list)
    lags: list[float] = []
    known = set()
    for event_id, session, scheduled, called, _returned in events:
        known.add(event_id)
        wanted = by_session.get(session, [])
        expected += len(wanted)
        if not called:
            continue  # the broadcast failed: every frame of it is lost
        lags.append(called - scheduled)
        seen: set[int] = set()
        for sock, at in frames.get(event_id, ()):
            sock = int(sock)
            if socket_session.get(sock) != session:
                misrouted += 1
            elif sock in seen:
                duplicated += 1
            else:
                seen.add(sock)
                latencies.append(at - called)
                if socket_worker is not None:
                    by_worker[socket_worker[sock]].append(at - called)
        received += sum(1 for s in wanted if s in seen)
    stale = sum(len(v) for k, v in frames.items() if k not in known)
    lost = expected - received
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    lag99 = percentile(lags, 99) * 1000
    why = []
    if lost:
        why.append(f"lost {lost:,} frames")
    if duplicated:
        why.append(f"{duplicated:,} duplicates")
    if misrouted:
        why.append(f"{misrouted:,} misrouted")
    if producer_errors:
        why.append(f"{producer_errors:,} broadcasts failed")
    if not p99 < limit_ms:
        why.append(f"p99 {p99:,.0f} ms ≥ {limit_ms:g} ms")
    if not lag99 < limit_ms:
        why.append(f"producer behind schedule (lag p99 {lag99:,.0f} ms)")
    return {
        "events": len(events),
        "expected": expected,
        "received": received,
        "lost": lost,
        "duplicated": duplicated,
        "misrouted": misrouted,
        "stale": stale,
        "frames_per_s": round(expected / duration, 1),
        "p50_ms": _round(p50),
        "p99_ms": _round(p99),
        "max_ms": _round(max(latencies) * 1000 if latencies else math.nan),
        "producer_lag_p99_ms": _round(lag99),
        "p99_ms_by_worker": {
            f"worker-{w + 1}": _round(percentile(v, 99) * 1000)
            for w, v in sorted(by_worker.items())
        },
        "passed": not why,
        "why": why,
    }


def _round(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _cpu(step: dict[str, Any]) -> list[str]:
    cpu = step.get("cpu", {})
    return [f"{cpu[p]:.2f}" if p in cpu else "-" for p in PROCESS_ORDER]


def markdown(result: dict[str, Any]) -> list[str]:
    """The summary table, the verdict and the table of every step, as markdown lines."""
    cfg = result["config"]
    lines = [
        f"{cfg['sockets']} sockets ({cfg['sessions']} sessions x {cfg['per_session']}, half on"
        f" each of {cfg['workers']} daphne processes), one Redis, paced TYPING_INDICATOR"
        f" broadcasts round robin over the sessions for {cfg['duration']:g} s per step; a rate"
        f" passes with 0 frames lost and p99 < {cfg['p99_ms']:g} ms (broadcast() called →"
        " frame received). CPU in cores (CPU s / s) while the producer sent, per process;"
        f" `machine`: the whole machine's busy time, of {result['machine']['cores']} cores;"
        " `others`: the part of it no process of the benchmark used (PostgreSQL, other"
        " programs: a quiet machine shows about 0).",
        "",
        "| path | max rate | frames/s | p50 | p99 | lost | worker-1 | worker-2 | redis |"
        " producer | client | machine | others | next rate tried |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, path in result["paths"].items():
        best = path.get("max")
        fail = path.get("first_failure")
        nxt = (
            f"{fail['rate']:,} ev/s: {'; '.join(fail['why'])}"
            if fail
            else f"none (stopped: {path.get('stopped', '-')})"
        )
        if best is None:
            lines.append(
                f"| {name} | none passed | - | - | - | - |" + " - |" * 7 + f" {nxt} |"
            )
            continue
        lines.append(
            f"| {name} | **{best['rate']:,} events/s** | {best['frames_per_s']:,.0f} |"
            f" {_ms(best['p50_ms'])} | {_ms(best['p99_ms'])} | {best['lost']} | "
            + " | ".join(_cpu(best))
            + f" | {nxt} |"
        )
    ratio = result.get("ratio")
    goal = result.get("goal", 3.0)
    verdict = {"met": "met", "missed": "**missed**"}.get(
        result["verdict"], "inconclusive"
    )
    note = f"; {result['note']}" if result.get("note") else ""
    shown = "-" if ratio is None else f"{ratio:.2f}x"
    lines += [
        "",
        f"**streams / channels_redis max rate: {shown}** (goal ≥ {goal:g}x: {verdict}{note}).",
    ]
    noisy = [
        step["cpu"].get("others", 0.0)
        for path in result["paths"].values()
        for step in path["steps"]
    ]
    if noisy and max(noisy) > NOISE_CORES:
        share = sum(1 for x in noisy if x > NOISE_CORES)
        lines += [
            "",
            f"**Noisy run:** other programs used more than {NOISE_CORES:g} core in {share} of"
            f" {len(noisy)} steps (up to {max(noisy):.2f}, column `others`): both paths had"
            " less than the whole machine, so the absolute rates are low; rerun on a quiet"
            " machine.",
        ]
    lines += [
        "",
        f"Command: `{result['command']}`; load average before {result['load_before']},"
        f" after {result['load_after']}; {result['seconds']:.0f} s in all.",
        "",
        "Every step (rates in events/s; each event reaches "
        f"{cfg['per_session']} sockets; a rate fails after"
        f" {cfg.get('attempts', 1)} failed tries in a row):",
        "",
        "| path | rate | frames/s | lost | p50 | p99 | producer lag p99 | worker-1 | worker-2 |"
        " redis | producer | client | machine | others | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, path in result["paths"].items():
        for step in path["steps"]:
            verdict = "pass" if step["passed"] else "fail: " + "; ".join(step["why"])
            rate = f"{step['rate']:,}"
            if step.get("attempt", 1) > 1:
                rate += f" (try {step['attempt']})"
            lines.append(
                f"| {name} | {rate} | {step['frames_per_s']:,.0f} | {step['lost']:,} |"
                f" {_ms(step['p50_ms'])} | {_ms(step['p99_ms'])} |"
                f" {_ms(step['producer_lag_p99_ms'])} | "
                + " | ".join(_cpu(step))
                + f" | {verdict} |"
            )
    return lines
