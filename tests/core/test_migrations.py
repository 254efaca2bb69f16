"""Several processes starting at once on one fresh PostgreSQL database all come up migrated."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from safewatch.core.db import Database
from safewatch.core.db.migrations import is_current, upgrade
from safewatch.core.testing.databases import postgres_admin_url
from tests.migrations import MIGRATIONS


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.parametrize("service", ["resq", "atlas", "halo"])
async def test_concurrent_starts_on_a_fresh_postgres_database_all_succeed(service: str) -> None:
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL tests run under CI=true or with SAFEWATCH_TEST_POSTGRES_URL set")
    name = f"safewatch_test_migrate_{uuid.uuid4().hex[:8]}"
    server = await asyncpg.connect(_dsn(admin))
    await server.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    databases = [Database(url) for _ in range(4)]
    try:
        await asyncio.gather(*(upgrade(db, MIGRATIONS[service]) for db in databases))
        assert all([await is_current(db, MIGRATIONS[service]) for db in databases])
    finally:
        for db in databases:
            await db.dispose()
        await server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await server.close()
