"""Halo settings, read from HALO_* environment variables."""

from pydantic_settings import SettingsConfigDict

from safewatch.core.config import ServiceSettings


class HaloSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HALO_", extra="ignore", populate_by_name=True)

    service_name: str = "halo"
    port: int = 8002
