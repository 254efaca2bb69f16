"""A real job worker process, SIGKILLed at random points while it drains 1,000 jobs to a
receiver that refuses 30 % of deliveries, and restarted each time: every job is delivered,
none is left pending or dead, and the duplicates the kills cause are absorbed by the
receiver's idempotency key (and counted)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.jobs import enqueue_many
from safewatch.core.testing.servers import serve_asgi_in_thread
from safewatch.resq.models import jobs
from tests.faults.jobs_worker import DELIVER

pytestmark = [pytest.mark.server, pytest.mark.alone]

JOBS = 1000
KILLS = 5
FAILURE_RATE = 0.3
WORKER = Path(__file__).with_name("jobs_worker.py")


class FlakyReceiver:
    """Refuses a random 30 % of deliveries with 503; applies each Idempotency-Key once and
    answers a repeat 200 without applying it again (counted as a duplicate)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.requests = 0
        self.refused = 0
        self.applied: Counter[str] = Counter()
        self.app = Starlette(routes=[Route("/deliveries", self.deliver, methods=["POST"])])

    async def deliver(self, request: Request) -> JSONResponse:
        self.requests += 1
        if self.rng.random() < FAILURE_RATE:
            self.refused += 1
            return JSONResponse({"error": "busy, try again"}, status_code=503)
        key = request.headers["idempotency-key"]
        self.applied[key] += 1
        return JSONResponse({"key": key, "duplicate": self.applied[key] > 1})

    @property
    def duplicates(self) -> int:
        return sum(self.applied.values()) - len(self.applied)


@pytest.fixture
async def db(database_url: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(database_url("resq"))
    yield database
    await database.dispose()


async def enqueue_deliveries(db: Database) -> None:
    # 20 attempts, not the default 10: at 30 % refusals ten in a row happen to one job in
    # 170,000, and each kill costs the jobs it holds an attempt. A dead job still fails the test.
    async with db.transaction() as session:
        await enqueue_many(
            session,
            jobs,
            DELIVER,
            [({"n": n}, f"delivery:{n}") for n in range(JOBS)],
            now=SystemClock().now(),
            max_attempts=20,
        )


@contextlib.contextmanager
def worker_process(
    database_url: str, receiver_url: str, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, str(WORKER), database_url, receiver_url],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


async def kill_mid_drain(
    process: subprocess.Popen[bytes], receiver: FlakyReceiver, rng: random.Random
) -> None:
    """SIGKILL the worker after a random 20-150 more deliveries, plus a random few ms."""
    target = receiver.requests + rng.randint(20, 150)
    deadline = time.monotonic() + 30
    while receiver.requests < target:
        assert process.poll() is None, f"worker exited by itself ({process.returncode})"
        assert time.monotonic() < deadline, "worker delivered nothing for 30 s"
        await asyncio.sleep(0.005)
    await asyncio.sleep(rng.uniform(0, 0.02))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


async def status_counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status))
        return {status: int(count) for status, count in rows.all()}


async def wait_until_drained(
    db: Database, process: subprocess.Popen[bytes], within: float = 30.0
) -> dict[str, int]:
    deadline = time.monotonic() + within
    while (counts := await status_counts(db)).get("pending", 0) and time.monotonic() < deadline:
        assert process.poll() is None, f"worker exited by itself ({process.returncode})"
        await asyncio.sleep(0.2)
    return counts


async def test_sigkilled_worker_delivers_every_job(
    db: Database, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    receiver = FlakyReceiver(random.Random(seed + 1))
    await enqueue_deliveries(db)
    log = tmp_path / "worker.log"
    started = time.monotonic()
    with serve_asgi_in_thread(receiver.app) as base:
        target = f"{base}/deliveries"
        for _ in range(KILLS):
            with worker_process(db.url, target, log) as process:
                await kill_mid_drain(process, receiver, rng)
                assert process.returncode == -signal.SIGKILL
        with worker_process(db.url, target, log) as process:
            counts = await wait_until_drained(db, process)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0, log.read_text()[-2000:]
    elapsed = time.monotonic() - started

    async with db.transaction() as session:
        most_attempts = (await session.execute(select(func.max(jobs.c.attempts)))).scalar_one()
    figures = {
        "seed": seed,
        "deliveries": receiver.requests,
        "refused_503": receiver.refused,
        "duplicates_absorbed": receiver.duplicates,
        "most_attempts": most_attempts,
        "seconds": round(elapsed, 1),
    }
    for name, value in figures.items():
        record_property(name, value)
    print(f"{JOBS} jobs, {KILLS} SIGKILLs: {figures}")

    assert counts == {"done": JOBS}, f"jobs left pending or dead: {counts} ({figures})"
    missing = {f"delivery:{n}" for n in range(JOBS)} - set(receiver.applied)
    assert not missing, (
        f"{len(missing)} jobs marked done but never delivered: {sorted(missing)[:5]}"
    )
    assert len(receiver.applied) == JOBS, "the receiver got keys that were never enqueued"
