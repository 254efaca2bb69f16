"""A service as the process runs it: its app, database, migrations, worker and start-up hooks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI

from safewatch.core.db import Database
from safewatch.core.db.migrations import is_current, upgrade
from safewatch.core.jobs import JobWorker

StartHook = Callable[[], Awaitable[None]]
StopHook = Callable[[], Awaitable[None]]


def readiness_check(db: Database, migrations: Path) -> Callable[[], Awaitable[dict[str, bool]]]:
    """Ready when the database answers and its schema is at the head revision."""

    async def check() -> dict[str, bool]:
        database = await db.ping()
        current = database and await is_current(db, migrations)
        return {"database": database, "migrations": bool(current)}

    return check


@dataclass(frozen=True)
class Page:
    """A browser page a service serves, for the start-up block: its path and who it is for."""

    path: str
    audience: str


@dataclass
class ServiceRuntime:
    name: str
    app: FastAPI
    db: Database
    worker: JobWorker
    migrations: Path
    port: int
    on_start: list[StartHook] = field(default_factory=list)
    on_stop: list[StopHook] = field(default_factory=list)
    # What `serve` shows a person at start: the pages, and lines such as the demo sign-ins.
    # A value in `secrets` is shown in those lines at a terminal only, never where output is
    # kept (a pipe, a service manager's journal).
    pages: list[Page] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    async def migrate(self) -> None:
        await upgrade(self.db, self.migrations)

    async def start(self) -> None:
        await self.migrate()
        for hook in self.on_start:
            await hook()

    async def stop(self) -> None:
        for hook in self.on_stop:
            await hook()
        await self.db.dispose()

    def run_worker(self, stop: asyncio.Event) -> asyncio.Task[None]:
        return asyncio.create_task(self.worker.run_forever(stop), name=f"{self.name}-worker")
