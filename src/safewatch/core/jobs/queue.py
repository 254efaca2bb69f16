"""The jobs table and enqueueing inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.db.base import JSONType, UTCDateTime
from safewatch.core.db.dialect import insert_for

PENDING, DONE, DEAD = "pending", "done", "dead"


def build_jobs_table(metadata: MetaData) -> Table:
    """Each service keeps its jobs in its own database, so each metadata gets its own table."""
    return Table(
        "jobs",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("kind", String(100), nullable=False),
        Column("dedup_key", String(255), nullable=True, unique=True),
        Column("payload", JSONType, nullable=False),
        Column("status", String(16), nullable=False, default=PENDING),
        Column("attempts", Integer, nullable=False, default=0),
        Column("max_attempts", Integer, nullable=False, default=10),
        Column("run_at", UTCDateTime, nullable=False),
        Column("lease_until", UTCDateTime, nullable=True),
        Column("lease_token", String(36), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("finished_at", UTCDateTime, nullable=True),
        Index("ix_jobs_status_run_at", "status", "run_at"),
    )


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    dedup_key: str | None


class RetryLater(Exception):
    """A transient failure: try again after the backoff, or after `retry_after` seconds if later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentJobError(Exception):
    """The job can never succeed: dead-letter it with this reason."""


async def enqueue(
    session: AsyncSession,
    table: Table,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedup_key: str | None = None,
    max_attempts: int = 10,
) -> None:
    """Add a job in the caller's transaction. A job whose dedup_key exists is silently skipped.
    This writes the row only: `UnitOfWork.enqueue` also wakes the worker after the commit."""
    await enqueue_many(
        session,
        table,
        kind,
        [(payload, dedup_key)],
        now=now,
        run_at=run_at,
        max_attempts=max_attempts,
    )


async def enqueue_many(
    session: AsyncSession,
    table: Table,
    kind: str,
    items: list[tuple[dict[str, Any], str | None]],
    *,
    now: datetime,
    run_at: datetime | None = None,
    max_attempts: int = 10,
) -> None:
    """Add several jobs of one kind in one statement; (payload, dedup_key) per job."""
    if not items:
        return
    rows = [
        {
            "kind": kind,
            "payload": payload,
            "dedup_key": dedup_key,
            "status": PENDING,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": run_at or now,
            "created_at": now,
        }
        for payload, dedup_key in items
    ]
    # Rows without a dedup key never conflict, so one ON CONFLICT statement serves both.
    statement = insert_for(session, table).on_conflict_do_nothing(index_elements=["dedup_key"])
    await session.execute(statement, rows)
