"""Atlas settings, read from ATLAS_* environment variables (the service side).

Product keys keep the integration plan's names (`API_KEY_HALO`, ...), without the prefix.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from safewatch.atlas.media.settings import MediaSettings
from safewatch.core.config import ServiceSettings

PRODUCTS = ("halo", "frontline", "sait", "resq")


class AtlasSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ATLAS_", extra="ignore", populate_by_name=True)

    service_name: str = "atlas"
    port: int = 8001

    # Each product's key (the integration plan's names); more with `safewatch atlas keys create`.
    api_key_halo: SecretStr | None = Field(None, validation_alias="API_KEY_HALO")
    api_key_frontline: SecretStr | None = Field(None, validation_alias="API_KEY_FRONTLINE")
    api_key_sait: SecretStr | None = Field(None, validation_alias="API_KEY_SAIT")
    api_key_resq: SecretStr | None = Field(None, validation_alias="API_KEY_RESQ")
    # Per product, per process (`limits` moving window).
    rate_limit: str = "1200/minute"

    # Longest text and largest batch a classify call takes (longer: 422 saying so).
    max_text_chars: int = Field(5000, ge=100, le=100_000)
    max_batch: int = Field(100, ge=1, le=1000)
    # Larger JSON bodies are refused with 413 before they are read: a full batch of the longest
    # texts, escaped as \uXXXX, fits. Media uploads have their own limit (ATLAS_MEDIA_MAX_BYTES).
    max_body_bytes: int = 4 * 1024 * 1024

    # Model artifacts; the registry rows name files in here. Default: <data dir>/models.
    model_dir: Path | None = None
    # Train on at most this many bundled rows (0 = all): quick trials and tests. A sample also
    # trains the first model at start instead of serving the shipped one (trained on all rows).
    training_sample: int = Field(0, ge=0)
    # How often each process checks the registry for a newly promoted champion.
    model_refresh_seconds: float = Field(30.0, gt=0)
    retrain_interval_hours: float = Field(24.0, gt=0)
    # This many new feedback items since the champion was trained queue a retrain at once.
    retrain_min_feedback: int = Field(200, ge=1)
    # A challenger may lose at most this much macro-F1 on the fixed validation split.
    promotion_tolerance: float = Field(0.005, ge=0, le=0.1)

    # Correlations: stored threats this near in space and time are compared in meaning.
    correlation_radius_km: float = Field(2.0, gt=0, le=50)
    correlation_window_hours: float = Field(72.0, gt=0, le=24 * 30)

    # How often the pattern job re-reads the threats and replaces the stored patterns.
    patterns_interval_minutes: float = Field(5.0, gt=0)
    # Photo, video and audio analysis (ATLAS_MEDIA_* variables).
    media: MediaSettings = Field(default_factory=MediaSettings)

    def product_keys(self) -> dict[str, str]:
        """The keys set in the environment, by product."""
        keys = {
            "halo": self.api_key_halo,
            "frontline": self.api_key_frontline,
            "sait": self.api_key_sait,
            "resq": self.api_key_resq,
        }
        return {product: key.get_secret_value() for product, key in keys.items() if key}

    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"
