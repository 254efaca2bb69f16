"""The unit of work: one transaction; the worker woken and events published only after commit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from safewatch.core.clock import FrozenClock
from safewatch.core.db import Database
from safewatch.core.errors import TooManyRequests
from safewatch.core.events import Event, InProcessBus
from safewatch.core.jobs import enqueue
from safewatch.core.ratelimit import RateLimit
from safewatch.core.unit_of_work import UnitsOfWork
from safewatch.halo.models import jobs


@pytest.fixture
async def db(database_url: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(database_url("halo"))
    yield database
    await database.dispose()


class Seen:
    """A worker's wake callback and a bus subscriber that record what reached them."""

    def __init__(self) -> None:
        self.wakes = 0
        self.events: list[str] = []

    def wake(self) -> None:
        self.wakes += 1

    async def event(self, event: Event) -> None:
        self.events.append(event.type)


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def units(db: Database, seen: Seen) -> UnitsOfWork:
    bus = InProcessBus()
    bus.subscribe(seen.event)
    units = UnitsOfWork(db, FrozenClock(), jobs, bus=bus)
    units.wake = seen.wake
    return units


async def job_kinds(db: Database) -> list[str]:
    async with db.sessions() as session:
        return list(await session.scalars(select(jobs.c.kind).order_by(jobs.c.id)))


async def test_commit_writes_jobs_then_wakes_once_and_publishes(
    db: Database, units: UnitsOfWork, seen: Seen
) -> None:
    async with units.begin() as uow:
        await uow.enqueue("a", {}, dedup_key="a")
        await uow.enqueue_many("b", [({}, None), ({}, None)])
        uow.publish(Event("one", {}))
        uow.publish(Event("two", {}))
        assert (seen.wakes, seen.events) == (0, [])  # nothing before the commit
    assert await job_kinds(db) == ["a", "b", "b"]
    assert (seen.wakes, seen.events) == (1, ["one", "two"])


async def test_rollback_leaves_no_jobs_no_wake_no_events(
    db: Database, units: UnitsOfWork, seen: Seen
) -> None:
    with pytest.raises(RuntimeError):
        async with units.begin() as uow:
            await uow.enqueue("a", {})
            uow.publish(Event("one", {}))
            raise RuntimeError("the business write failed")
    assert await job_kinds(db) == []
    assert (seen.wakes, seen.events) == (0, [])


async def test_no_wake_without_jobs_and_now_is_the_clock(units: UnitsOfWork, seen: Seen) -> None:
    async with units.begin() as uow:
        assert uow.now == units.clock.now() and uow.publishes
    assert seen.wakes == 0


async def test_a_failing_bus_does_not_fail_a_committed_unit(db: Database, seen: Seen) -> None:
    class Broken(InProcessBus):
        async def publish(self, event: Event) -> None:
            raise ConnectionError("bus down")

    async with UnitsOfWork(db, FrozenClock(), jobs).begin() as uow:
        assert not uow.publishes  # no bus: events have nowhere to go
    units = UnitsOfWork(db, FrozenClock(), jobs, bus=Broken())
    async with units.begin() as uow:
        await uow.enqueue("a", {})
        uow.publish(Event("lost", {}))
    assert await job_kinds(db) == ["a"]


async def test_only_a_unit_of_work_wakes_the_worker(
    db: Database, units: UnitsOfWork, seen: Seen
) -> None:
    """A unit of work's commit wakes the worker once; `core.jobs.enqueue` in a plain
    transaction only writes the row (its job is found by the worker's next poll)."""
    async with units.begin() as uow:
        await uow.enqueue("a", {})
    assert seen.wakes == 1
    async with db.transaction() as session:
        await enqueue(session, jobs, "b", {}, now=units.clock.now())
    await asyncio.sleep(0)
    assert (seen.wakes, await job_kinds(db)) == (1, ["a", "b"])


async def test_rate_limit_answers_429_with_retry_after() -> None:
    limit = RateLimit("2/minute", scope="test")
    await limit.hit("1.2.3.4", refusal="Too many")
    await limit.hit("1.2.3.4", refusal="Too many")
    await limit.hit("5.6.7.8", refusal="Too many")  # each key has its own window
    with pytest.raises(TooManyRequests) as refused:
        await limit.hit("1.2.3.4", refusal="Too many from 1.2.3.4")
    assert refused.value.message == "Too many from 1.2.3.4: limit 2/minute"
    assert 1 <= int((refused.value.headers or {})["Retry-After"]) <= 60
