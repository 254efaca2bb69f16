"""Do a service's migrations build exactly the tables its models describe?"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from safewatch.core.db import Database
from safewatch.core.db.migrations import alembic_config
from safewatch.core.testing.databases import migrations_of


async def schema_drift(url: str, service: str) -> list[Any]:
    """What `alembic revision --autogenerate` would write against the database at `url`
    (migrated to head): [] when migrations and models agree. It runs the service's own env.py,
    so the comparison sees the metadata and options autogenerate would."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(_drift, service)
    finally:
        await db.dispose()


def _drift(connection: Connection, service: str) -> list[Any]:
    config = alembic_config(migrations_of(service))
    config.attributes["connection"] = connection
    script = ScriptDirectory.from_config(config)
    found: list[Any] = []

    def compare(_heads: Any, context: MigrationContext) -> list[Any]:
        found.extend(compare_metadata(context, context.opts["target_metadata"]))
        return []  # no migration steps: compare only

    with EnvironmentContext(config, script, fn=compare):
        script.run_env()
    return found
