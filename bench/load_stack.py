"""The load run's deployment: databases seeded, Atlas's model, and the processes of
deploy/run-processes.sh on loopback (two API replicas each of ResQ and Halo without workers, one
`safewatch worker resq halo`, one Atlas with its worker), all sharing one environment."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from redis.asyncio import Redis
from redis.exceptions import RedisError

from safewatch.atlas.training import pipeline
from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.local_ports import stop_process
from safewatch.core.testing.servers import free_port, running_server
from safewatch.halo.auth.service import add_user
from safewatch.resq.auth.service import set_passwords
from safewatch.resq.demo import DEMO_USERNAMES, seed_demo_campus

REPO = Path(__file__).resolve().parent.parent
MODEL_CACHE = REPO / "var" / "test-cache" / "atlas-models"  # tests/conftest.py keeps it there
REPLICAS = 2
HALO_REPORTERS = ("reporter1", "reporter2")
RESQ_ACCOUNTS = ("guard1", "guard2", "guard3", "guard4", "guard5", "guard6", "student1", "student2")


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
            stop_process(process)


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


def sign_in(stack: Stack, password: str) -> dict[str, dict[str, str]]:
    """A token per account the users act as: the demo's on-duty guards and students on ResQ, the
    reporters on Halo. Each account signs in at its own service's first replica."""
    accounts = {"resq": (stack.resq[0], RESQ_ACCOUNTS), "halo": (stack.halo[0], HALO_REPORTERS)}
    tokens: dict[str, dict[str, str]] = {}
    with httpx.Client(timeout=60) as http:
        for service, (base, usernames) in accounts.items():
            tokens[service] = {}
            for username in usernames:
                body = {"username": username, "password": password}
                answer = http.post(f"{base}/api/auth/token/", json=body)
                answer.raise_for_status()
                tokens[service][username] = answer.json()["access_token"]
    return tokens
