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
import contextlib
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import RedisError
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench import POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL
from bench.cpu import group_seconds
from safewatch.atlas.training import pipeline
from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.jobs.admin import job_counts
from safewatch.core.jobs.queue import PENDING
from safewatch.core.testing.databases import PostgresDatabases
from safewatch.core.testing.servers import free_port, running_server
from safewatch.halo.auth.service import add_user
from safewatch.halo.models import CrimeIncident
from safewatch.resq.auth.service import set_passwords
from safewatch.resq.demo import BEACONS, DEMO_USERNAMES, seed_demo_campus

REPO = Path(__file__).resolve().parent.parent
MODEL_CACHE = REPO / "var" / "test-cache" / "atlas-models"  # tests/conftest.py keeps it there
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
REDIS_ENV, REDIS_DEFAULT = "BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"
USERS = 20
REPLICAS = 2
HALO_REPORTERS = ("reporter1", "reporter2")
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


@dataclass
class Stack:
    resq: list[str]
    halo: list[str]
    atlas: str
    pids: list[int]
    logs: list[Path]


def model_dir(data_root: Path) -> Path:
    """Atlas's base model: the tests' cached copy when there is one, else trained once here."""
    directory = data_root / "models"
    directory.mkdir(parents=True, exist_ok=True)
    name = pipeline.base_artifact_name(0)
    for f in (name, f"{name}.json"):
        if (MODEL_CACHE / f).is_file() and not (directory / f).is_file():
            shutil.copy(MODEL_CACHE / f, directory / f)
    pipeline.train_base(str(directory), 0)  # reuses the files when they are there
    return directory


async def seed(urls: dict[str, str], password: str) -> None:
    now = SystemClock().now()
    resq, halo = Database(urls["resq"]), Database(urls["halo"])
    try:
        async with resq.transaction() as session:
            await seed_demo_campus(session, now)
            await set_passwords(session, DEMO_USERNAMES, password)
        async with halo.transaction() as session:
            for n, username in enumerate(HALO_REPORTERS, 1):
                await add_user(session, username, f"Load Reporter {n}", "reporter", password, now)
    finally:
        await resq.dispose()
        await halo.dispose()


async def redis_reachable(url: str) -> bool:
    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    except (RedisError, OSError):
        return False
    finally:
        await client.aclose()


def server_env(
    urls: dict[str, str],
    keys: dict[str, str],
    *,
    atlas: str,
    data_dir: Path,
    models: Path,
    redis: str | None,
) -> dict[str, str]:
    """One environment for every process, as deploy/run-processes.sh exports it. The caller's
    own service settings are dropped (a RESQ_AI_TOKEN or database URL would change the run)."""
    prefixes = ("RESQ_", "HALO_", "ATLAS_", "SAFEWATCH_", "API_KEY_", "REDIS_URL")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {
        **keep,
        "RESQ_DATABASE_URL": urls["resq"],
        "HALO_DATABASE_URL": urls["halo"],
        "ATLAS_DATABASE_URL": urls["atlas"],
        "RESQ_JWT_SECRET": secrets.token_hex(32),  # replicas verify each other's tokens
        "HALO_JWT_SECRET": secrets.token_hex(32),
        "RESQ_AI_TOKEN": keys["ai"],
        "API_KEY_HALO": keys["halo"],
        "API_KEY_RESQ": keys["resq"],
        "API_KEY_FRONTLINE": keys["frontline"],
        "ATLAS_API_URL": atlas,  # Halo's Atlas client
        "ATLAS_API_KEY": keys["halo"],
        "RESQ_ATLAS_API_URL": atlas,  # ResQ reports its incidents to Atlas
        "RESQ_ATLAS_API_KEY": keys["resq"],
        "SAFEWATCH_DATA_DIR": str(data_dir),
        "ATLAS_MODEL_DIR": str(models),
        # Every request comes from 127.0.0.1 (and one product key): the run measures the
        # services, not the per-address and per-product limiters' 429s.
        "RESQ_AI_RATE_LIMIT": "1000000/minute",
        "HALO_REPORT_RATE_LIMIT": "1000000/minute",
        "ATLAS_RATE_LIMIT": "1000000/minute",
        **redis_env(redis),
    }


