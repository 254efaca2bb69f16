"""The periodic pattern job: every few minutes (and after an import) it reads the recent
threats, runs every test for 7 and 30 days, and replaces the stored patterns."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from safewatch.atlas.models import jobs
from safewatch.atlas.patterns import repository
from safewatch.atlas.patterns.detect import BASELINE_DAYS, Events, Found, detect
from safewatch.atlas.patterns.service import TIME_RANGES
from safewatch.core.jobs import Job, schedule_periodic
from safewatch.core.logging import get_logger
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork

PATTERNS = "atlas.patterns"
log = get_logger(__name__)


async def schedule_patterns(uow: UnitOfWork, interval_minutes: float) -> None:
    """Queue the next periodic run: one job per period (due later, so no worker to wake)."""
    period = interval_minutes * 60
    await schedule_periodic(
        uow.session, jobs, PATTERNS, key="patterns", period_seconds=period, now=uow.now
    )


async def request_patterns(uow: UnitOfWork, reason: str, key: str) -> None:
    """Queue a run now (e.g. after an import), in the caller's unit of work."""
    await uow.enqueue(PATTERNS, {"reason": reason}, dedup_key=f"patterns:{key}")


def find_all(events: Events, end: datetime) -> dict[str, list[Found]]:
    return {name: detect(events, end, days) for name, days in TIME_RANGES.items()}


class PatternsJob:
    def __init__(self, units: UnitsOfWork, interval_minutes: float) -> None:
        self.units, self.interval = units, interval_minutes

    async def __call__(self, job: Job) -> None:
        now = self.units.clock.now()
        if job.payload.get("reason") == "scheduled":
            async with self.units.begin() as uow:
                await schedule_patterns(uow, self.interval)
        await run_patterns(self.units, now)


async def run_patterns(units: UnitsOfWork, now: datetime) -> dict[str, int]:
    """Detect and store; the statistics run in a thread so requests keep being served."""
    started = time.perf_counter()
    since = now - timedelta(days=max(TIME_RANGES.values()) + BASELINE_DAYS)
    async with units.db.sessions() as session:
        events = await repository.load_events(session, since, now)
    found = await asyncio.to_thread(find_all, events, now)
    async with units.begin() as uow:
        for name, patterns in found.items():
            await repository.replace(uow.session, name, patterns, now)
    counts = {name: len(patterns) for name, patterns in found.items()}
    log.info(
        "atlas.patterns.done",
        threats=len(events),
        patterns=counts,
        seconds=round(time.perf_counter() - started, 2),
    )
    return counts
