"""Engines and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        # Stop the driver from issuing its own deferred BEGIN; we issue BEGIN IMMEDIATE below,
        # because a deferred reader that later writes ignores busy_timeout and fails at once.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _connection_lost(error: BaseException | None) -> bool:
    """PostgreSQL closed the session (a connection error, an administrator or crash shutdown),
    or asyncpg's protocol was left mid-operation by that closing and can serve nothing more."""
    while error is not None:
        if isinstance(error, asyncpg.InternalClientError):
            return True
        if isinstance(error, asyncpg.PostgresError) and (
            error.sqlstate.startswith("08") or error.sqlstate in ("57P01", "57P02", "57P03")
        ):
            return True
        error = error.__cause__
    return False


def _configure_postgres(engine: AsyncEngine) -> None:
    # SQLAlchemy reads a terminated session as a disconnect only once asyncpg has seen the
    # socket close; until then it may keep the broken connection in the pool. Marking these
    # errors as disconnects (SQLAlchemy's documented hook) drops that connection and every
    # older one in the pool, and sets `connection_invalidated` so the API answers 503.
    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if not context.is_disconnect and _connection_lost(context.original_exception):
            context.is_disconnect = True


class Database:
    """One service's engine and session factory."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.sqlite = is_sqlite(url)
        if self.sqlite:
            database = make_url(url).database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            # One connection per process: writers are serialised anyway, and queueing in the
            # pool (FIFO, async) is far kinder to tail latency than SQLite's sleeping busy loop.
            self.engine = create_async_engine(
                url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=60
            )
            _configure_sqlite(self.engine)
        else:
            self.engine = create_async_engine(
                url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
            )
            _configure_postgres(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()