def redis_env(redis: str | None) -> dict[str, str]:
    """ResQ's events reach sockets on the other replica through Redis, on a channel of its own."""
    return (
        {"REDIS_URL": redis, "RESQ_REALTIME_CHANNEL": f"bench:{uuid.uuid4().hex}"} if redis else {}
    )


@contextlib.contextmanager
def worker(env: dict[str, str], log: Path, timeout: float = 120) -> Iterator[int]:
    """`safewatch worker resq halo`, once both its workers have started (it has no port)."""
    command = [sys.executable, "-m", "safewatch", "worker", "resq", "halo", "--log-level", "info"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + timeout
            while log.read_text(errors="replace").count('"worker_started"') < 2:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the worker did not start; see {log}")
                time.sleep(0.2)
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def deployment(env: dict[str, str], atlas_port: int, data_dir: Path) -> Iterator[Stack]:
    """Atlas first (Halo and ResQ call it), then the replicas, then the worker."""
    stack = Stack([], [], "", [], [])
    with contextlib.ExitStack() as processes:

        def serve(service: str, name: str, port: int, *extra: str) -> str:
            log = data_dir / f"{name}.log"
            command = [
                sys.executable,
                "-m",
                "safewatch",
                "serve",
                service,
                "--log-level",
                "warning",
            ]
            command += [f"--{service}-port", str(port), *extra]
            process = processes.enter_context(
                running_server(command, port=port, env=env, log_path=log, cwd=REPO, timeout=180)
            )
            stack.pids.append(process.pid)
            stack.logs.append(log)
            return f"http://127.0.0.1:{port}"

        stack.atlas = serve("atlas", "atlas", atlas_port)
        for n in range(REPLICAS):
            stack.resq.append(serve("resq", f"resq-{n}", free_port(), "--no-worker"))
            stack.halo.append(serve("halo", f"halo-{n}", free_port(), "--no-worker"))
        log = data_dir / "worker.log"
        stack.pids.append(processes.enter_context(worker(env, log)))
        stack.logs.append(log)
        yield stack


def locust_command(seconds: int, host: str) -> list[str]:
    return [
        *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
        *("--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s"),
        # In-flight requests finish when the time is up instead of being cut off.
        *("--stop-timeout", "5", "--host", host, "--only-summary", "--loglevel", "WARNING"),
    ]


def locust_env(stack: Stack, keys: dict[str, str], password: str, prefix: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOAD_RESQ_URLS": " ".join(stack.resq),
        "LOAD_HALO_URLS": " ".join(stack.halo),
        "LOAD_ATLAS_URL": stack.atlas,
        "LOAD_AI_TOKEN": keys["ai"],
        "LOAD_PASSWORD": password,
        "LOAD_ATLAS_KEY": keys["frontline"],
        "LOAD_ATLAS_PRODUCT": "frontline",
        "LOAD_HALO_REPORTERS": " ".join(HALO_REPORTERS),
        "LOAD_BEACONS": json.dumps([beacon[0] for beacon in BEACONS]),
        "LOAD_FINAL_CSV": str(prefix),
    }


def run_locust(stack: Stack, env: dict[str, str], seconds: int, log: Path) -> dict[str, float]:
    """Run locust to the end; returns the cores each group kept busy while the users ran."""
    with open(log, "wb") as output:
        locust = subprocess.Popen(
            locust_command(seconds, stack.resq[0]), env=env, cwd=REPO, stdout=output, stderr=output
        )
        try:
            time.sleep(2)  # users spawned and signed in
            groups = {"servers": stack.pids, "locust": [locust.pid]}
            before, started = group_seconds(groups), time.perf_counter()
            time.sleep(max(1, seconds - 3))
            after, wall = group_seconds(groups), time.perf_counter() - started
            locust.wait(timeout=seconds + 60)
        finally:
            if locust.poll() is None:
                locust.kill()
                locust.wait()
    if locust.returncode not in (0, 1):  # 1: some requests failed, which the stats show
        raise RuntimeError(f"locust exited with {locust.returncode}; see {log}")
    return cores_busy(before, after, wall)


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
    databases = PostgresDatabases(os.environ.get(POSTGRES_ADMIN_ENV, POSTGRES_ADMIN_URL))
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
            cpu = run_locust(
                stack, locust_env(stack, keys, password, prefix), seconds, data_dir / "locust.log"
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
        notes=notes,
    )
