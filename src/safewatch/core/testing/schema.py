"""Do a service's migrations build exactly the tables its models describe?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from safewatch.core.db import Database
from safewatch.core.db.migrations import alembic_config


async def schema_drift(url: str, migrations: Path) -> list[Any]:
    """What `alembic revision --autogenerate` would write against the database at `url`
    (migrated to head): [] when migrations and models agree. It runs the service's own env.py
    (in `migrations`),
    so the comparison sees the metadata and options autogenerate would."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(_drift, migrations)
    finally:
        await db.dispose()


def _drift(connection: Connection, migrations: Path) -> list[Any]:
    config = alembic_config(migrations)
    config.attributes["connection"] = connection
    script = ScriptDirectory.from_config(config)
    found: list[Any] = []

    def compare(_heads: Any, context: MigrationContext) -> list[Any]:
        found.extend(compare_metadata(context, context.opts["target_metadata"]))
        return []  # no migration steps: compare only

    with EnvironmentContext(config, script, fn=compare):
        script.run_env()
    return found
