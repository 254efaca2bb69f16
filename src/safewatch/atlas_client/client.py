"""`AtlasClient`: the integration plan's four methods over httpx, within deadlines, answering
with `contracts.atlas` models."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import IO, Any, get_args

import httpx

from safewatch.atlas_client.answers import Answer, request_body
from safewatch.atlas_client.attempts import Request, run_attempts
from safewatch.atlas_client.cooldown import Cooldown
from safewatch.atlas_client.errors import AtlasRejectedError, AtlasUnavailableError
from safewatch.atlas_client.settings import AtlasClientSettings
from safewatch.atlas_client.stats import ATLAS_CALLS, CallLog, CallSummary
from safewatch.contracts.atlas import (
    AnalysisOut,
    ClassifyRequest,
    FeedbackIn,
    FeedbackOut,
    MediaType,
    PatternsOut,
    Recommendation,
    RecommendationsOut,
    StoredThreatOut,
)
from safewatch.core.clock import Clock
from safewatch.core.logging import get_logger

log = get_logger(__name__)
MediaFile = bytes | tuple[str, bytes, str] | IO[bytes]
MEDIA_TYPES = get_args(MediaType)


class AtlasClient:
    """Calls Atlas for one product. Use as `async with AtlasClient(...) as atlas:`; share one
    instance per process so its cooldown sees every call.

    Every call finishes within its deadline (default `ATLAS_TIMEOUT`, the whole budget,
    retries included) or raises `AtlasUnavailableError`. Idempotent calls (each sends an
    `Idempotency-Key`) are retried with backoff; media uploads are not. After
    `failure_threshold` failed calls in a row the client cools down: calls fail at once for
    `cooldown_seconds` (on `clock`), then one probe at a time tests whether Atlas is back.
    """

    def __init__(
        self,
        api_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        retry_count: int | None = None,
        *,
        settings: AtlasClientSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        base = settings or AtlasClientSettings()
        overrides = {
            k: v
            for k, v in {
                "api_url": api_url,
                "api_key": api_key,
                "timeout": timeout,
                "retry_count": retry_count,
            }.items()
            if v is not None
        }
        self.settings = AtlasClientSettings(**(base.model_dump() | overrides))
        self.product = self.settings.product
        self.cooldown = Cooldown(
            self.settings.failure_threshold, self.settings.cooldown_seconds, clock
        )
        self.calls = CallLog()
        self._transport = transport
        self._http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> AtlasClient:
        key = self.settings.api_key.get_secret_value() if self.settings.api_key else ""
        self._http = httpx.AsyncClient(
            base_url=self.settings.api_url.rstrip("/"),
            headers={"X-API-Key": key, "X-Product": self.product},
            transport=self._transport,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def summary(self) -> CallSummary:
        """Availability and latency over the last 1,000 calls this client made."""
        return self.calls.summary(self.cooldown.state)

    # The integration plan's methods ------------------------------------------------------

    async def classify_incident(
        self,
        description: str,
        location: tuple[float, float],
        occurred_at: datetime | None = None,
        incident_type: str | None = None,
        *,
        idempotency_key: str | None = None,
        reference: str | None = None,
        include_nearby_patterns: bool = True,
        deadline: float | None = None,
    ) -> StoredThreatOut:
        """Classify an incident text; Atlas stores it as a threat (`threat_id`). Send the same
        `idempotency_key` for the same incident and Atlas stores it once, however often asked."""
        fields = {
            "type": "text",
            "data": description,
            "context": {
                "latitude": location[0],
                "longitude": location[1],
                # None: Atlas takes "now". Never the client's own now, so a retry with the same
                # Idempotency-Key sends the same body (Atlas answers 409 to a different one).
                "timestamp": occurred_at,
                "source_product": self.product,
                "incident_type": incident_type,
                "reference": reference,
            },
            "options": {
                "include_nearby_patterns": include_nearby_patterns,
                "correlation_threshold": 0.7,
            },
        }
        return await self._call(
            "classify",
            "POST",
            "/api/v1/classify/threat",
            StoredThreatOut,
            json=request_body(ClassifyRequest, fields),
            idempotent=True,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
            deadline=deadline,
        )

    async def analyze_media(
        self,
        media_file: MediaFile,
        media_type: MediaType,
        context: Mapping[str, Any] | None = None,
        *,
        deadline: float | None = None,
    ) -> AnalysisOut:
        """Send a photo, video or audio file for analysis (one attempt: an upload is not
        idempotent). `media_file`: bytes, an open binary file, or (name, bytes, content type)."""
        if media_type not in MEDIA_TYPES:
            raise ValueError(f"media_type must be one of {', '.join(MEDIA_TYPES)}")
        data: dict[str, str] = {"media_type": media_type}
        if context:
            data["context"] = json.dumps(dict(context), default=str)
        return await self._call(
            "analyze_media",
            "POST",
            "/api/v1/analyze/media",
            AnalysisOut,
            files={"file": media_file},
            data=data,
            deadline=deadline,
        )

    async def send_feedback(
        self,
        threat_id: str | uuid.UUID,
        predicted_category: str,
        actual_category: str,
        validated_by: str | None = None,
        *,
        corrected_at: datetime | None = None,
        deadline: float | None = None,
    ) -> FeedbackOut:
        """Tell Atlas what a threat really was. Atlas keeps one verdict per threat, so a retry
        changes nothing. Raises on failure (the plan swallowed it; a durable job must know)."""
        fields = {
            "source_product": self.product,
            "prediction_id": str(threat_id),
            "predicted_category": predicted_category,
            "actual_category": actual_category,
            "user_correction": predicted_category != actual_category,
            "correction_metadata": {
                "corrected_by": validated_by,
                "correction_timestamp": corrected_at or datetime.now(UTC),
            },
        }
        return await self._call(
            "feedback",
            "POST",
            "/api/v1/training/feedback",
            FeedbackOut,
            json=request_body(FeedbackIn, fields),
            idempotent=True,
            idempotency_key=f"feedback-{threat_id}-{actual_category}",
            deadline=deadline,
        )

    async def get_patterns(
        self,
        location: tuple[float, float],
        radius_km: float = 5.0,
        time_range: str = "7d",
        threat_types: list[str] | None = None,
        *,
        deadline: float | None = None,
    ) -> PatternsOut:
        """Intelligence patterns near a point (`patterns`, `count`, ...). Raises when Atlas is
        unavailable (the plan returned empty lists; the caller decides, e.g. a cache)."""
        params = self._area(location, radius_km, time_range) | {"min_significance": 0.7}
        if threat_types:
            params["threat_types"] = ",".join(threat_types)
        return await self._call(
            "patterns",
            "GET",
            "/api/v1/intelligence/patterns",
            PatternsOut,
            params=params,
            idempotent=True,
            deadline=deadline,
        )

    async def get_recommendations(
        self,
        location: tuple[float, float],
        radius_km: float = 5.0,
        time_range: str = "7d",
        *,
        deadline: float | None = None,
    ) -> list[Recommendation]:
        """Safety recommendations for an area; an Atlas without them (404) gives none."""
        try:
            answer = await self._call(
                "recommendations",
                "GET",
                "/api/v1/intelligence/recommendations",
                RecommendationsOut,
                params=self._area(location, radius_km, time_range),
                idempotent=True,
                deadline=deadline,
            )
        except AtlasRejectedError as exc:
            if exc.status == 404:
                return []
            raise
        return answer.recommendations

    @staticmethod
    def _area(location: tuple[float, float], radius_km: float, time_range: str) -> dict[str, Any]:
        return {
            "lat": location[0],
            "lon": location[1],
            "radius_km": radius_km,
            "time_range": time_range,
        }

    # One call: cooldown, deadline, attempts ------------------------------------------------

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        answer: type[Answer],
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        idempotent: bool = False,
        idempotency_key: str | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """Only idempotent calls are retried; `idempotency_key` goes with every attempt."""
        if self._http is None:
            raise RuntimeError("use `async with AtlasClient(...) as atlas:` before calling it")
        try:
            probe = self.cooldown.admit()
        except AtlasUnavailableError:
            ATLAS_CALLS.labels(self.product, operation, "cooldown").observe(0)
            raise
        budget = min(deadline or self.settings.timeout, self.settings.timeout)
        attempts = 1 + self.settings.retry_count if idempotent and not probe else 1
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        request = {"json": json, "params": params, "files": files, "data": data}
        started = time.perf_counter()
        outcome = "abandoned"  # cancelled, or a bug: no verdict on Atlas
        try:
            async with asyncio.timeout(budget):
                assert self._http is not None
                result = await run_attempts(
                    self._http,
                    self.settings,
                    Request(method, path, headers, request),
                    attempts,
                    started + budget,
                    answer,
                )
        except AtlasRejectedError:
            outcome = "rejected"
            raise
        except AtlasUnavailableError:
            outcome = "unavailable"
            raise
        except TimeoutError as exc:
            outcome = "unavailable"
            raise AtlasUnavailableError(f"Atlas gave no answer within {budget:.3f} s") from exc
        else:
            outcome = "ok"
            return result
        finally:
            elapsed = time.perf_counter() - started
            self._settle(outcome, probe)
            if outcome != "abandoned":
                self.calls.record(outcome in ("ok", "rejected"), elapsed)
            ATLAS_CALLS.labels(self.product, operation, outcome).observe(elapsed)
            if outcome == "unavailable":
                log.warning(
                    "atlas_unavailable",
                    operation=operation,
                    ms=round(elapsed * 1000, 1),
                    failures=self.cooldown.failures,
                    cooldown=self.cooldown.state,
                )

    def _settle(self, outcome: str, probe: bool) -> None:
        if outcome in ("ok", "rejected"):  # a 4xx is an answer: Atlas is up
            self.cooldown.succeeded()
        elif outcome == "unavailable":
            self.cooldown.failed()
        else:
            self.cooldown.abandoned(probe)
