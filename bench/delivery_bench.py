"""Delivery benchmark: the highest paced broadcast rate each channel layer delivers in full.

For each path (``streams``: coach_app_baml_client's ``RedisStreamsChannelLayer``, one Redis
publication per event and one subscription per process and group; ``channels_redis``:
``channels_redis.core.RedisChannelLayer``'s ``group_send``), in the same run:

1. a Redis of its own (tools/services.py ``ManagedRedis``, no persistence), the example
   (examples/django) on ``--workers`` daphne processes with ``COACH_CHANNEL_LAYER`` set,
   sharing one PostgreSQL started, migrated and given one participant login for all
   sessions at the beginning;
2. ``--sockets`` WebSocket clients (``--per-session`` per session, each session's sockets
   spread over the workers) in one client process (bench/delivery/listeners.py, with the
   lean receiver of bench/delivery/rawws.py or, ``--client websockets``, the library);
3. a producer process (bench/delivery/producer.py) that broadcasts TYPING_INDICATOR
   envelopes with ``broadcast()`` through ``get_channel_layer()`` of the example's settings,
   round robin over the sessions, at R events/s for ``--duration`` s; every event reaches
   ``--per-session`` sockets, so frames/s = R x per-session;
4. per rate: frames expected vs received, latency per frame (``broadcast()`` called →
   frame received, ``time.monotonic()`` in both processes), and the cores used by each
   process (/proc) while the producer sent. A rate passes with no frame lost and p99 under
   ``--p99-ms``;
5. the rate doubles from ``--start-rate`` until a rate fails (``--attempts`` failed steps
   in a row: one pause of another program must not end the search), then is bisected
   (geometrically) until the bracket is within ``--precision``, within ``--budget``
   seconds for all paths together. ``--rates`` measures given rates instead.

Prints the JSON result on stdout (or writes it to ``--json``) and a markdown table on
stderr; the verdict compares the two max rates with the goal (streams ≥ 3x channels_redis),
"inconclusive" when a max is only a lower bound that could change it. A benchmark, never a test: ``python tools/bench.py --only delivery`` (``make
bench-delivery``) runs it in the bench environment and writes BENCHMARKS.md's Delivery
section.

    python bench/delivery_bench.py [--sockets 500] [--per-session 10] [--duration 5]
        [--rates 50,100 | --start-rate 100] [--paths streams,channels_redis] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

from delivery import cluster, report
from delivery.cluster import Child, Worker, services
from delivery.procs import CpuMeter

PATHS = ("streams", "channels_redis")
GOAL = 3.0
# Seconds without a new frame after which a step's missing frames count as lost.
DRAIN_IDLE = 1.0
DRAIN_MAX = 5.0
QUIET_MAX = 20.0
STEP_OVERHEAD = 3.0  # seconds a step takes beyond its duration (begin, drain, records)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--paths",
        default=",".join(PATHS),
        help="comma-separated, of: streams, channels_redis",
    )
    p.add_argument("--sockets", type=int, default=500)
    p.add_argument("--per-session", type=int, default=10, help="sockets per session")
    p.add_argument("--workers", type=int, default=2, help="daphne processes")
    p.add_argument(
        "--duration", type=float, default=5.0, help="seconds of broadcasting per rate"
    )
    p.add_argument(
        "--start-rate", type=int, default=100, help="events/s of the first step"
    )
    p.add_argument(
        "--max-rate", type=int, default=50_000, help="events/s never exceeded"
    )
    p.add_argument(
        "--rates", default="", help="comma-separated events/s: measure these, no search"
    )
    p.add_argument(
        "--precision",
        type=float,
        default=1.1,
        help="stop when lowest fail / best pass ≤ this",
    )
    p.add_argument(
        "--client",
        choices=["raw", "websockets"],
        default="raw",
        help="the clients' WebSocket code: bench/delivery/rawws.py or the websockets library",
    )
    p.add_argument("--p99-ms", type=float, default=100.0)
    p.add_argument(
        "--attempts",
        type=int,
        default=2,
        help="steps at a rate before it counts as failed (noise from other programs)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=240.0,
        help="seconds for all paths, setup included",
    )
    p.add_argument(
        "--json", type=Path, help="write the JSON result here instead of stdout"
    )
    p.add_argument(
        "--logs", type=Path, help="keep the processes' logs in this directory"
    )
    args = p.parse_args(argv)
    args.paths = [x.strip() for x in args.paths.split(",") if x.strip()]
    unknown = [x for x in args.paths if x not in PATHS]
    if unknown:
        p.error(f"unknown path(s) {unknown}: choose among {list(PATHS)}")
    if args.sockets % args.per_session:
        p.error(
            f"--sockets ({args.sockets}) must be a multiple of --per-session ({args.per_session})"
        )
    args.rates = [int(r) for r in args.rates.split(",") if r.strip()]
    return args


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


class PathRun:
    """One path's processes: Redis, the workers, the client and the producer."""

    def __init__(self, name: str, args: argparse.Namespace, database_url: str,
                 cookie: str, sessions: list[str], logs: Path) -> None:  # fmt: skip
        self.name = name
        self.args = args
        self.sessions = sessions
        self.stack = contextlib.ExitStack()
        try:
            self._start(database_url, cookie, logs)
        except BaseException:
            self.stack.close()
            raise

    def _start(self, database_url: str, cookie: str, logs: Path) -> None:
        name, args, sessions = self.name, self.args, self.sessions
        self.redis = self.stack.enter_context(services.ManagedRedis(persistent=False))
        env = cluster.example_env(database_url, self.redis.url, name)
        python = sys.executable
        self.workers = [
            Worker("daphne", env, logs / f"{name}-daphne-{i + 1}.log", python=python)
            for i in range(args.workers)
        ]
        for worker in self.workers:
            self.stack.callback(worker.stop)
            worker.start(wait=False)
        for worker in self.workers:
            worker.wait()
        # Socket i: session i % S, worker (i // S) % W: each session's sockets on every worker.
        n_sessions = len(sessions)
        self.socket_session = {i: i % n_sessions for i in range(args.sockets)}
        self.socket_worker = {
            i: (i // n_sessions) % len(self.workers) for i in range(args.sockets)
        }
        sockets = []
        for i in range(args.sockets):
            worker = self.workers[self.socket_worker[i]]
            sockets.append(
                {"url": f"{worker.ws_url}/ws/sessions/{sessions[i % n_sessions]}/",
                 "origin": worker.http_url}
            )  # fmt: skip
        self.client = Child(
            python, "listeners.py", dict(os.environ), logs / f"{name}-client.log"
        )
        self.stack.callback(self.client.stop)
        opened = self.client.ask(
            {
                "cmd": "open",
                "sockets": sockets,
                "cookie": cookie,
                "client": args.client,
            },
            300,
        )
        if opened["open"] != args.sockets:
            raise RuntimeError(
                f"{name}: {opened['open']} of {args.sockets} sockets opened: "
                f"{list(opened['failed'].items())[:3]}"
            )
        self.connect_seconds = opened["seconds"]
        self.producer = Child(
            python,
            "producer.py",
            env,
            logs / f"{name}-producer.log",
            cwd=cluster.EXAMPLE,
        )
        self.stack.callback(self.producer.stop)
        self.layer = self.producer.ask({"cmd": "config", "sessions": sessions})["layer"]
        pids = {f"worker-{i + 1}": w.pid for i, w in enumerate(self.workers)}
        assert self.redis.proc is not None
        pids |= {"redis": self.redis.proc.pid, "producer": self.producer.pid,
                 "client": self.client.pid}  # fmt: skip
        self.meter = CpuMeter(pids)

    def close(self) -> None:
        self.stack.close()

    def step(self, rate: int, duration: float) -> dict[str, Any]:
        """Broadcasts at ``rate`` events/s for ``duration`` s and measures what arrived."""
        reopened = self.client.ask({"cmd": "open"}, 120)
        if reopened["open"] != self.args.sockets:
            log(
                f"  {self.args.sockets - reopened['open']} sockets could not be reopened"
            )
        begun = self.client.ask({"cmd": "begin"})
        open_sockets = begun["open"]
        self.producer.ask({"cmd": "prepare", "rate": rate, "duration": duration})
        before = self.meter.sample()
        self.producer.send({"cmd": "go"})
        sent = self.producer.read(timeout=duration * 10 + 60)
        cpu = self.meter.since(before)
        events = self.producer.read()
        wanted = {s: 0 for s in range(len(self.sessions))}
        for sock in open_sockets:
            wanted[self.socket_session[sock]] += 1
        expected = sum(wanted[e[1]] for e in events["events"] if e[3])
        self._drain(expected)
        ended = self.client.ask({"cmd": "end"})
        result = report.evaluate(
            events["events"],
            ended["frames"],
            self.socket_session,
            open_sockets,
            duration,
            self.args.p99_ms,
            producer_errors=sent["errors"],
            socket_worker=self.socket_worker,
        )
        closed = {int(k): v for k, v in ended["closed"].items()}
        result = {
            "rate": rate,
            **result,
            "send_seconds": sent["seconds"],
            "cpu": cpu,
            "sockets_open": len(open_sockets),
            "sockets_closed": len(closed),
            "close_codes": sorted({str(c) for c in closed.values()}),
            "producer_error": events["error"],
        }
        if closed:
            result["why"].append(
                f"{len(closed)} sockets closed ({', '.join(result['close_codes'])})"
            )
            result["passed"] = False
        dead = [f"worker-{i + 1}" for i, w in enumerate(self.workers) if not w.alive()]
        if dead:
            raise RuntimeError(
                f"{self.name}: {dead} exited; see {self.workers[0].log.parent}"
            )
        if not result["passed"]:
            self._quiet()
        return result

    def _drain(self, expected: int) -> None:
        """Until every expected frame arrived, or none came for DRAIN_IDLE s (DRAIN_MAX s at most)."""
        started = time.monotonic()
        seen, progress = -1, started
        while time.monotonic() - started < DRAIN_MAX:
            count = self.client.ask({"cmd": "count"})["frames"]
            if count >= expected:
                return
            if count != seen:
                seen, progress = count, time.monotonic()
            elif time.monotonic() - progress > DRAIN_IDLE:
                return
            time.sleep(0.1)

    def _quiet(self) -> None:
        """After a failed step: until no frame arrived for DRAIN_IDLE s (a backlog drained)."""
        started = time.monotonic()
        while time.monotonic() - started < QUIET_MAX:
            answer = self.client.ask({"cmd": "count"})
            if answer["now"] - max(answer["last"], started) > DRAIN_IDLE:
                return
            time.sleep(0.2)


def search(path: PathRun, args: argparse.Namespace, deadline: float) -> dict[str, Any]:
    """The steps of one path: the given ``--rates``, or doubling then bisecting.

    A rate fails when ``--attempts`` steps in a row at it fail (a pause of another program
    on this machine can fail one step); it passes when one of them passes.
    """
    steps: list[dict[str, Any]] = []
    outcome: dict[int, bool] = {}
    stopped = "fixed rates" if args.rates else "precision reached"

    def time_left() -> bool:
        return time.monotonic() + args.duration + STEP_OVERHEAD <= deadline

    def run(rate: int) -> None:
        for attempt in range(1, args.attempts + 1):
            if attempt > 1 and not time_left():
                break
            log(
                f"{path.name}: {rate:,} events/s for {args.duration:g} s (try {attempt})"
            )
            step = {**path.step(rate, args.duration), "attempt": attempt}
            steps.append(step)
            verdict = "pass" if step["passed"] else "FAIL " + "; ".join(step["why"])
            log(
                f"  {step['received']:,}/{step['expected']:,} frames, p50 {step['p50_ms']} ms,"
                f" p99 {step['p99_ms']} ms {step['p99_ms_by_worker']}, cpu {step['cpu']}:"
                f" {verdict}"
            )
            outcome[rate] = step["passed"]
            if step["passed"]:
                return

    # Warm-up (not recorded): every socket must get its frames before anything is measured.
    warm = path.step(max(len(path.sessions), 10), 1.0)
    log(f"{path.name}: warm-up {warm['received']:,}/{warm['expected']:,} frames")
    if args.rates:
        for rate in args.rates:
            if not time_left():
                stopped = "time budget"
                break
            run(rate)
    else:
        rate = args.start_rate
        while True:
            if not time_left():
                stopped = "time budget"
                break
            run(rate)
            lo = max((r for r, ok in outcome.items() if ok), default=None)
            hi = min((r for r, ok in outcome.items() if not ok and (lo is None or r > lo)),
                     default=None)  # fmt: skip
            if hi is None:
                rate = rate * 2
                if rate > args.max_rate:
                    stopped = "max rate"
                    break
            elif lo is None:
                rate = rate // 2
                if rate < 1:
                    stopped = "nothing passed"
                    break
            else:
                if hi / lo <= args.precision:
                    break
                rate = round(math.sqrt(lo * hi))
                if rate in (lo, hi):
                    break
    lo = max((r for r, ok in outcome.items() if ok), default=None)
    hi = min((r for r, ok in outcome.items() if not ok and (lo is None or r > lo)),
             default=None)  # fmt: skip
    return {
        "layer": path.layer,
        "connect_seconds": path.connect_seconds,
        "warmup": {k: warm[k] for k in ("expected", "received", "lost", "p99_ms")},
        "max": next((s for s in steps if s["rate"] == lo and s["passed"]), None),
        "first_failure": next((s for s in reversed(steps) if s["rate"] == hi), None),
        "stopped": stopped,
        "steps": steps,
    }


def verdict(paths: dict[str, Any]) -> dict[str, Any]:
    """The ratio of the max rates, and whether it proves the goal met or missed.

    A path's max is exact (within ``--precision``) only when a higher rate failed: else it is
    a lower bound, and the ratio is a lower bound (streams) or an upper bound (channels_redis).
    """
    if not all(paths.get(p, {}).get("max") for p in PATHS):
        return {
            "ratio": None,
            "verdict": "inconclusive",
            "note": "a path was not measured or passed no rate",
        }
    ratio = paths["streams"]["max"]["rate"] / paths["channels_redis"]["max"]["rate"]
    streams_exact = paths["streams"]["first_failure"] is not None
    baseline_exact = paths["channels_redis"]["first_failure"] is not None
    notes = [
        f"{name}'s max is a lower bound (no higher rate failed)"
        for name, exact in [
            ("streams", streams_exact),
            ("channels_redis", baseline_exact),
        ]
        if not exact
    ]
    if ratio >= GOAL:
        outcome = "met" if baseline_exact else "inconclusive"
    else:
        outcome = "missed" if streams_exact else "inconclusive"
    return {"ratio": round(ratio, 3), "verdict": outcome, "note": "; ".join(notes)}


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ["coach-app-baml-client", "Django", "channels", "channels-redis", "daphne",
                 "websockets", "redis", "msgpack"]:  # fmt: skip
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = dist_version(dist)
    redis_server = services.ensure_binaries()[0]
    out["redis-server"] = (
        subprocess.run(
            [redis_server, "--version"], capture_output=True, text=True, check=False
        )
        .stdout.split()[2]
        .removeprefix("v=")
    )
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = "python bench/delivery_bench.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.monotonic()
    load_before = load()
    sessions = [str(uuid.uuid4()) for _ in range(args.sockets // args.per_session)]
    result: dict[str, Any] = {
        "command": command.strip(),
        "started": f"{started_at:%Y-%m-%d %H:%M} UTC",
        "load_before": load_before,
        "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
        "versions": versions(),
        "config": {
            "sockets": args.sockets,
            "sessions": len(sessions),
            "per_session": args.per_session,
            "workers": args.workers,
            "duration": args.duration,
            "p99_ms": args.p99_ms,
            "start_rate": args.start_rate,
            "rates": args.rates,
            "precision": args.precision,
            "attempts": args.attempts,
            "client": args.client,
            "budget": args.budget,
        },
        "paths": {},
        "goal": GOAL,
    }
    with contextlib.ExitStack() as stack:
        logs = args.logs or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="delivery-bench-"))
        )
        logs.mkdir(parents=True, exist_ok=True)
        pg = stack.enter_context(services.postgres_server())
        log(
            f"PostgreSQL on {pg.port}; migrating the example, one login for {len(sessions)} sessions"
        )
        cluster.migrate(sys.executable, pg.url)
        cookie = cluster.login(sys.executable, pg.url, sessions)
        for i, name in enumerate(args.paths):
            # Each path gets an equal share of what is left of the budget.
            left = args.budget - (time.monotonic() - started)
            deadline = time.monotonic() + left / (len(args.paths) - i)
            log(
                f"{name}: starting Redis, {args.workers} daphne workers, {args.sockets} sockets"
            )
            path = PathRun(name, args, pg.url, cookie, sessions, logs)
            try:
                log(
                    f"{name}: {args.sockets} sockets open in {path.connect_seconds:.1f} s ({path.layer})"
                )
                result["paths"][name] = search(path, args, deadline)
            finally:
                path.close()
    result.update(verdict(result["paths"]))
    result["load_after"] = load()
    result["seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(result, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    else:
        print(text)
    print("\n".join(report.markdown(result)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
