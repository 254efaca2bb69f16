"""Fresh, migrated databases per test: a copied SQLite template, or a truncated PostgreSQL one.

Under CI (CI=true) PostgreSQL is mandatory: an unreachable server fails the run, never skips.
Elsewhere PostgreSQL tests run when SAFEWATCH_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from safewatch.core.db import Database
from safewatch.core.db.migrations import upgrade

T = TypeVar("T")
CI_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str | None:
    """The server to create test databases on, or None when PostgreSQL tests are off."""
    configured = os.environ.get("SAFEWATCH_TEST_POSTGRES_URL")
    if configured:
        return configured
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return CI_POSTGRES_URL
    return None


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even when called inside a running loop
    (async fixtures): then it runs on a fresh loop in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# Each service's Alembic folder, by the name tests ask for ("resq"). The caller passes them in:
# core names no service.
Migrations = Mapping[str, Path]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _migrate(url: str, migrations: Path) -> None:
    db = Database(url)
    try:
        await upgrade(db, migrations)
    finally:
        await db.dispose()


class PostgresDatabases:
    """One database per service for the whole run, created fresh and dropped at the end."""

    def __init__(self, admin_url: str, migrations: Migrations) -> None:
        self.admin_url = admin_url
        self.migrations = migrations
        self.run_id = uuid.uuid4().hex[:8]
        self.created: dict[str, str] = {}

    def url_for(self, service: str) -> str:
        if service not in self.created:
            name = f"safewatch_test_{self.run_id}_{service}"
            run_sync(self._create(name))
            url = make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
            run_sync(_migrate(url, self.migrations[service]))
            self.created[service] = url
        url = self.created[service]
        run_sync(self._truncate(url))
        return url

    async def _create(self, name: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(self.admin_url), timeout=10)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    @staticmethod
    async def _truncate(url: str) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
        try:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            if names:
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        finally:
            await connection.close()

    def drop_all(self) -> None:
        async def _drop() -> None:
            connection = await asyncpg.connect(_asyncpg_dsn(self.admin_url), timeout=10)
            try:
                for url in self.created.values():
                    name = make_url(url).database
                    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()

        run_sync(_drop())


class SqliteTemplates:
    """Migrate once per service, then hand each test its own copy of the file."""

    def __init__(self, root: Path, migrations: Migrations) -> None:
        self.root = root
        self.migrations = migrations
        self.templates: dict[str, Path] = {}

    def url_for(self, service: str, directory: Path) -> str:
        if service not in self.templates:
            template = self.root / f"{service}-template.db"
            run_sync(_migrate(f"sqlite+aiosqlite:///{template}", self.migrations[service]))
            self.templates[service] = template
        target = directory / f"{service}.db"
        shutil.copyfile(self.templates[service], target)
        return f"sqlite+aiosqlite:///{target}"
