"""App factory helpers every service shares: request ids, access logs, metrics, size limits,
and the health, readiness and metrics endpoints."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safewatch.core.errors import (
    COMMON_ERRORS,
    Call,
    ErrorEnvelope,
    envelope,
    install_error_handlers,
)
from safewatch.core.logging import get_logger, request_id_var
from safewatch.core.metrics import HTTP_LATENCY, HTTP_REQUESTS

log = get_logger("safewatch.http")
ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]


class BodyTooLarge(StarletteHTTPException):
    """Raised while reading a body past the limit; an HTTPException so frameworks re-raise it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body exceeds {limit} bytes")


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware overhead): request id, body limit, metrics, access log."""

    def __init__(self, app: ASGIApp, *, service: str, max_body_bytes: int) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes

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

        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send, request_id)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
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
                await self._too_large(send, request_id)
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

    async def _too_large(self, send: Send, request_id: str) -> None:
        response = JSONResponse(
            envelope("payload_too_large", f"Request body exceeds {self.max_body_bytes} bytes"),
            status_code=413,
            headers={"x-request-id": request_id},
        )
        await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - JSONResponse never reads
    return {"type": "http.disconnect"}


class ServiceAPI(FastAPI):
    """FastAPI whose routes declare in OpenAPI every error they can answer."""

    def include_router(self, router: APIRouter, *args: Any, **kwargs: Any) -> None:
        for route in router.routes:
            if isinstance(route, APIRoute):
                document_route(route)
        super().include_router(router, *args, **kwargs)

    def openapi(self) -> dict[str, Any]:
        schema = super().openapi()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        envelope_schema = ErrorEnvelope.model_json_schema(ref_template=COMPONENTS + "{model}")
        components.update(envelope_schema.pop("$defs", {}), ErrorEnvelope=envelope_schema)
        # FastAPI adds its own 422 to a route taking input that declared none: such a route
        # answers bad input with another status (the seed's 400), so it never answers that.
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if _is_fastapi_validation(operation.get("responses", {}).get("422", {})):
                    del operation["responses"]["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        _no_null_in_text(schema)
        return schema


def _no_null_in_text(schema: dict[str, Any]) -> None:
    """Query, header and form values are text and cannot be null: an optional one is left out.
    Pydantic says "X or null" for them; say X."""
    components = schema.get("components", {}).get("schemas", {})
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _without_null(parameter.get("schema", {}))
            form = operation.get("requestBody", {}).get("content", {}).get("multipart/form-data")
            ref = (form or {}).get("schema", {}).get("$ref", "")
            fields = components.get(ref.removeprefix(COMPONENTS), {}).get("properties", {})
            for name, field in fields.items():
                fields[name] = _without_null(field)


def _without_null(field: dict[str, Any]) -> dict[str, Any]:
    options = [option for option in field.get("anyOf", []) if option != {"type": "null"}]
    if len(options) != 1 or len(field["anyOf"]) != 2:
        return field
    rest = {key: value for key, value in field.items() if key not in ("anyOf", "default")}
    return {**options[0], **rest}


COMPONENTS = "#/components/schemas/"
ENVELOPE = {"application/json": {"schema": {"$ref": COMPONENTS + "ErrorEnvelope"}}}


def anonymous_allowed(call: Call) -> Call:
    """Mark an auth dependency that also lets anonymous callers in ("public, or signed in")."""
    call.anonymous_allowed = True  # type: ignore[attr-defined]
    return call


def document_route(route: APIRoute) -> None:
    """Declare in the route's responses every error it can answer, in the envelope's shape
    unless the route gave its own: those its dependencies are marked with
    (`core.errors.answers`), 404 for an id in the path, 400 and 413 for a body, and its
    validation status (`validation_status` on the route class, default 422) for any input.
    A route open to anonymous callers adds the empty security requirement (credentials are
    optional)."""
    if any(getattr(d.call, "anonymous_allowed", False) for d in _walk(route.dependant)):
        route.openapi_extra = {**(route.openapi_extra or {}), "security": [{}]}
    for status, why in route_errors(route).items():
        route.responses.setdefault(status, {"description": why})
    for key, entry in route.responses.items():
        is_error = str(key).isdigit() and 400 <= int(key) < 500
        if is_error and "model" not in entry and "content" not in entry:
            entry["content"] = ENVELOPE


def route_errors(route: APIRoute) -> dict[int, str]:
    """Error status -> when, for every error a route can answer."""
    dependants = list(_walk(route.dependant))
    errors: dict[int, str] = {}
    for dependant in dependants:
        for status, why in getattr(dependant.call, "error_responses", {}).items():
            errors.setdefault(status, why)
    if any(d.path_params for d in dependants):
        errors.setdefault(404, COMMON_ERRORS[404])
    if route.body_field is not None:
        errors.setdefault(400, COMMON_ERRORS[400])
        errors.setdefault(413, COMMON_ERRORS[413])
    takes_input = route.body_field is not None or any(
        d.path_params or d.query_params or d.header_params or d.cookie_params for d in dependants
    )
    if takes_input:
        validation: int = getattr(route, "validation_status", 422)
        errors.setdefault(validation, COMMON_ERRORS[validation])
    return dict(sorted(errors.items()))


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _is_fastapi_validation(entry: dict[str, Any]) -> bool:
    ref = entry.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return str(ref).endswith("/HTTPValidationError")


def build_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str,
    max_body_bytes: int,
    readiness: ReadinessCheck,
    show_docs: bool = True,
    lifespan: Any = None,
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
    app.add_middleware(RequestContextMiddleware, service=service, max_body_bytes=max_body_bytes)
    app.include_router(health_router(service, readiness))
    return app


def health_router(service: str, readiness: ReadinessCheck) -> APIRouter:
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
        body = {"status": "ready" if ready else "not_ready", "service": service, "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @router.get(
        "/metrics",
        summary="Prometheus metrics (auth: public; keep it inside your network)",
        response_class=Response,
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
