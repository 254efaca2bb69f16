"""A fake Atlas on a loopback socket that misbehaves on demand, and records what it received."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
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


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


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
        return JSONResponse(
            {"threat_id": threat_id, "classification": classification, "model_version": "fake"}
        )

    async def feedback(self, request: Request) -> Response:
        body = await request.json()
        await self._record(request, body)
        if (bad := await self._misbehave()) is not None:
            return bad
        return JSONResponse({"success": True, "feedback_id": 1, "status": "recorded"})

    async def patterns_route(self, request: Request) -> Response:
        await self._record(request, dict(request.query_params))
        if (bad := await self._misbehave()) is not None:
            return bad
        return JSONResponse({"patterns": self.patterns, "count": len(self.patterns)})

    async def recommendations_route(self, request: Request) -> Response:
        await self._record(request, dict(request.query_params))
        if (bad := await self._misbehave()) is not None:
            return bad
        if self.recommendations is None:
            return JSONResponse({"error": {"message": "Not Found"}}, 404)
        return JSONResponse({"recommendations": self.recommendations})

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
        return JSONResponse(
            {
                "media_type": body["media_type"],
                "objects": [{"label": "knife", "confidence": 0.91}],
                "threats": [{"threat_category": "weapons", "severity": 4}],
            }
        )

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
