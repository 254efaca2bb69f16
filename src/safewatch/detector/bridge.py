"""One clip: analyse it with Atlas, decide what ResQ must hear, post it with retries, once."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from safewatch.atlas_client import AtlasClient, AtlasClientSettings, AtlasUnavailableError
from safewatch.contracts.atlas import AnalysisOut, MediaType
from safewatch.detector.ledger import Ledger

MEDIA_TYPES: dict[str, MediaType] = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".webp"), "photo"),
    **dict.fromkeys((".wav", ".mp3", ".ogg", ".flac", ".m4a"), "audio"),
    **dict.fromkeys((".mp4", ".mov", ".mkv", ".webm", ".avi"), "video"),
}
# Evidence that makes each ResQ detection: fights and weapons; screams and shouts.
KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "violence": (
        "/api/ai/violence-detected/",
        frozenset(
            {
                "fight",
                "violence",
                "gun",
                "pistol",
                "handgun",
                "rifle",
                "firearm",
                "weapon",
                "knife",
                "gunshot",
            }
        ),
    ),
    "scream": ("/api/ai/scream-detected/", frozenset({"scream", "shout"})),
}
RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class Config:
    beacon: str
    atlas_url: str
    atlas_key: str
    resq_url: str
    resq_token: str | None = None
    threshold: float = 0.75
    retries: int = 4
    backoff_seconds: float = 0.5
    timeout_seconds: float = 120.0


@dataclass
class Outcome:
    path: Path
    analysis_id: str | None = None
    actions: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass(frozen=True)
class Evidence:
    label: str
    confidence: float
    at: float | None = None  # seconds into the clip
    until: float | None = None  # an audio event's end


def media_type_of(path: Path) -> MediaType | None:
    return MEDIA_TYPES.get(path.suffix.lower())


def atlas_client(config: Config) -> AtlasClient:
    """The Atlas client library, as ResQ's product: its deadline and cooldown hold here too."""
    settings = AtlasClientSettings(
        api_url=config.atlas_url,
        api_key=config.atlas_key,
        product="resq",
        timeout=config.timeout_seconds,
        retry_count=config.retries,
        backoff_seconds=config.backoff_seconds,
    )
    return AtlasClient(settings=settings)


def evidence_for(kind: str, analysis: AnalysisOut) -> list[Evidence]:
    """The objects and audio events behind `kind`, strongest first."""
    labels = KINDS[kind][1]
    found = [
        Evidence(o.label, o.confidence, o.at_seconds)
        for o in analysis.objects
        if o.label.lower() in labels
    ]
    found += [
        Evidence(e.label, e.confidence, e.start, e.end)
        for e in analysis.audio_events
        if e.label in labels
    ]
    return sorted(found, key=lambda e: -e.confidence)


def describe(kind: str, evidence: list[Evidence], path: Path, analysis_id: str) -> str:
    def one(e: Evidence) -> str:
        when = ""
        if e.at is not None and e.until is not None:
            when = f" at {e.at:g}-{e.until:g} s"
        elif e.at is not None:
            when = f" at {e.at:g} s"
        return f"{e.label} {e.confidence:.2f}{when}"

    title = "Fight or weapon detected" if kind == "violence" else "Screaming detected"
    items = "; ".join(one(e) for e in evidence[:8])
    return f"{title} in {path.name}: {items} (Atlas analysis {analysis_id})"[:2000]


class Bridge:
    """`http` posts to ResQ; Atlas is called through the Atlas client library."""

    def __init__(self, config: Config, ledger: Ledger, http: httpx.Client) -> None:
        self.config, self.ledger, self.http = config, ledger, http
        self.atlas = atlas_client(config)

    def process(self, path: Path) -> Outcome:
        outcome = Outcome(path)
        media_type = media_type_of(path)
        if media_type is None:
            outcome.actions.append("skipped: not a photo, audio or video file")
            return outcome
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        analysis = self.ledger.analysis(sha256)
        if analysis is None:
            try:
                analysis = self._analyse(path, data, media_type)
            except AtlasUnavailableError as exc:
                outcome.actions.append(f"Atlas failed: {exc}")
                outcome.failed = True
                return outcome
            self.ledger.remember_analysis(sha256, path, analysis)
        outcome.analysis_id = str(analysis.analysis_id)
        for kind in KINDS:
            self._decide(kind, sha256, analysis, outcome)
        if not outcome.actions:
            outcome.actions.append(f"nothing at or above {self.config.threshold:g}")
        return outcome

    def _decide(self, kind: str, sha256: str, analysis: AnalysisOut, outcome: Outcome) -> None:
        evidence = evidence_for(kind, analysis)
        if not evidence:
            return
        confidence = evidence[0].confidence
        if confidence < self.config.threshold:
            outcome.actions.append(f"{kind} {confidence:.2f} below {self.config.threshold:g}")
            return
        if done := self.ledger.posted(sha256, kind):
            outcome.actions.append(f"{kind} already posted ({done.get('status')})")
            return
        body = {
            "beacon_id": self.config.beacon,
            "confidence_score": round(float(confidence), 4),
            "description": describe(kind, evidence, outcome.path, outcome.analysis_id or "?"),
        }
        try:
            answer = self._post(KINDS[kind][0], body)
        except RuntimeError as exc:
            self.ledger.record_post(sha256, kind, "failed", {"error": str(exc)})
            outcome.actions.append(f"{kind} {confidence:.2f} NOT posted: {exc}")
            outcome.failed = True
            return
        self.ledger.record_post(sha256, kind, "posted", answer)
        incident = answer.get("incident_id")
        outcome.actions.append(
            f"{kind} {confidence:.2f} posted: {answer.get('status')}"
            + (f" (incident {incident})" if incident else "")
        )

    def _analyse(self, path: Path, data: bytes, media_type: MediaType) -> AnalysisOut:
        # The CLI is synchronous: each clip runs the client on a loop of its own. The client
        # object (and so its cooldown) outlives the loops; only its connections are per clip.
        return asyncio.run(self._analyse_async(path, data, media_type))

    async def _analyse_async(self, path: Path, data: bytes, media_type: MediaType) -> AnalysisOut:
        context = {"source_product": "resq", "reference": f"{self.config.beacon}:{path.name}"}
        media = (path.name, data, "application/octet-stream")
        async with self.atlas:
            return await self.atlas.analyze_media(media, media_type, context)

    def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {}
        if self.config.resq_token:
            headers["Authorization"] = f"Bearer {self.config.resq_token}"
        response = self._send(
            "POST", f"{self.config.resq_url}{endpoint}", headers=headers, json=body
        )
        return dict(response.json())

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """A call to ResQ. Retry what may pass later (no answer, 429, 5xx) with backoff; a 4xx
        is final."""
        last, retry_after = "no attempt", None
        for attempt in range(self.config.retries + 1):
            if attempt:
                backoff = self.config.backoff_seconds * 2 ** (attempt - 1)
                time.sleep(min(60.0, retry_after if retry_after is not None else backoff))
            try:
                response = self.http.request(
                    method, url, timeout=self.config.timeout_seconds, **kwargs
                )
            except httpx.TransportError as exc:
                last, retry_after = f"{type(exc).__name__}: {exc}", None
                continue
            if response.status_code < 400:
                return response
            last = f"HTTP {response.status_code}: {_message(response)}"
            if response.status_code not in RETRYABLE:
                break
            header = response.headers.get("Retry-After", "")
            retry_after = float(header) if header.isdigit() else None
        raise RuntimeError(last)


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:200]
    if isinstance(error, dict):
        return str(error.get("message", error))[:200]
    return str(error)[:200]
