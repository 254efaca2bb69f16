"""Halo's migrations build exactly the tables its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect

from safewatch.core.db import Database
from safewatch.core.testing.schema import schema_drift
from tests.migrations import MIGRATIONS


async def test_migrations_match_the_models(database_url: Callable[[str], str]) -> None:
    url = database_url("halo")
    assert await schema_drift(url, MIGRATIONS["halo"]) == []

    def indexes(connection: Connection) -> set[str]:
        return {str(i["name"]) for i in inspect(connection).get_indexes("crime_incidents")}

    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            assert {"idx_atlas_threat_id", "idx_atlas_sync"} <= await connection.run_sync(indexes)
    finally:
        await db.dispose()
