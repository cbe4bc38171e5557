"""CPU time of processes and of the machine, read from /proc (Linux; no psutil).

A :class:`CpuMeter` samples ``utime + stime`` of named processes and the
machine's busy time (``/proc/stat``), so that a step of the benchmark can
report how many cores each process used while it ran::

    meter = CpuMeter({"redis": redis_pid, "worker-1": worker_pid})
    before = meter.sample()
    ...                                   # the measured work
    usage = meter.since(before)           # {"redis": 0.12, ..., "machine": 1.4, "others": 0.3}
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

__all__ = ["CpuMeter", "CpuSample", "process_cpu_seconds"]

TICKS = os.sysconf("SC_CLK_TCK")
MACHINE = "machine"
OTHERS = "others"  # the machine's busy time beyond the named processes (other programs)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (0.0 once it is gone).

    >>> process_cpu_seconds(os.getpid()) > 0
    True
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0.0
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = stat[stat.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent doing anything but idling (``/proc/stat``, line ``cpu``)."""
    with open("/proc/stat", "rb") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle, iowait = values[3], values[4]
    return (sum(values[:8]) - idle - iowait) / TICKS


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds per process (and ``machine``) at a moment of the monotonic clock."""

    at: float
    seconds: dict[str, float]


class CpuMeter:
    """Samples the CPU time of named processes and of the whole machine.

    >>> meter = CpuMeter({"me": os.getpid()})
    >>> usage = meter.since(meter.sample())
    >>> sorted(usage)
    ['machine', 'me', 'others']
    """

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)

    def sample(self) -> CpuSample:
        """The CPU seconds used so far by every process and by the machine."""
        seconds = {name: process_cpu_seconds(pid) for name, pid in self.pids.items()}
        seconds[MACHINE] = machine_busy_seconds()
        return CpuSample(time.monotonic(), seconds)

    def since(self, before: CpuSample) -> dict[str, float]:
        """Cores used per process since ``before`` (CPU seconds / wall seconds)."""
        now = self.sample()
        wall = max(now.at - before.at, 1e-9)
        usage = {
            name: round((now.seconds[name] - before.seconds.get(name, 0.0)) / wall, 3)
            for name in now.seconds
        }
        ours = sum(v for k, v in usage.items() if k != MACHINE)
        usage[OTHERS] = round(max(usage[MACHINE] - ours, 0.0), 3)
        return usage
