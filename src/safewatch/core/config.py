"""Typed settings. Each service subclasses ServiceSettings with its own env prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service needs: where its data lives and how it logs."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    # SQLite files, secrets generated at first start and model files live here.
    data_dir: Path = Field(default=Path("var"), validation_alias="SAFEWATCH_DATA_DIR")
    # e.g. postgresql+asyncpg://user@host/db; unset: a SQLite file in the data dir.
    database_url: str | None = None
    # `production` hides /docs and the OpenAPI schema.
    environment: str = Field(default="development", validation_alias="SAFEWATCH_ENV")
    # Larger request bodies are refused with 413 before they are read.
    max_body_bytes: int = 64 * 1024

    # The job worker: how often it looks for due jobs, and how many it runs at once.
    worker_poll_seconds: float = 0.5
    worker_concurrency: int = 8
    # Done jobs are deleted this many days after they finished (checked hourly). Dead jobs are
    # kept until requeued (`safewatch jobs --retry`): they are the record of a failure.
    job_retention_days: int = Field(14, ge=1, le=3650)

    service_name: str = "service"

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file named after the service in the data dir."""
        if self.database_url:
            return self.database_url
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


class SignInSettings(ServiceSettings):
    """What a service with users and `POST /api/auth/token/` adds (ResQ, Halo)."""

    # Sign-in throttling, counted in the database so every process shares it: failed attempts
    # allowed per username in one window; the next attempt gets 429 with Retry-After.
    login_max_failures: int = Field(5, ge=1, le=1000)
    # Failed attempts allowed from one client address in one window, whatever the usernames
    # (higher: a campus behind one NAT address shares it).
    login_max_failures_per_address: int = Field(20, ge=1, le=100_000)
    # The fixed window's length.
    login_window_seconds: int = Field(60, ge=1, le=24 * 3600)
