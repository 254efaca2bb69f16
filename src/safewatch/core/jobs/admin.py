"""Looking at and re-queuing jobs (the `safewatch jobs` command)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select, update

from safewatch.core.db import Database
from safewatch.core.jobs.queue import DEAD, PENDING


async def job_counts(db: Database, table: Table) -> dict[str, int]:
    async with db.transaction() as session:
        rows = await session.execute(select(table.c.status, func.count()).group_by(table.c.status))
        return {status: int(count) for status, count in rows.all()}


async def list_jobs(db: Database, table: Table, *, status: str, limit: int) -> list[dict[str, Any]]:
    statement = (
        select(table.c.id, table.c.kind, table.c.attempts, table.c.run_at, table.c.last_error)
        .where(table.c.status == status)
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    async with db.transaction() as session:
        return [dict(row._mapping) for row in await session.execute(statement)]


async def requeue_dead(
    db: Database, table: Table, job_ids: Sequence[int] | None, now: datetime
) -> list[int]:
    """Give dead-lettered jobs a fresh set of attempts: these (None: every dead job). Returns
    the ids re-queued; a job that is not dead is left alone."""
    statement = update(table).where(table.c.status == DEAD)
    if job_ids is not None:
        statement = statement.where(table.c.id.in_(list(job_ids)))
    statement = statement.values(
        status=PENDING, attempts=0, run_at=now, finished_at=None
    ).returning(table.c.id)
    async with db.transaction() as session:
        return sorted((await session.execute(statement)).scalars())
