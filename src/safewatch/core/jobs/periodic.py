"""Periodic jobs: one job per period, named by its slot, queued again by each run."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.jobs.queue import enqueue


async def schedule_periodic(
    session: AsyncSession,
    table: Table,
    kind: str,
    *,
    key: str,
    period_seconds: float,
    now: datetime,
    max_attempts: int = 3,
) -> None:
    """Queue the run at the start of the next period. The dedup key names the slot, so every
    process starting (and every run re-queuing) makes one job per period, not one each."""
    slot = int(now.timestamp() // period_seconds) + 1
    await enqueue(
        session,
        table,
        kind,
        {"reason": "scheduled"},
        now=now,
        run_at=datetime.fromtimestamp(slot * period_seconds, UTC),
        dedup_key=f"{key}:scheduled:{slot}",
        max_attempts=max_attempts,
    )
