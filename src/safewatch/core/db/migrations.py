"""Alembic glue: one migration tree per service, applied at start on the service's own engine."""

from __future__ import annotations

import asyncio
import importlib
import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, pool, text
from sqlalchemy.ext.asyncio import async_engine_from_config

from safewatch.core.db.engine import Database


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade(db: Database, script_location: Path) -> None:
    """Bring the service's database to the head revision, on the service's own engine."""

    def _upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Processes starting together on one database take turns: the first migrates, the
            # others then find it at head. The lock ends with this transaction.
            key = zlib.crc32(str(script_location.parent.name).encode())
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        config = alembic_config(script_location)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_current(db: Database, script_location: Path) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(script_location)).get_heads())

    def _current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async with db.engine.connect() as connection:
        return await connection.run_sync(_current) == heads


def table_modules(package: str) -> list[str]:
    """The modules of a service package that hold its tables, by convention: every module
    with a `models` part in its name (`resq.models.campus`, `atlas.patterns.models`)."""
    root = importlib.import_module(package)
    base = Path(str(root.__file__)).parent
    names = []
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(base).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if "models" in parts and "migrations" not in parts:
            names.append(".".join((package, *parts)))
    return names


def import_models(package: str) -> None:
    """Put every table of a service into its metadata. A table whose module nobody imported
    would look dropped to `alembic revision --autogenerate` (tests/core/test_table_modules.py
    fails for a table outside the convention)."""
    for name in table_modules(package):
        importlib.import_module(name)


def run_env(target_metadata: MetaData, package: str) -> None:
    """The body of every service's env.py: all the service's tables (`package`'s table
    modules) in `target_metadata`; batch mode so SQLite can alter tables."""
    import_models(package)
    options: dict[str, Any] = {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
    }
    if context.is_offline_mode():
        context.configure(url=context.config.get_main_option("sqlalchemy.url"), **options)
        with context.begin_transaction():
            context.run_migrations()
        return

    def _run(connection: Connection) -> None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return

    async def _standalone() -> None:
        engine = async_engine_from_config(
            context.config.get_section(context.config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.begin() as conn:
            await conn.run_sync(_run)
        await engine.dispose()

    asyncio.run(_standalone())
