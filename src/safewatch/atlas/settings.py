"""Atlas settings, read from ATLAS_* environment variables (the service side)."""

from pydantic_settings import SettingsConfigDict

from safewatch.core.config import ServiceSettings


class AtlasSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore", populate_by_name=True)

    service_name: str = "atlas"
    port: int = 8001
