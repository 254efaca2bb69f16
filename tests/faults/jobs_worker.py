"""A real job worker process for the SIGKILL test: the real JobWorker, on the test's database,
delivering each job to a receiver over HTTP with the job's dedup key as Idempotency-Key.

Run as `python jobs_worker.py DATABASE_URL RECEIVER_URL`; SIGTERM stops it cleanly, and the
test kills it with SIGKILL at random points to prove that no job is lost.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import httpx

from safewatch.core.clock import SystemClock
from safewatch.core.db import Database
from safewatch.core.jobs import Job, JobWorker, RetryLater
from safewatch.core.jobs.worker import Handler
from safewatch.core.logging import configure_logging
from safewatch.resq.models import jobs

DELIVER = "faults.deliver"
# Short leases and backoffs so a killed worker's jobs come back within seconds.
LEASE_SECONDS = 2.0
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_CAP_SECONDS = 0.2


def deliverer(http: httpx.AsyncClient, receiver_url: str) -> Handler:
    async def deliver(job: Job) -> None:
        try:
            answer = await http.post(
                receiver_url, json=job.payload, headers={"Idempotency-Key": str(job.dedup_key)}
            )
        except httpx.TransportError as exc:
            raise RetryLater(f"receiver unreachable: {type(exc).__name__}") from exc
        if answer.status_code == 503:
            raise RetryLater("receiver answered 503")
        answer.raise_for_status()

    return deliver


async def main(database_url: str, receiver_url: str) -> None:
    configure_logging("warning", json=True)
    db = Database(database_url)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with httpx.AsyncClient(timeout=1.0) as http:
        worker = JobWorker(
            "faults",
            db,
            jobs,
            {DELIVER: deliverer(http, receiver_url)},
            SystemClock(),
            concurrency=8,
            lease_seconds=LEASE_SECONDS,
            poll_seconds=0.05,
            backoff_base=BACKOFF_BASE_SECONDS,
            backoff_cap=BACKOFF_CAP_SECONDS,
        )
        await worker.run_forever(stop)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
