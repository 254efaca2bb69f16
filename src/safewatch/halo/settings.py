"""Halo settings, read from HALO_* environment variables; the Atlas client from ATLAS_*."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from safewatch.atlas_client import AtlasClientSettings
from safewatch.core.config import SignInSettings

MEDIA_MAX_BYTES = 10 * 1024 * 1024


class HaloSettings(SignInSettings):
    model_config = SettingsConfigDict(env_prefix="HALO_", extra="ignore", populate_by_name=True)

    service_name: str = "halo"
    port: int = 8002
    # Media uploads may be this large (the form around the file comes on top); other bodies
    # stop at HALO_MAX_BODY_BYTES.
    max_media_bytes: int = Field(MEDIA_MAX_BYTES, ge=1024, le=200 * 1024 * 1024)

    # The Atlas client: ATLAS_API_URL, ATLAS_API_KEY, ATLAS_TIMEOUT, ATLAS_RETRY_COUNT, ...
    atlas: AtlasClientSettings = Field(default_factory=AtlasClientSettings)
    # Incident creation waits at most this long for Atlas, then uses the fallback classifier.
    atlas_deadline_ms: int = Field(800, ge=50, le=30_000)
    # The canary plan: this share of reporters (stable by reporter) goes through Atlas.
    rollout_percent: int = Field(100, ge=0, le=100, validation_alias="ATLAS_ROLLOUT_PERCENT")
    # Round locations sent to Atlas to this many decimals (None: as given; 3 is about 100 m).
    atlas_location_decimals: int | None = Field(None, ge=0, le=6)
    # The public view of an incident shows its location rounded to this (2 is about 1 km).
    public_location_decimals: int = Field(3, ge=0, le=6)
    # Phone numbers without a country code are read as this region's (scrubbing).
    phone_region: str = Field("SE", min_length=2, max_length=2)
    # Intelligence patterns: fresh for this long, then kept as a stale answer for outages.
    patterns_cache_seconds: float = Field(60.0, ge=0)
    patterns_stale_seconds: float = Field(24 * 3600.0, ge=0)

    # Signing key for access tokens; unset: generated once and kept in the data dir (0600).
    jwt_secret: SecretStr | None = None
    token_ttl_minutes: int = Field(60, ge=1, le=24 * 60)
    # The web page's map: a tile URL such as https://tile.openstreetmap.org/{z}/{x}/{y}.png
    # (unset: no tiles; incidents and patterns are still drawn) and where it opens.
    map_tiles_url: str | None = Field(None, pattern=r"^https?://[^\s'\"]+$")
    map_tiles_attribution: str = "© OpenStreetMap contributors"
    map_latitude: float = Field(59.3293, ge=-90, le=90)
    map_longitude: float = Field(18.0686, ge=-180, le=180)

    # Reports and uploads per client address (anonymous reporting is allowed).
    report_rate_limit: str = "30/minute"
