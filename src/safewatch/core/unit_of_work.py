"""The unit of work: one per request or job. It owns the transaction and collects what must
happen only once that transaction commits: waking the job worker, publishing events.

    units = UnitsOfWork(db, clock, jobs, bus=bus)     # once per service, at build
    units.wake = worker.wake                          # jobs start as soon as a request commits
    async with units.begin() as uow:
        uow.session.add(...)
        await uow.enqueue("halo.atlas_sync", {...})   # in this transaction
        uow.publish(Event(...))                       # after commit
    # committed: the worker woken if a job was enqueued, events published; on error, neither
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import Depends
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.events import Event, EventBus
from safewatch.core.jobs.queue import enqueue_many
from safewatch.core.logging import get_logger

log = get_logger(__name__)


class UnitOfWork:
    """One transaction (`session`, begun at `now`) and what waits for its commit. `publishes`
    is false without an event bus, so a caller can skip working out an event's audience."""

    def __init__(
        self, session: AsyncSession, now: datetime, jobs: Table, *, publishes: bool = False
    ) -> None:
        self.session = session
        self.now = now
        self.publishes = publishes
        self._jobs = jobs
        self.enqueued = 0
        self.events: list[Event] = []

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        dedup_key: str | None = None,
        max_attempts: int = 10,
    ) -> None:
        """A job written in this transaction (skipped if its dedup_key exists)."""
        await self.enqueue_many(
            kind, [(payload, dedup_key)], run_at=run_at, max_attempts=max_attempts
        )

    async def enqueue_many(
        self,
        kind: str,
        items: list[tuple[dict[str, Any], str | None]],
        *,
        run_at: datetime | None = None,
        max_attempts: int = 10,
    ) -> None:
        """Several jobs of one kind in one statement; (payload, dedup_key) per job."""
        await enqueue_many(
            self.session,
            self._jobs,
            kind,
            items,
            now=self.now,
            run_at=run_at,
            max_attempts=max_attempts,
        )
        self.enqueued += len(items)

    def publish(self, event: Event) -> None:
        """Publish `event` once this transaction commits; never if it rolls back."""
        self.events.append(event)


class UnitsOfWork:
    """A service's factory of units of work: its database, clock, jobs table and event bus.
    The job worker sets `wake` (the worker is built after the jobs that need this factory)."""

    def __init__(
        self, db: Database, clock: Clock, jobs: Table, *, bus: EventBus | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.jobs = jobs
        self.bus = bus
        self.wake: Callable[[], None] | None = None

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work: committed when the block ends, rolled back if it raises. The
        connection is taken at the first statement, not here."""
        async with self.db.sessions() as session:
            async with session.begin():
                now = self.clock.now()
                uow = UnitOfWork(session, now, self.jobs, publishes=self.bus is not None)
                yield uow
            await self._after_commit(uow)

    async def _after_commit(self, uow: UnitOfWork) -> None:
        if uow.enqueued and self.wake is not None:
            self.wake()
        if self.bus is None:
            return
        for event in uow.events:
            # Events are best effort (the state is durable): one failing must not fail a
            # request whose transaction has committed.
            try:
                await self.bus.publish(event)
            except Exception:
                log.exception("event_publish_failed", event_type=event.type)


def route_unit_of_work(
    get_context: Callable[..., Awaitable[Any]],
) -> Callable[..., AsyncIterator[UnitOfWork]]:
    """The FastAPI dependency giving a route a unit of work from its service's context (which
    has `units`). Use it with `Depends(..., scope="function")`: the commit then happens when the
    route returns, before the response is sent (by default FastAPI runs a yield dependency's
    exit after sending), so a caller that reads next sees the change, and a failed commit is
    the answer."""

    async def unit_of_work(ctx: Any = Depends(get_context)) -> AsyncIterator[UnitOfWork]:
        async with ctx.units.begin() as uow:
            yield uow

    return unit_of_work
