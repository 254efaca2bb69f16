"""Atlas's migrations build exactly the tables its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from tests.migrations import MIGRATIONS

from safewatch.core.testing.schema import schema_drift


async def test_migrations_match_the_models(database_url: Callable[[str], str]) -> None:
    assert await schema_drift(database_url("atlas"), MIGRATIONS["atlas"]) == []
