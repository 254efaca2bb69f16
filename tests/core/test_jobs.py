"""The durable job queue: transactional enqueue, retries with backoff, dead letters, leases."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from safewatch.core.clock import FrozenClock
from safewatch.core.db import Database
from safewatch.core.jobs import Job, JobWorker, PermanentJobError, RetryLater, enqueue
from safewatch.core.jobs.worker import backoff_seconds
from safewatch.resq.models import jobs as jobs_table


@pytest.fixture
async def db(database_url: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(database_url("resq"))
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


def worker(
    db: Database, clock: FrozenClock, handler: Callable[[Job], object], **options: object
) -> JobWorker:
    return JobWorker(
        "test",
        db,
        jobs_table,
        {"work": handler},
        clock,  # type: ignore[dict-item]
        backoff_base=1.0,
        backoff_cap=60.0,
        **options,
    )  # type: ignore[arg-type]


async def add(db: Database, clock: FrozenClock, n: int = 1, **kwargs: object) -> None:
    async with db.transaction() as session:
        for i in range(n):
            await enqueue(session, jobs_table, "work", {"n": i}, now=clock.now(), **kwargs)  # type: ignore[arg-type]


async def rows(db: Database) -> list[dict[str, object]]:
    async with db.transaction() as session:
        result = await session.execute(select(jobs_table).order_by(jobs_table.c.id))
        return [dict(row._mapping) for row in result]


async def test_enqueue_is_part_of_the_callers_transaction(db: Database, clock: FrozenClock) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await enqueue(session, jobs_table, "work", {}, now=clock.now())
            raise RuntimeError("the business write failed")
    assert await rows(db) == []


async def test_dedup_key_enqueues_once(db: Database, clock: FrozenClock) -> None:
    await add(db, clock, dedup_key="same")
    await add(db, clock, dedup_key="same")
    assert len(await rows(db)) == 1


async def test_transient_failures_retry_with_growing_backoff(
    db: Database, clock: FrozenClock
) -> None:
    calls: list[int] = []

    async def flaky(job: Job) -> None:
        calls.append(job.attempt)
        if job.attempt < 3:
            raise ConnectionError("peer down")

    w = worker(db, clock, flaky)
    await add(db, clock)
    assert await w.run_once() == 1
    first_delay = (await rows(db))[0]["run_at"] - clock.now()  # type: ignore[operator]
    assert 0.5 <= first_delay.total_seconds() <= 1.0
    assert await w.run_once() == 0  # not due yet
    clock.advance(1.0)
    await w.run_once()
    second_delay = (await rows(db))[0]["run_at"] - clock.now()  # type: ignore[operator]
    assert 1.0 <= second_delay.total_seconds() <= 2.0
    clock.advance(2.0)
    await w.run_once()
    [row] = await rows(db)
    assert calls == [1, 2, 3]
    assert row["status"] == "done" and row["attempts"] == 3
    assert row["last_error"] == "ConnectionError: peer down"


async def test_retry_after_is_honoured(db: Database, clock: FrozenClock) -> None:
    async def throttled(job: Job) -> None:
        raise RetryLater("429 from peer", retry_after=120)

    await add(db, clock)
    await worker(db, clock, throttled).run_once()
    [row] = await rows(db)
    assert (row["run_at"] - clock.now()).total_seconds() >= 120  # type: ignore[operator]


async def test_permanent_errors_dead_letter_at_once_with_the_reason(
    db: Database, clock: FrozenClock
) -> None:
    async def rejected(job: Job) -> None:
        raise PermanentJobError("422 from Atlas: unknown category")

    await add(db, clock)
    await worker(db, clock, rejected).run_once()
    [row] = await rows(db)
    assert row["status"] == "dead" and row["attempts"] == 1
    assert row["last_error"] == "422 from Atlas: unknown category"


async def test_gives_up_after_max_attempts(db: Database, clock: FrozenClock) -> None:
    async def always_down(job: Job) -> None:
        raise TimeoutError("no answer")

    await add(db, clock, max_attempts=3)
    w = worker(db, clock, always_down)
    for _ in range(3):
        await w.run_once()
        clock.advance(3600)
    [row] = await rows(db)
    assert row["status"] == "dead" and row["attempts"] == 3
    assert str(row["last_error"]).startswith("gave up after 3 attempts")


async def test_unknown_kind_is_dead_lettered(db: Database, clock: FrozenClock) -> None:
    async with db.transaction() as session:
        await enqueue(session, jobs_table, "nobody.handles.this", {}, now=clock.now())
    await worker(db, clock, lambda job: None).run_once()
    [row] = await rows(db)
    assert row["status"] == "dead" and "no handler" in str(row["last_error"])


async def test_a_lost_lease_is_taken_over_and_the_old_worker_cannot_finish(
    db: Database, clock: FrozenClock
) -> None:
    ran: list[str] = []

    async def work(job: Job) -> None:
        ran.append("second worker")

    await add(db, clock)
    crashed = worker(db, clock, work, lease_seconds=30)
    [claimed] = await crashed._claim("dead-worker-token")  # claimed, then the process died
    assert await worker(db, clock, work).run_once() == 0  # leased: nobody else takes it
    clock.advance(31)
    assert await worker(db, clock, work).run_once() == 1
    await crashed._finish(claimed, "dead-worker-token", status="dead", error="stale")
    [row] = await rows(db)
    assert ran == ["second worker"]
    assert row["status"] == "done" and row["attempts"] == 2


async def test_two_workers_draining_together_run_each_job_once(
    db: Database, clock: FrozenClock
) -> None:
    seen: Counter[int] = Counter()

    async def work(job: Job) -> None:
        await asyncio.sleep(0.001)
        seen[int(job.payload["n"])] += 1

    await add(db, clock, n=200)
    a, b = worker(db, clock, work), worker(db, clock, work)
    await asyncio.gather(a.drain(max_rounds=200), b.drain(max_rounds=200))
    assert len(seen) == 200 and set(seen.values()) == {1}
    assert {row["status"] for row in await rows(db)} == {"done"}


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (6, 32), (20, 60)]:
        samples = [backoff_seconds(attempt, 1.0, 60.0) for _ in range(200)]
        assert all(ceiling / 2 <= s <= ceiling for s in samples)
        assert max(samples) - min(samples) > 0  # jittered, so retries do not stampede


async def test_dead_jobs_are_listed_with_their_reason_and_can_be_requeued(
    db: Database, clock: FrozenClock
) -> None:
    from safewatch.core.jobs.admin import job_counts, list_jobs, requeue_dead

    async def rejected(job: Job) -> None:
        raise PermanentJobError("receiver said 422")

    await add(db, clock, n=2)
    await worker(db, clock, rejected).run_once()
    dead = await list_jobs(db, jobs_table, status="dead", limit=10)
    assert [row["last_error"] for row in dead] == ["receiver said 422"] * 2
    dead_id = int(dead[0]["id"])
    assert await requeue_dead(db, jobs_table, [dead_id], clock.now()) == [dead_id]
    assert await requeue_dead(db, jobs_table, [dead_id], clock.now()) == []
    assert await job_counts(db, jobs_table) == {"dead": 1, "pending": 1}


async def test_several_or_all_dead_jobs_are_requeued_at_once(
    db: Database, clock: FrozenClock
) -> None:
    from safewatch.core.jobs.admin import job_counts, list_jobs, requeue_dead

    async def rejected(job: Job) -> None:
        raise PermanentJobError("receiver said 422")

    await add(db, clock, n=4)
    await worker(db, clock, rejected).run_once()
    ids = sorted(int(row["id"]) for row in await list_jobs(db, jobs_table, status="dead", limit=9))
    assert await requeue_dead(db, jobs_table, [ids[0], ids[1], 999], clock.now()) == ids[:2]
    assert await requeue_dead(db, jobs_table, None, clock.now()) == ids[2:]
    assert await job_counts(db, jobs_table) == {"pending": 4}


async def test_an_outcome_write_that_loses_its_connection_is_written_again_at_once(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job ran; the first write of "done" meets a dropped connection. The worker writes it
    again on a fresh connection instead of leaving the job leased (and re-run a minute later)."""
    ran: list[int] = []
    transaction = db.transaction

    async def handler(job: Job) -> None:
        ran.append(job.id)

        @contextlib.asynccontextmanager
        async def dropped_once() -> AsyncIterator[object]:
            monkeypatch.setattr(db, "transaction", transaction)
            raise OperationalError("UPDATE jobs", {}, ConnectionResetError("connection lost"))
            yield  # pragma: no cover

        monkeypatch.setattr(db, "transaction", dropped_once)

    await add(db, clock)
    assert await worker(db, clock, handler).run_once() == 1
    async with db.transaction() as session:
        status, lease = (
            await session.execute(select(jobs_table.c.status, jobs_table.c.lease_until))
        ).one()
    assert (status, lease) == ("done", None)
    assert len(ran) == 1
