"""ResQ's migrations build exactly the tables its models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from safewatch.core.testing.schema import schema_drift
from tests.migrations import MIGRATIONS


async def test_migrations_match_the_models(database_url: Callable[[str], str]) -> None:
    assert await schema_drift(database_url("resq"), MIGRATIONS["resq"]) == []
