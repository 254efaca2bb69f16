"""Retention: finished jobs are deleted some days after they finished, in bounded batches.

Only `done` jobs go. Dead jobs stay until someone requeues them (`safewatch jobs --retry`): they
are the one record of a failure an operator has to look at. Pending and leased jobs are work not
yet done. Nothing may rely on a finished job's row outliving this (a ledger of its own does).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, delete, select

from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.jobs.periodic import schedule_periodic
from safewatch.core.jobs.queue import DONE, Job
from safewatch.core.logging import get_logger

PURGE_JOBS = "jobs.purge"
PURGE_PERIOD_SECONDS = 3600.0
# Each batch is its own short transaction (SQLite has one writer); a run stops after
# MAX_BATCHES and the next hour's run takes the rest.
BATCH_SIZE = 500
MAX_BATCHES = 200
log = get_logger(__name__)


async def purge_finished_jobs(
    db: Database,
    table: Table,
    *,
    finished_before: datetime,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES,
) -> int:
    """Delete done jobs that finished before the cutoff; how many went."""
    oldest = (
        select(table.c.id)
        .where(table.c.status == DONE, table.c.finished_at < finished_before)
        .order_by(table.c.id)
        .limit(batch_size)
    )
    statement = delete(table).where(table.c.id.in_(oldest.scalar_subquery())).returning(table.c.id)
    total = 0
    for _ in range(max_batches):
        async with db.transaction() as session:
            deleted = len((await session.execute(statement)).all())
        total += deleted
        if deleted < batch_size:
            break
    return total


class JobRetention:
    """The hourly purge of one service's finished jobs: its handler and its start-up hook."""

    def __init__(self, db: Database, table: Table, clock: Clock, *, days: int) -> None:
        self.db, self.table, self.clock = db, table, clock
        self.retention = timedelta(days=days)

    async def schedule(self) -> None:
        async with self.db.transaction() as session:
            await schedule_periodic(
                session,
                self.table,
                PURGE_JOBS,
                key=PURGE_JOBS,
                period_seconds=PURGE_PERIOD_SECONDS,
                now=self.clock.now(),
            )

    async def __call__(self, job: Job) -> None:
        await self.schedule()  # the next run first, so a failing purge never ends the series
        now = self.clock.now()
        deleted = await purge_finished_jobs(
            self.db, self.table, finished_before=now - self.retention
        )
        log.info("jobs_purged", deleted=deleted, retention_days=self.retention.days)
