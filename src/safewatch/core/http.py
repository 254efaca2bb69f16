"""App factory helpers every service shares: request ids, access logs, metrics, size limits,
and the health, readiness and metrics endpoints."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safewatch.core.errors import envelope, install_error_handlers
from safewatch.core.logging import get_logger, request_id_var
from safewatch.core.metrics import HTTP_LATENCY, HTTP_REQUESTS
from safewatch.core.openapi import ServiceAPI

log = get_logger("safewatch.http")
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
ReadinessDetails = Callable[[], dict[str, Any]]


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the limit; an HTTPException so frameworks re-raise it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds {limit} bytes")


UPLOAD_PREFIX = "/api/v1/analyze/"  # the media upload routes of Halo and Atlas
FORM_ALLOWANCE = 64 * 1024  # an upload's multipart form around the file


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware overhead): request id, body limit, metrics, access log.

    Upload routes (under UPLOAD_PREFIX) take bodies up to `max_upload_bytes`; every other
    route only `max_body_bytes`, so a JSON route never reads megabytes."""

    def __init__(
        self, app: ASGIApp, *, service: str, max_body_bytes: int, max_upload_bytes: int = 0
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes or max_body_bytes

    def limit_for(self, path: str) -> int:
        return self.max_upload_bytes if path.startswith(UPLOAD_PREFIX) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        request_id = incoming if incoming.isprintable() and incoming else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        # Also for the 500 handler, which runs outside this middleware (Starlette's outermost).
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False

        limit = self.limit_for(scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send, request_id, limit)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        except BodyTooLarge:
            status = 413
            if not response_started:
                await self._too_large(send, request_id, limit)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], route, str(status)).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], route).observe(elapsed)
            if route not in ("/metrics", "/healthz", "/readyz"):
                log.info(
                    "request",
                    service=self.service,
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )
            request_id_var.reset(token)

    async def _too_large(self, send: Send, request_id: str, limit: int) -> None:
        response = JSONResponse(
            envelope("payload_too_large", f"Request body exceeds {limit} bytes"),
            status_code=413,
            headers={"x-request-id": request_id},
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - JSONResponse never reads
    return {"type": "http.disconnect"}


def build_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str,
    max_body_bytes: int,
    max_file_bytes: int = 0,
    readiness: ReadinessCheck,
    show_docs: bool = True,
    lifespan: Any = None,
    details: ReadinessDetails | None = None,
) -> ServiceAPI:
    app = ServiceAPI(
        title=title,
        description=description,
        version=version,
        docs_url="/docs" if show_docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if show_docs else None,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(
        RequestContextMiddleware,
        service=service,
        max_body_bytes=max_body_bytes,
        # The file limit is checked again on the file itself; the form comes on top.
        max_upload_bytes=max_file_bytes + FORM_ALLOWANCE if max_file_bytes else 0,
    )
    app.include_router(health_router(service, readiness, details))
    return app


def health_router(
    service: str, readiness: ReadinessCheck, details: ReadinessDetails | None = None
) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="Liveness: the process answers (auth: public)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": service}

    @router.get(
        "/readyz",
        summary="Readiness: database reachable and migrations current (auth: public)",
        responses={503: {"description": "Not ready: `checks` says what is missing"}},
    )
    async def readyz() -> JSONResponse:
        checks = await readiness()
        ready = all(checks.values())
        body: dict[str, Any] = {
            "status": "ready" if ready else "not_ready",
            "service": service,
            "checks": checks,
        }
        if details is not None:  # what an operator should know that does not block serving
            body["details"] = details()
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get(
        "/metrics",
        summary="Prometheus metrics (auth: public; keep it inside your network)",
        response_class=Response,
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
