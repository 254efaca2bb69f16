"""Retention: done jobs go some days after they finished, in bounded batches; pending, leased
and dead jobs and recent done ones stay; the purge is one hourly job however many processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.db import Database
from safewatch.core.jobs import PURGE_JOBS, JobRetention, JobWorker
from safewatch.core.jobs.retention import purge_finished_jobs
from safewatch.resq.models import jobs as jobs_table

DAY = timedelta(days=1)


@pytest.fixture
async def db(database_url: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(database_url("resq"))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


async def add_job(db: Database, clock: FrozenClock, name: str, status: str, **fields: Any) -> None:
    row = {
        "kind": "work",
        "dedup_key": name,
        "payload": {},
        "status": status,
        "attempts": 1,
        "max_attempts": 3,
        "run_at": clock.now() - 30 * DAY,
        "created_at": clock.now() - 30 * DAY,
    } | fields
    async with db.transaction() as session:
        await session.execute(jobs_table.insert().values(row))


async def keys(db: Database) -> list[str]:
    async with db.transaction() as session:
        rows = await session.execute(select(jobs_table.c.dedup_key).order_by(jobs_table.c.id))
        return [str(key) for (key,) in rows]


async def test_only_done_jobs_past_the_retention_are_deleted(
    db: Database, clock: FrozenClock
) -> None:
    now = clock.now()
    await add_job(db, clock, "old-done", "done", finished_at=now - 15 * DAY)
    await add_job(db, clock, "recent-done", "done", finished_at=now - 13 * DAY)
    await add_job(db, clock, "old-dead", "dead", finished_at=now - 90 * DAY, last_error="x")
    await add_job(db, clock, "old-pending", "pending")
    await add_job(db, clock, "leased", "pending", lease_until=now + DAY, lease_token="t")
    deleted = await purge_finished_jobs(db, jobs_table, finished_before=now - 14 * DAY)
    assert deleted == 1
    assert await keys(db) == ["recent-done", "old-dead", "old-pending", "leased"]


async def test_the_purge_works_in_bounded_batches(db: Database, clock: FrozenClock) -> None:
    for n in range(5):
        await add_job(db, clock, f"done-{n}", "done", finished_at=clock.now() - 20 * DAY)
    cutoff = clock.now() - 14 * DAY
    one_batch = await purge_finished_jobs(
        db, jobs_table, finished_before=cutoff, batch_size=2, max_batches=1
    )
    assert one_batch == 2
    assert await keys(db) == ["done-2", "done-3", "done-4"]  # the oldest first
    rest = await purge_finished_jobs(db, jobs_table, finished_before=cutoff, batch_size=2)
    assert rest == 3 and await keys(db) == []


async def test_the_purge_is_an_hourly_job_that_queues_its_next_run(
    db: Database, clock: FrozenClock
) -> None:
    retention = JobRetention(db, jobs_table, clock, days=14)
    worker = JobWorker("test", db, jobs_table, {PURGE_JOBS: retention}, clock)
    await retention.schedule()
    await retention.schedule()  # a second process starting: still one run per hour
    await add_job(db, clock, "old-done", "done", finished_at=clock.now() - 15 * DAY)
    first = [key for key in await keys(db) if key.startswith(PURGE_JOBS)]
    assert len(first) == 1
    assert await worker.drain() == 0, "not due before the hour"
    clock.advance(hours=1)
    assert await worker.drain() == 1
    left = await keys(db)
    assert "old-done" not in left
    assert [key for key in left if key.startswith(PURGE_JOBS)] == [
        first[0],
        f"{PURGE_JOBS}:scheduled:{int(first[0].rsplit(':', 1)[1]) + 1}",
    ]
