"""A fake Atlas on a loopback socket that misbehaves on demand, and records what it received."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from safewatch.contracts.fallback import classify_text
from safewatch.core.testing.servers import serve_asgi_in_thread

# ok | slow (answers after `delay`) | error (503) | garbage (HTML) | bad_shape (JSON, wrong keys)
# | reject (422)
MODES = ("ok", "slow", "error", "garbage", "bad_shape", "reject")


def pattern(threat_type: str = "theft", count: int = 4) -> dict[str, Any]:
    """One pattern as Atlas's API gives it (`contracts.atlas.patterns.PatternOut`)."""
    return {
        "id": str(uuid.uuid4()),
        "type": "hotspot",
        "threat_types": [threat_type],
        "latitude": 59.3293,
        "longitude": 18.0686,
        "radius_m": 400.0,
        "cells": ["891f1d48177ffff"],
        "distance_km": 0.2,
        "time_range": "7d",
        "window_start": "2026-11-15T00:00:00Z",
        "window_end": "2026-11-22T00:00:00Z",
        "count": count,
        "significance": 0.99,
        "products": ["halo"],
        "example_threat_ids": [],
        "description": f"{count} {threat_type} reports in 1 hexagon cell(s)",
        "details": {"z": 3.1},
    }


def recommendation(text: str, threat_type: str = "theft") -> dict[str, Any]:
    """One recommendation as Atlas's API gives it (`contracts.atlas.patterns.Recommendation`)."""
    return {
        "pattern_id": str(uuid.uuid4()),
        "type": "hotspot",
        "threat_types": [threat_type],
        "significance": 0.99,
        "text": text,
    }


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


def media_answer(media_type: str, context: dict[str, Any]) -> dict[str, Any]:
    """A knife in every file, as Atlas's API gives it (`contracts.atlas.media.AnalysisOut`)."""
    knife = {"label": "knife", "confidence": 0.91, "box": [10, 20, 110, 220], "at_seconds": None}
    evidence = {"kind": "object", "index": 0, "label": "knife", "confidence": 0.91}
    return {
        "analysis_id": str(uuid.uuid4()),
        "media_type": media_type,
        "format": "jpeg",
        "duration_seconds": None,
        "width": 640,
        "height": 480,
        "objects": [knife],
        "audio_events": [],
        "threats": [
            {
                "category": "weapons",
                "confidence": 0.91,
                "severity": 4,
                "evidence": [evidence | {"at_seconds": None}],
            }
        ],
        "models": [],
        "privacy": {"metadata_stripped": [], "faces_blurred": 0, "media_stored": False},
        "warnings": [],
        "threat_id": None,
        "source_product": context.get("source_product") or "halo",
        "occurred_at": _now(),
        "latitude": context.get("latitude"),
        "longitude": context.get("longitude"),
        "reference": None,
    }


@dataclass
class FakeAtlas:
    mode: str = "ok"
    delay: float = 2.0
    fail_next: int = 0  # this many 503s first, then `mode`
    patterns: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] | None = None  # None: the route does not exist (404)
    received: list[Received] = field(default_factory=list)
    threats: dict[str, str] = field(default_factory=dict)  # idempotency key -> threat id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _misbehave(self) -> Response | None:
        with self._lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return JSONResponse({"error": {"message": "overloaded"}}, 503)
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "error":
            return JSONResponse({"error": {"message": "boom"}}, 503)
        if self.mode == "garbage":
            return PlainTextResponse("<html>502 Bad Gateway</html>", 200)
        if self.mode == "bad_shape":
            return JSONResponse({"unexpected": True})
        if self.mode == "reject":
            return JSONResponse({"error": {"code": "invalid", "message": "no such threat"}}, 422)
        return None

    async def _record(self, request: Request, body: Any) -> None:
        with self._lock:
            self.received.append(Received(request.url.path, dict(request.headers), body))

    async def classify(self, request: Request) -> Response:
        body = await request.json()
        await self._record(request, body)
        if (bad := await self._misbehave()) is not None:
            return bad
        key = request.headers.get("idempotency-key") or str(uuid.uuid4())
        with self._lock:
            threat_id = self.threats.setdefault(key, str(uuid.uuid4()))
        classification = classify_text(body["data"]).model_dump()
        context = body.get("context") or {}
        return JSONResponse(
            {
                "threat_id": threat_id,
                "classification": classification,
                "model_version": "fake",
                "source_product": context.get("source_product") or "halo",
                "occurred_at": context.get("timestamp") or _now(),
            }
        )

    async def feedback(self, request: Request) -> Response:
        body = await request.json()
        await self._record(request, body)
        if (bad := await self._misbehave()) is not None:
            return bad
        return JSONResponse(
            {
                "success": True,
                "feedback_id": 1,
                "prediction_id": body["prediction_id"],
                "status": "recorded",
                "retrain_queued": False,
            }
        )

    async def patterns_route(self, request: Request) -> Response:
        await self._record(request, dict(request.query_params))
        if (bad := await self._misbehave()) is not None:
            return bad
        return JSONResponse(
            {
                "patterns": self.patterns,
                "count": len(self.patterns),
                "live_counts": {},
                "computed_at": None,
            }
        )

    async def recommendations_route(self, request: Request) -> Response:
        await self._record(request, dict(request.query_params))
        if (bad := await self._misbehave()) is not None:
            return bad
        if self.recommendations is None:
            return JSONResponse({"error": {"message": "Not Found"}}, 404)
        return JSONResponse(
            {"recommendations": self.recommendations, "count": len(self.recommendations)}
        )

    async def media(self, request: Request) -> Response:
        async with request.form() as form:
            upload = form["file"]
            content = await upload.read()  # type: ignore[union-attr]
            context = json.loads(str(form.get("context") or "{}"))
            body = {
                "media_type": form.get("media_type"),
                "size": len(content),
                "context": context,
                "filename": upload.filename,  # type: ignore[union-attr]
            }
        await self._record(request, body)
        if (bad := await self._misbehave()) is not None:
            return bad
        return JSONResponse(media_answer(str(body["media_type"]), context))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/v1/classify/threat", self.classify, methods=["POST"]),
                Route("/api/v1/training/feedback", self.feedback, methods=["POST"]),
                Route("/api/v1/intelligence/patterns", self.patterns_route),
                Route("/api/v1/intelligence/recommendations", self.recommendations_route),
                Route("/api/v1/analyze/media", self.media, methods=["POST"]),
            ]
        )


@contextlib.contextmanager
def running_fake(fake: FakeAtlas) -> Iterator[str]:
    with serve_asgi_in_thread(fake.app()) as url:
        yield url
