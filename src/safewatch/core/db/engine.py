"""Engines and sessions. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
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
        # A worker sets job_wake so that jobs enqueued by a request start as soon as it commits.
        self.job_wake: Callable[[], None] | None = None
        # A service with real-time clients sets event_bus (core.events.EventBus).
        self.event_bus: Any = None
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, info={"database": self}
        )

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
