"""The load run: a scaled deployment on loopback under mixed traffic from locust, bounded in time.

Fresh PostgreSQL databases (one per service, migrated), the ResQ demo campus and users, Halo
reporters and Atlas product keys; then the topology of deploy/run-processes.sh: two API
processes each of ResQ and Halo (`--no-worker`), one `safewatch worker resq halo`, one Atlas
(its worker inside) with the trained base model, ResQ's events over Redis. Locust
(bench/locustfile.py, its own process) runs headless for a fixed time; the figures come from
its CSV stats, and afterwards the servers' logs and job queues are checked for errors too.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench import POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL
from bench.cpu import group_seconds
from bench.load_stack import (
    REPLICAS,
    REPO,
    Stack,
    deployment,
    model_dir,
    redis_reachable,
    seed,
    server_env,
    sign_in,
)
from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.jobs.admin import job_counts
from safewatch.core.jobs.queue import PENDING
from safewatch.core.testing.databases import PostgresDatabases
from safewatch.core.testing.servers import free_port
from safewatch.halo.models import CrimeIncident
from safewatch.resq.demo import BEACONS

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
REDIS_ENV, REDIS_DEFAULT = "BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"
USERS = 20
SERVICES = ("resq", "halo", "atlas")


@dataclass
class LoadResult:
    seconds: float
    rows: list[dict[str, str]]  # locust's per-route stats, the Aggregated row last
    failures: list[dict[str, str]]
    exceptions: list[dict[str, str]]
    log_errors: dict[str, list[str]]  # process log -> error lines
    log_warnings: Counter[str]  # warning event -> how often, all processes
    jobs: dict[str, dict[str, int]]  # service -> job status -> count
    halo_sources: dict[str, int]  # how Halo's incidents were classified
    cpu: dict[str, float]  # cores kept busy by each group over the run
    connections: int  # the most PostgreSQL connections open to the run's databases at once
    notes: list[str] = field(default_factory=list)

    @property
    def request_errors(self) -> int:
        return int(self.rows[-1]["Failure Count"]) + sum(int(e["Count"]) for e in self.exceptions)

    @property
    def server_errors(self) -> int:
        dead = sum(counts.get("dead", 0) for counts in self.jobs.values())
        return dead + sum(len(lines) for lines in self.log_errors.values())

    @property
    def passed(self) -> bool:
        return self.request_errors == 0 and self.server_errors == 0


def locust_command(seconds: int, host: str) -> list[str]:
    return [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s"),
        # In-flight requests finish when the time is up instead of being cut off.
        *("--stop-timeout", "5", "--host", host, "--only-summary", "--loglevel", "WARNING"),
    ]


def locust_env(stack: Stack, keys: dict[str, str], tokens: dict, prefix: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOAD_RESQ_URLS": " ".join(stack.resq),
        "LOAD_HALO_URLS": " ".join(stack.halo),
        "LOAD_ATLAS_URL": stack.atlas,
        "LOAD_AI_TOKEN": keys["ai"],
        "LOAD_TOKENS": json.dumps(tokens),
        "LOAD_ATLAS_KEY": keys["frontline"],
        "LOAD_ATLAS_PRODUCT": "frontline",
        "LOAD_BEACONS": json.dumps([beacon[0] for beacon in BEACONS]),
        "LOAD_FINAL_CSV": str(prefix),
    }


def run_locust(
    stack: Stack, env: dict[str, str], seconds: int, log: Path, connections: Callable[[], int]
) -> tuple[dict[str, float], int]:
    """Run locust to the end; returns the cores each group kept busy while the users ran, and
    the most database connections seen open meanwhile (polled once a second)."""
    peak = 0
    with open(log, "wb") as output:
        locust = subprocess.Popen(
            locust_command(seconds, stack.resq[0]), env=env, cwd=REPO, stdout=output, stderr=output
        )
        try:
            time.sleep(2)  # all users spawned
            groups = {"servers": stack.pids, "locust": [locust.pid]}
            before, started = group_seconds(groups), time.perf_counter()
            while time.perf_counter() - started < max(1, seconds - 3):
                peak = max(peak, connections())
                time.sleep(1)
            after, wall = group_seconds(groups), time.perf_counter() - started
            locust.wait(timeout=seconds + 60)
        finally:
            if locust.poll() is None:
                locust.kill()
                locust.wait()
    if locust.returncode not in (0, 1):  # 1: some requests failed, which the stats show
        raise RuntimeError(f"locust exited with {locust.returncode}; see {log}")
    return cores_busy(before, after, wall), peak


def open_connections(admin_url: str, urls: list[str]) -> int:
    """Connections open to this run's databases (all its processes' pools together)."""

    async def count() -> int:
        dsn = make_url(admin_url).set(drivername="postgresql")
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False), timeout=5)
        try:
            names = [make_url(url).database for url in urls]
            query = "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1::text[])"
            return int(await connection.fetchval(query, names))
        finally:
            await connection.close()

    return asyncio.run(count())


def cores_busy(
    before: dict[str, float] | None, after: dict[str, float] | None, wall: float
) -> dict[str, float]:
    if before is None or after is None:
        return {}
    busy = {name: (after[name] - before[name]) / wall for name in before}
    mine = busy["servers"] + busy["locust"] + busy["postgres"]
    busy["other"] = max(0.0, busy.pop("machine") - mine)
    return busy


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def scan_logs(logs: list[Path]) -> tuple[dict[str, list[str]], Counter[str]]:
    """Error-level log lines and tracebacks per process log, and warnings by event."""
    errors: dict[str, list[str]] = {}
    warnings: Counter[str] = Counter()
    for log in logs:
        lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
        levels = [(line, level_of(line)) for line in lines]
        bad = [line for line, level in levels if level in ("error", "critical", "traceback")]
        if bad:
            errors[log.name] = bad
        warnings.update(json.loads(line)["event"] for line, level in levels if level == "warning")
    return errors, warnings


def level_of(line: str) -> str | None:
    """The level of a JSON log line (the servers log JSON to a file); tracebacks print raw."""
    if line.startswith("Traceback"):
        return "traceback"
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry.get("level") if isinstance(entry, dict) else None


async def after_the_run(urls: dict[str, str]) -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    """Each service's job queue by status (`due`: pending jobs whose time has come), and how
    Halo's incidents were classified."""
    from safewatch.atlas.models import jobs as atlas_jobs
    from safewatch.halo.models import jobs as halo_jobs
    from safewatch.resq.models import jobs as resq_jobs

    tables = {"resq": resq_jobs, "halo": halo_jobs, "atlas": atlas_jobs}
    queues, sources = {}, {}
    for service, table in tables.items():
        db = Database(urls[service])
        try:
            queues[service] = await job_counts(db, table)
            async with db.sessions() as session:
                due = select(func.count()).where(
                    table.c.status == PENDING, table.c.run_at <= SystemClock().now()
                )
                queues[service]["due"] = int(await session.scalar(due) or 0)
                if service == "halo":
                    sources = await halo_classified(session)
        finally:
            await db.dispose()
    return queues, sources


