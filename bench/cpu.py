"""Who used the CPU during a measurement: the server, the load generator, PostgreSQL, others.

On a small shared machine another process's work shows up as lost throughput, so every result
says how much CPU went elsewhere. Linux only (/proc); elsewhere the figures are simply absent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class CpuSample:
    wall: float
    machine: float  # CPU seconds all processes have used since boot
    server: float  # the server process, all its threads
    client: float  # this process (the load generator)
    database: float  # PostgreSQL's processes, when the run uses PostgreSQL


@dataclass(frozen=True)
class CpuUse:
    """Shares of one core over the window: 1.0 is one core busy the whole time."""

    server: float
    client: float
    database: float
    other: float


def _process_cpu(stat: str) -> float:
    utime, stime = (int(f) for f in stat.rsplit(")", 1)[1].split()[11:13])
    return (utime + stime) / TICK


def _postgres_cpu() -> float:
    """All `postgres` processes: the server of this run's database (and of anyone else's)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        if "(postgres)" in stat:
            total += _process_cpu(stat)
    return total


def sample(server_pid: int, *, postgres: bool) -> CpuSample | None:
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        server = _process_cpu(Path(f"/proc/{server_pid}/stat").read_text())
        database = _postgres_cpu() if postgres else 0.0
    except (OSError, ValueError):
        return None
    return CpuSample(
        wall=time.perf_counter(),
        machine=(user + nice + system + irq + softirq + steal) / TICK,
        server=server,
        client=time.process_time(),
        database=database,
    )


def usage(before: CpuSample | None, after: CpuSample | None) -> CpuUse | None:
    if before is None or after is None or after.wall <= before.wall:
        return None
    wall = after.wall - before.wall
    server = (after.server - before.server) / wall
    client = (after.client - before.client) / wall
    database = (after.database - before.database) / wall
    other = (after.machine - before.machine) / wall - server - client - database
    return CpuUse(server, client, database, max(0.0, other))


def cores() -> int:
    return os.cpu_count() or 1


def group_seconds(groups: dict[str, list[int]]) -> dict[str, float] | None:
    """CPU seconds used so far by each named group of processes, by PostgreSQL's processes
    (`postgres`) and by the whole machine (`machine`); None off Linux. A process that has
    exited counts as zero, so take both samples while the groups run."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    except (OSError, ValueError):
        return None
    seconds = {"machine": (user + nice + system + irq + softirq + steal) / TICK}
    seconds["postgres"] = _postgres_cpu()
    for name, pids in groups.items():
        seconds[name] = sum(_pid_cpu(pid) for pid in pids)
    return seconds


def _pid_cpu(pid: int) -> float:
    try:
        return _process_cpu(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError):
        return 0.0
