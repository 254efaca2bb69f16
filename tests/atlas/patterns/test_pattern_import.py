"""Importing points on both databases: idempotent by id, all or nothing, a run queued."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from safewatch.atlas.models import Threat, jobs
from safewatch.atlas.patterns import importer
from safewatch.atlas.patterns.importer import import_points
from safewatch.atlas.patterns.jobs import PATTERNS
from safewatch.atlas.patterns.points import Point
from safewatch.contracts.taxonomy import CATEGORIES
from safewatch.core.clock import FrozenClock
from safewatch.core.db import Database
from safewatch.core.unit_of_work import UnitsOfWork

NOW = datetime(2026, 1, 5, 12, tzinfo=UTC)


def points(count: int, prefix: str = "p") -> list[Point]:
    return [
        Point(i + 2, f"{prefix}{i}", NOW - timedelta(hours=i), 29.4 + i / 1e4, -98.5, "theft", "")
        for i in range(count)
    ]


@pytest.fixture
async def db(database_url: Callable[[str], str]) -> AsyncIterator[Database]:
    database = Database(database_url("atlas"))
    yield database
    await database.dispose()


async def counts(db: Database) -> tuple[int, int]:
    async with db.sessions() as session:
        threats = await session.scalar(select(func.count()).select_from(Threat))
        runs = await session.scalar(
            select(func.count()).select_from(jobs).where(jobs.c.kind == PATTERNS)
        )
    return int(threats or 0), int(runs or 0)


async def test_rows_become_threats_once_and_a_run_is_queued(db: Database) -> None:
    units = UnitsOfWork(db, FrozenClock(NOW), jobs)
    async with units.begin() as uow:
        assert await import_points(uow, "sait", points(7)) == 7
    async with units.begin() as uow:
        await import_points(uow, "sait", points(7) + points(2, "new"))
    assert await counts(db) == (9, 2)
    async with db.sessions() as session:
        threat = await session.scalar(select(Threat).where(Threat.reference == "p3"))
    assert threat is not None
    assert (threat.product, threat.category, threat.model_version) == ("sait", "theft", "import")
    assert threat.occurred_at == NOW - timedelta(hours=3)
    assert threat.scores == [1.0 if c == "theft" else 0.0 for c in CATEGORIES]


async def test_a_failure_part_way_leaves_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 3)

    def broken() -> Iterator[Point]:
        yield from points(5)
        raise OSError("the disk went away")

    with pytest.raises(OSError):
        async with UnitsOfWork(db, FrozenClock(NOW), jobs).begin() as uow:
            await import_points(uow, "halo", broken())
    assert await counts(db) == (0, 0)