async def halo_classified(session: AsyncSession) -> dict[str, int]:
    """Incidents by who classified them; `later` when the fallback answered the reporter and
    Atlas classified the incident afterwards (Atlas was slower than Halo's deadline)."""
    columns = (CrimeIncident.classification_source, CrimeIncident.fallback_reason)
    rows = await session.execute(select(*columns, func.count()).group_by(*columns))
    return {
        f"{source}{' later' if reason and source == 'atlas' else ''}"
        f"{f' ({reason})' if reason else ''}": int(count)
        for source, reason, count in rows.all()
    }


def run_load(console: Console, data_root: Path, *, quick: bool) -> LoadResult:
    seconds = 10 if quick else 30
    data_dir = data_root / "load"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    console.print(f"[bold]load[/]: data and logs in {data_dir}")
    models = model_dir(data_root)
    redis_url = os.environ.get(REDIS_ENV, REDIS_DEFAULT)
    redis = redis_url if asyncio.run(redis_reachable(redis_url)) else None
    notes = (
        [] if redis else [f"Redis at {redis_url} unreachable: each ResQ replica has its own events"]
    )
    keys = {name: secrets.token_urlsafe(24) for name in ("ai", "halo", "resq", "frontline")}
    password = secrets.token_urlsafe(12)
    admin_url = os.environ.get(POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL)
    from safewatch.atlas.app import MIGRATIONS as ATLAS_MIGRATIONS
    from safewatch.halo.app import MIGRATIONS as HALO_MIGRATIONS
    from safewatch.resq.app import MIGRATIONS as RESQ_MIGRATIONS

    migrations = {"resq": RESQ_MIGRATIONS, "halo": HALO_MIGRATIONS, "atlas": ATLAS_MIGRATIONS}
    databases = PostgresDatabases(admin_url, migrations)
    try:
        urls = {service: databases.url_for(service) for service in SERVICES}
        asyncio.run(seed(urls, password))
        atlas_port = free_port()
        env = server_env(
            urls,
            keys,
            atlas=f"http://127.0.0.1:{atlas_port}",
            data_dir=data_dir,
            models=models,
            redis=redis,
        )
        with deployment(env, atlas_port, data_dir) as stack:
            console.print(
                f"  {REPLICAS} ResQ, {REPLICAS} Halo, 1 Atlas, 1 worker; "
                f"{USERS} locust users for {seconds} s"
            )
            prefix = data_dir / "locust"
            cpu, connections = run_locust(
                stack,
                locust_env(stack, keys, sign_in(stack, password), prefix),
                seconds,
                data_dir / "locust.log",
                lambda: open_connections(admin_url, list(urls.values())),
            )
            logs = stack.logs
        queues, sources = asyncio.run(after_the_run(urls))
        log_errors, log_warnings = scan_logs(logs)
    finally:
        databases.drop_all()
    return LoadResult(
        seconds=seconds,
        rows=read_csv(Path(f"{prefix}_stats.csv")),
        failures=read_csv(Path(f"{prefix}_failures.csv")),
        exceptions=read_csv(Path(f"{prefix}_exceptions.csv")),
        log_errors=log_errors,
        log_warnings=log_warnings,
        jobs=queues,
        halo_sources=sources,
        cpu=cpu,
        connections=connections,
        notes=notes,
    )
