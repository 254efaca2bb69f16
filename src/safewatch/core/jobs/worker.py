"""The job worker: claim due jobs under a lease, run them, finish with a compare-and-set."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.exc import DBAPIError

from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.jobs.queue import DEAD, DONE, PENDING, Job, PermanentJobError, RetryLater
from safewatch.core.logging import get_logger
from safewatch.core.metrics import JOB_SECONDS, JOBS

Handler = Callable[[Job], Awaitable[None]]
log = get_logger(__name__)
# Writing a job's outcome is tried this often, on a fresh connection each time, before the
# outcome is left to the lease (the job then runs again once the lease ends).
FINISH_ATTEMPTS = 3


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Exponential backoff with equal jitter: half fixed, half random, never above the cap."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


class JobWorker:
    def __init__(
        self,
        service: str,
        db: Database,
        table: Table,
        handlers: Mapping[str, Handler],
        clock: Clock,
        *,
        concurrency: int = 8,
        lease_seconds: float = 60.0,
        poll_seconds: float = 0.5,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
    ) -> None:
        self.service = service
        self.db = db
        self.table = table
        self.handlers = dict(handlers)
        self.clock = clock
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker_started", service=self.service, kinds=sorted(self.handlers))
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                log.exception("worker_poll_failed", service=self.service)
                ran = 0
            if ran == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
        log.info("worker_stopped", service=self.service)

    async def run_once(self) -> int:
        """Claim up to `concurrency` due jobs and run them; return how many ran."""
        token = str(uuid.uuid4())
        jobs = await self._claim(token)
        if jobs:
            await asyncio.gather(*(self._run(job, token) for job in jobs))
        return len(jobs)

    async def drain(self, max_rounds: int = 100) -> int:
        """Run until nothing is due (tests and the CLI); return how many ran."""
        total = 0
        for _ in range(max_rounds):
            ran = await self.run_once()
            if ran == 0:
                break
            total += ran
        return total

    async def _claim(self, token: str) -> list[Job]:
        t = self.table
        now = self.clock.now()
        due = (
            select(t.c.id)
            .where(
                t.c.status == PENDING,
                t.c.run_at <= now,
                or_(t.c.lease_until.is_(None), t.c.lease_until < now),
            )
            .order_by(t.c.run_at, t.c.id)
            .limit(self.concurrency)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(t)
            .where(t.c.id.in_(due.scalar_subquery()))
            .values(lease_until=now + self.lease, lease_token=token, attempts=t.c.attempts + 1)
            .returning(t.c.id, t.c.kind, t.c.payload, t.c.attempts, t.c.max_attempts, t.c.dedup_key)
        )
        async with self.db.transaction() as session:
            rows = (await session.execute(claim)).all()
        return [Job(r.id, r.kind, r.payload, r.attempts, r.max_attempts, r.dedup_key) for r in rows]

    async def _run(self, job: Job, token: str) -> None:
        handler = self.handlers.get(job.kind)
        started = time.perf_counter()
        try:
            if handler is None:
                raise PermanentJobError(f"no handler for job kind {job.kind!r}")
            # Finish well inside the lease so no other worker takes the job while it runs.
            async with asyncio.timeout(self.lease.total_seconds() * 0.8):
                await handler(job)
        except PermanentJobError as exc:
            await self._dead(job, token, str(exc))
        except RetryLater as exc:
            await self._retry(job, token, str(exc), exc.retry_after)
        except Exception as exc:
            log.warning(
                "job_failed",
                service=self.service,
                kind=job.kind,
                job_id=job.id,
                attempt=job.attempt,
                error=f"{type(exc).__name__}: {exc}",
            )
            await self._retry(job, token, f"{type(exc).__name__}: {exc}", None)
        else:
            await self._finish(job, token, status=DONE)
            JOBS.labels(self.service, job.kind, "done").inc()
        finally:
            JOB_SECONDS.labels(self.service, job.kind).observe(time.perf_counter() - started)

    async def _retry(self, job: Job, token: str, reason: str, retry_after: float | None) -> None:
        if job.attempt >= job.max_attempts:
            await self._dead(job, token, f"gave up after {job.attempt} attempts: {reason}")
            return
        delay = backoff_seconds(job.attempt, self.backoff_base, self.backoff_cap)
        if retry_after is not None:
            delay = max(delay, retry_after)
        run_at = self.clock.now() + timedelta(seconds=delay)
        await self._finish(job, token, status=PENDING, run_at=run_at, error=reason)
        JOBS.labels(self.service, job.kind, "retry").inc()

    async def _dead(self, job: Job, token: str, reason: str) -> None:
        log.error("job_dead", service=self.service, kind=job.kind, job_id=job.id, reason=reason)
        await self._finish(job, token, status=DEAD, error=reason)
        JOBS.labels(self.service, job.kind, "dead").inc()

    async def _finish(self, job: Job, token: str, *, status: str, **changes: object) -> None:
        t = self.table
        values: dict[str, object] = {"status": status, "lease_until": None, "lease_token": None}
        if "error" in changes:
            values["last_error"] = str(changes["error"])[:2000]
        if "run_at" in changes:
            values["run_at"] = changes["run_at"]
        if status in (DONE, DEAD):
            values["finished_at"] = self.clock.now()
        # Compare-and-set on the lease token: a worker that lost its lease changes nothing.
        statement = update(t).where(and_(t.c.id == job.id, t.c.lease_token == token)).values(values)
        for attempt in range(1, FINISH_ATTEMPTS + 1):
            try:
                async with self.db.transaction() as session:
                    await session.execute(statement)
                return
            except (DBAPIError, OSError) as exc:
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                if attempt == FINISH_ATTEMPTS:
                    log.error("job_outcome_lost", job_id=job.id, kind=job.kind, error=error)
                    return
                log.warning("job_outcome_retry", job_id=job.id, kind=job.kind, error=error)
                await asyncio.sleep(0.1 * attempt)
