"""`python -m bench` (or `make bench`): ResQ's detection endpoint under load; real-time latency;
Atlas's classify latency beside the bare model call; the feedback learning curve; Halo's
incident creation with Atlas healthy, slow and down.

For each database it starts a bare FastAPI baseline and measures it, stops it, then starts the
real ResQ server (`safewatch serve resq --demo`) on the same database, adds 500 beacons and
measures one hot beacon, then 500 beacons. One server runs at a time, so neither steals CPU
from the other. Then, on a fresh ResQ server and database, the real-time benchmark: detections
at 50/s open loop, timed until the rank-1 guard's WebSocket hears `alert.created`. See
bench/README.md for what is measured and why.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import sys
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from rich.console import Console
from sqlalchemy.engine import make_url

from bench import BASELINE_DATABASE_ENV, POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL
from bench.classify import report_classify, run_classify
from bench.cpu import cores
from bench.detections import (
    Result,
    Scenario,
    baseline,
    hot_beacon,
    many_beacons,
    run_load,
    seed_extra_beacons,
)
from bench.forecast_pai import run as run_forecast_pai
from bench.halo_creation import report_halo, run_halo
from bench.learning_curve import run as run_learning_curve
from bench.load import run_load as run_load_scenario
from bench.load_report import report_load
from bench.media import report as report_media
from bench.media import run as run_media
from bench.patterns_detection import run as run_patterns_detection
from bench.patterns_latency import report as report_patterns_latency
from bench.patterns_latency import run_backend as run_patterns_latency
from bench.realtime import RealtimeResult, run_realtime
from bench.realtime import server_env as realtime_env
from bench.realtime_report import report_realtime
from bench.report import report
from safewatch.core.testing.servers import free_port, running_server

REPO = Path(__file__).resolve().parent.parent
RESQ_ENV = {
    # High enough never to reject: the bench measures dispatch, not the limiter's 429s.
    "RESQ_AI_RATE_LIMIT": "1000000/minute",
    # Round robin over 500 beacons revisits each one within a second or two; with the default
    # 300 s window nearly every request would join an open incident. A 1 s window makes most
    # of them open a new incident and alert guards, the expensive path the scenario is for.
    # The hot beacon is unaffected: it gets signals many times a second, so it never ages out.
    "RESQ_DEDUP_WINDOW_SECONDS": "1",
}
# A pipe gets rich's 80 columns, too narrow for the table; a terminal keeps its own width.
console = Console(width=None if sys.stdout.isatty() else 150)
T = TypeVar("T")
ALL = (
    "detections",
    "realtime",
    "classify",
    "learning_curve",
    "forecast",
    "patterns",
    "patterns_latency",
    "halo",
    "media",
    "load",
)


@dataclass(frozen=True)
class Timing:
    seconds: float
    warmup: float


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="3 s per detection scenario instead of 10 s; 5 s of real-time load instead of 20 s; "
        "10 s of mixed load instead of 30 s",
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--only",
        choices=ALL,
        help="Run one benchmark (default: all)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO / "var" / "bench",
        help="Where SQLite files and server logs go (emptied per run; default var/bench)",
    )
    return parser.parse_args(argv)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    admin_url = os.environ.get(POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL)
    connection = await asyncpg.connect(_asyncpg_dsn(admin_url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def database(backend: str, data_dir: Path) -> Iterator[str]:
    """The database URL both servers use: ResQ's default SQLite file, or a fresh PG database."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{(data_dir / 'resq.db').resolve()}"
        return
    name = f"safewatch_bench_{uuid.uuid4().hex[:8]}"
    admin_url = os.environ.get(POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def server_environment(extra: dict[str, str]) -> dict[str, str]:
    """The caller's environment without RESQ_*/SAFEWATCH_* settings (a RESQ_AI_TOKEN or a
    different database would change what is measured), plus the bench's own."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("RESQ_", "SAFEWATCH_"))}
    return {**keep, **extra}


@dataclass(frozen=True)
class Running:
    url: str
    pid: int


@contextlib.contextmanager
def server(name: str, command: list[str], env: dict[str, str], data_dir: Path) -> Iterator[Running]:
    """Run a server command (its port in `{port}`), wait for /readyz, yield where it runs."""
    port = free_port()
    command = [part.format(port=port) for part in command]
    log_path = data_dir / f"{name}.log"
    with running_server(
        command, port=port, env=env, log_path=log_path, cwd=REPO, timeout=60
    ) as process:
        yield Running(f"http://127.0.0.1:{port}", process.pid)


def baseline_server(
    database_url: str, data_dir: Path
) -> contextlib.AbstractContextManager[Running]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    env = server_environment({BASELINE_DATABASE_ENV: database_url})
    return server("baseline", command, env, data_dir)


def resq_server(
    backend: str, database_url: str, data_dir: Path, env: dict[str, str] = RESQ_ENV
) -> contextlib.AbstractContextManager[Running]:
    command = [
        sys.executable,
        "-m",
        "safewatch",
        "serve",
        "resq",
        "--resq-port",
        "{port}",
        "--data-dir",
        str(data_dir),
        "--log-level",
        "warning",
        "--demo",
    ]
    extra = dict(env)
    if backend == "postgres":
        extra["RESQ_DATABASE_URL"] = database_url
    return server("resq", command, server_environment(extra), data_dir)


def measure(target: Running, scenario: Scenario, timing: Timing, backend: str) -> Result:
    console.print(f"  {scenario.name}: {timing.warmup:g} s warm-up, {timing.seconds:g} s measured")
    load = run_load(
        target.url,
        scenario,
        seconds=timing.seconds,
        warmup=timing.warmup,
        server_pid=target.pid,
        postgres=backend == "postgres",
    )
    return run_client(load)


def run_client(load: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop  # a cheaper loop keeps the load generator's own overhead down

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(load)
    except ImportError:
        return asyncio.run(load)


def run_backend(backend: str, timing: Timing, data_root: Path) -> list[Result]:
    data_dir = data_root / backend
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    console.print(f"[bold]{backend}[/]: data and logs in {data_dir}")
    with database(backend, data_dir) as url:
        with baseline_server(url, data_dir) as running:
            reference = measure(running, baseline(), timing, backend)
        with resq_server(backend, url, data_dir) as running:
            asyncio.run(seed_extra_beacons(url))
            hot = measure(running, hot_beacon(), timing, backend)
            spread = measure(running, many_beacons(), timing, backend)
    return [reference, hot, spread]


def run_realtime_backend(backend: str, timing: Timing, data_root: Path) -> RealtimeResult:
    """A fresh data dir and database: nothing left over from the detection runs (their queued
    pushes and escalations) adds load."""
    data_dir = data_root / f"realtime-{backend}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    console.print(f"[bold]{backend}, real time[/]: data and logs in {data_dir}")
    console.print(f"  {timing.warmup:g} s warm-up, {timing.seconds:g} s measured")
    password = secrets.token_urlsafe(12)
    with (
        database(backend, data_dir) as url,
        resq_server(backend, url, data_dir, realtime_env(password)) as running,
    ):
        asyncio.run(seed_extra_beacons(url))
        load = run_realtime(
            running.url,
            password,
            backend=backend,
            seconds=timing.seconds,
            warmup=timing.warmup,
            server_pid=running.pid,
        )
        return run_client(load)


def run_patterns_backend(backend: str, data_root: Path, requests: int) -> Any:
    data_dir = data_root / f"patterns-{backend}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    with database(backend, data_dir) as url:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{(data_dir / 'atlas.db').resolve()}"
        return run_patterns_latency(backend, url, data_dir, requests, console)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    timing = Timing(3.0, 1.0) if args.quick else Timing(10.0, 2.0)
    realtime_timing = Timing(5.0, 1.0) if args.quick else Timing(20.0, 2.0)
    backends = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    console.print(
        f"{cores()} cores; load average before the run: "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    wanted = {args.only} if args.only else set(ALL)
    reports = []
    if "detections" in wanted:
        reports = [(b, run_backend(b, timing, args.data_dir)) for b in backends]
    realtime = []
    if "realtime" in wanted:
        realtime = [run_realtime_backend(b, realtime_timing, args.data_dir) for b in backends]
    classify = run_classify(console, args.data_dir) if "classify" in wanted else []
    halo = run_halo(console, args.data_dir, quick=args.quick) if "halo" in wanted else []
    media = run_media(console, args.quick) if "media" in wanted else []
    load = run_load_scenario(console, args.data_dir, quick=args.quick) if "load" in wanted else None
    console.print()
    for backend, results in reports:
        report(console, backend, results, seconds=timing.seconds)
        console.print()
    for result in realtime:
        report_realtime(console, result)
        console.print()
    if classify:
        report_classify(console, classify)
        console.print()
    if halo:
        report_halo(console, halo)
        console.print()
    if media:
        report_media(console, media)
        console.print()
    if load is not None:
        report_load(console, load)
        console.print()
    if "learning_curve" in wanted:
        run_learning_curve(console)  # reports as it goes: six fits of the full data
    if "forecast" in wanted:
        run_forecast_pai(console)  # PAI beside the 3-year counts, rolling weekly
    if "patterns" in wanted:
        run_patterns_detection(console)  # injected-cluster recall, null false positives
    if "patterns_latency" in wanted:
        requests = 1000 if args.quick else 5000
        latency = [run_patterns_backend(b, args.data_dir, requests) for b in backends]
        report_patterns_latency(console, latency, requests)
    if load is not None and not load.passed:
        raise SystemExit(1)  # the load run's pass criterion: no errors anywhere


if __name__ == "__main__":
    main()
