"""The periodic pattern job: every few minutes (and after an import) it reads the recent
threats, runs every test for 7 and 30 days, and replaces the stored patterns."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.atlas.models import jobs
from safewatch.atlas.patterns import repository
from safewatch.atlas.patterns.detect import BASELINE_DAYS, Events, Found, detect
from safewatch.atlas.patterns.service import TIME_RANGES
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.jobs import Job, enqueue, schedule_periodic
from safewatch.core.logging import get_logger

PATTERNS = "atlas.patterns"
log = get_logger(__name__)


async def schedule_patterns(session: AsyncSession, interval_minutes: float, now: datetime) -> None:
    """Queue the next periodic run: one job per period."""
    await schedule_periodic(
        session, jobs, PATTERNS, key="patterns", period_seconds=interval_minutes * 60, now=now
    )


async def request_patterns(session: AsyncSession, reason: str, key: str, now: datetime) -> None:
    """Queue a run now (e.g. after an import), in the caller's transaction."""
    await enqueue(session, jobs, PATTERNS, {"reason": reason}, now=now, dedup_key=f"patterns:{key}")


def find_all(events: Events, end: datetime) -> dict[str, list[Found]]:
    return {name: detect(events, end, days) for name, days in TIME_RANGES.items()}


class PatternsJob:
    def __init__(self, db: Database, clock: Clock, interval_minutes: float) -> None:
        self.db, self.clock, self.interval = db, clock, interval_minutes

    async def __call__(self, job: Job) -> None:
        now = self.clock.now()
        if job.payload.get("reason") == "scheduled":
            async with self.db.transaction() as session:
                await schedule_patterns(session, self.interval, now)
        await run_patterns(self.db, now)


async def run_patterns(db: Database, now: datetime) -> dict[str, int]:
    """Detect and store; the statistics run in a thread so requests keep being served."""
    started = time.perf_counter()
    since = now - timedelta(days=max(TIME_RANGES.values()) + BASELINE_DAYS)
    async with db.sessions() as session:
        events = await repository.load_events(session, since, now)
    found = await asyncio.to_thread(find_all, events, now)
    async with db.transaction() as session:
        for name, patterns in found.items():
            await repository.replace(session, name, patterns, now)
    counts = {name: len(patterns) for name, patterns in found.items()}
    log.info(
        "atlas.patterns.done",
        threats=len(events),
        patterns=counts,
        seconds=round(time.perf_counter() - started, 2),
    )
    return counts
