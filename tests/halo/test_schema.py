"""The migrations build exactly the tables the models describe; every route states its rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from safewatch.core.db import Database
from safewatch.halo.app import build_halo
from safewatch.halo.models import Base
from safewatch.halo.settings import HaloSettings


async def test_migrations_match_the_models(database_url: Callable[[str], str]) -> None:
    db = Database(database_url("halo"))

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    def indexes(connection: Connection) -> set[str]:
        return {str(i["name"]) for i in inspect(connection).get_indexes("crime_incidents")}

    try:
        async with db.engine.connect() as connection:
            assert await connection.run_sync(diff) == []
            assert {"idx_atlas_threat_id", "idx_atlas_sync"} <= await connection.run_sync(indexes)
    finally:
        await db.dispose()


def test_every_route_states_its_auth_rule(tmp_path: Path) -> None:
    app = build_halo(HaloSettings(data_dir=tmp_path)).app
    for path, methods in app.openapi()["paths"].items():
        if path in ("/healthz", "/readyz", "/metrics"):
            continue
        for method, operation in methods.items():
            assert "(auth:" in operation["summary"], f"{method.upper()} {path}"
