"""Client settings, read from the integration plan's environment names (ATLAS_API_URL, ...)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class AtlasClientSettings(BaseSettings):
    """`ATLAS_API_URL`, `ATLAS_API_KEY`, `ATLAS_TIMEOUT`, `ATLAS_RETRY_COUNT`,
    `ATLAS_FALLBACK_ENABLED` (the plan's names) plus the product and cooldown knobs."""

    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore", populate_by_name=True)

    # Where Atlas is, and this product's key (sent as X-API-Key).
    api_url: str = "http://127.0.0.1:8001"
    api_key: SecretStr | None = None
    product: str = Field("halo", description="Sent as X-Product and as source_product")
    # The whole call's budget in seconds, retries and backoff included (the plan's 10 s was per
    # attempt, so two retries could stall a caller for 30 s). Calls may pass a tighter deadline.
    timeout: float = Field(10.0, gt=0, le=300)
    # Retries of idempotent calls, within that budget.
    retry_count: int = Field(2, ge=0, le=10)
    # Read by the product (Halo): when false, a failed call is an error instead of a fallback.
    fallback_enabled: bool = True
    # After this many failed calls in a row, calls fail fast for cooldown_seconds; then one
    # probe call at a time decides whether Atlas is back.
    failure_threshold: int = Field(3, ge=1, le=100)
    cooldown_seconds: float = Field(30.0, gt=0, le=3600)
    # First retry waits about this long (doubling after, with jitter, within the deadline).
    backoff_seconds: float = Field(0.05, ge=0, le=10)
    # Larger answers are refused mid-read and retried like any garbage, so a runaway or hostile
    # answer cannot fill the caller's memory (Atlas's largest, 100 patterns, is far below).
    max_answer_bytes: int = Field(4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
