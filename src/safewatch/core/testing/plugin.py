"""The pytest plugin every service's tests use (enabled in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from safewatch.core.testing.databases import (
    Migrations,
    PostgresDatabases,
    SqliteTemplates,
    postgres_admin_url,
)

BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def service_migrations() -> Migrations:
    """Each service's Alembic folder by name. The project's conftest.py overrides this: the
    services are its to name, not core's."""
    raise pytest.UsageError("define a `service_migrations` fixture in conftest.py")


@pytest.fixture(scope="session")
def postgres_databases(service_migrations: Migrations) -> Iterator[PostgresDatabases]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("PostgreSQL tests run under CI=true or with SAFEWATCH_TEST_POSTGRES_URL set")
    databases = PostgresDatabases(admin_url, service_migrations)
    try:
        # Fail fast (never skip) when the server is unreachable.
        databases.url_for(next(iter(service_migrations)))
    except OSError as exc:
        pytest.fail(f"PostgreSQL at {admin_url} is unreachable: {exc}")
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def sqlite_templates(
    tmp_path_factory: pytest.TempPathFactory, service_migrations: Migrations
) -> SqliteTemplates:
    return SqliteTemplates(tmp_path_factory.mktemp("sqlite-templates"), service_migrations)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[str], str]:
    """database_url("resq") -> the URL of a fresh, migrated, empty database for that service."""

    def make(service: str) -> str:
        if backend == "postgres":
            return request.getfixturevalue("postgres_databases").url_for(service)
        return request.getfixturevalue("sqlite_templates").url_for(service, tmp_path)

    return make
