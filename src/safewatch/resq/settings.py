"""ResQ settings, read from RESQ_* environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from safewatch.core.config import SignInSettings


class ResqSettings(SignInSettings):
    model_config = SettingsConfigDict(env_prefix="RESQ_", extra="ignore", populate_by_name=True)

    service_name: str = "resq"
    port: int = 8000

    # The seed's thresholds and windows; settings so a campus can tune them.
    violence_threshold: float = Field(0.75, ge=0, le=1)
    scream_threshold: float = Field(0.80, ge=0, le=1)
    dedup_window_seconds: int = Field(300, gt=0)
    guards_per_alert: int = Field(3, ge=1, le=20)
    floor_penalty_m: float = Field(25.0, ge=0)
    # Escalation: unanswered alerts pass to the next nearest guards after this many seconds;
    # after `escalation_rounds` rounds of guards, dispatchers are alerted.
    ack_timeout_seconds: int = Field(60, ge=5, le=7 * 24 * 3600)
    escalation_rounds: int = Field(3, ge=1, le=10)
    # A guard who has not opened an alert gets at most this many pushes for it (no storms).
    max_pushes_per_alert: int = Field(3, ge=1, le=10)
    # Beacons and links are cached in each process and re-read this often.
    campus_cache_seconds: float = Field(10.0, ge=0)

    # When set, model servers must send `Authorization: Bearer <token>` to /api/ai/*.
    ai_token: SecretStr | None = None
    ai_rate_limit: str = "600/minute"

    # Signing key for access tokens. Unset: generated once and kept in the data dir (0600), so
    # restarts and processes sharing the data dir agree; set it when processes do not share one.
    jwt_secret: SecretStr | None = None
    token_ttl_minutes: int = Field(60, ge=1, le=24 * 60)

    # Real-time events (/ws). With REDIS_URL set, processes share events over Redis pub/sub on
    # one channel (unset: safewatch:resq:events); without it each process hears only its own.
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    realtime_channel: str | None = None

    # Campus incidents reported to Atlas (product resq) so its cross-product patterns see them;
    # off unless both are set.
    atlas_api_url: str | None = None
    atlas_api_key: SecretStr | None = None

    # Pushes: `log` writes them to the log; `fcm` sends them with Firebase Cloud Messaging
    # HTTP v1 (project id, a service-account JSON file; the endpoint can point at a test double).
    notifier: str = Field("log", pattern="^(log|fcm)$")
    fcm_project_id: str | None = None
    fcm_credentials_file: str | None = None
    fcm_endpoint: str = "https://fcm.googleapis.com"
    fcm_timeout_seconds: float = 10.0

    @property
    def reports_to_atlas(self) -> bool:
        return bool(self.atlas_api_url and self.atlas_api_key)
