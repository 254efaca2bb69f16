"""One error base class and one JSON envelope for every service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from safewatch.core.logging import get_logger, request_id_var

log = get_logger(__name__)


class AppError(Exception):
    """An error the caller can act on: HTTP status, stable code, message saying what to fix."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status or self.status
        self.code = code or self.code
        self.details = details
        self.headers = headers


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"


def connection_lost(exc: Exception) -> ServiceUnavailable | None:
    """A request whose database connection was lost may simply be retried (the pool has dropped
    that connection): the 503 saying so, logged; None for any other error."""
    if not (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return None
    log.warning("database_connection_lost", error_type=type(exc.orig).__name__)
    return ServiceUnavailable(
        "The database connection was lost; retry in a moment", headers={"Retry-After": "1"}
    )


class ErrorDetail(BaseModel):
    code: str
    message: str = ""
    details: Any = None
    request_id: str | None = None


class ErrorEnvelope(BaseModel):
    """The one error shape: `{"error": {"code", "message", "details", "request_id"}}`."""

    error: ErrorDetail


READABLE_BODY = "send UTF-8 encoded JSON (uploads: a multipart form)"
# What each error status means on any route; dependencies and routes may say it more exactly.
COMMON_ERRORS: dict[int, str] = {
    400: f"The body could not be read: {READABLE_BODY}",
    401: "No valid credentials",
    403: "These credentials may not use this route",
    404: "No such object, or not one these credentials may see",
    413: "The body is over the size limit",
    415: "The Content-Type is missing or not JSON: send Content-Type: application/json",
    422: "Invalid input; the message says what to send instead",
    429: "Rate limited; retry after Retry-After seconds",
}
Call = TypeVar("Call", bound=Callable[..., Any])


def answers(errors: dict[int, str]) -> Callable[[Call], Call]:
    """Mark a dependency with the errors it answers (status -> when): every route that uses it
    declares them in its OpenAPI responses (`core.openapi.document_route`)."""

    def mark(call: Call) -> Call:
        call.error_responses = {**getattr(call, "error_responses", {}), **errors}  # type: ignore[attr-defined]
        return call

    return mark


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "request_id": request_id_var.get(),
        }
    }


def describe_validation_error(error: dict[str, Any]) -> str:
    """Turn one pydantic error into a sentence naming the field and what it needs."""
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) or "request body"
    if error.get("type") == "json_invalid":
        return "Request body is not valid JSON: send a JSON object"
    if error.get("type") == "missing":
        return f"{field} is required"
    return f"{field}: {error.get('msg', 'invalid value')}"


def unread_json_body(request: Request, errors: Sequence[Any]) -> str | None:
    """What to fix when a body was sent without a JSON Content-Type, or None. FastAPI reads a
    body as JSON only when the Content-Type says so (a cross-site form cannot post JSON then)
    and validates the raw bytes otherwise, which would blame the body, not the header."""
    unread = any(
        tuple(error.get("loc", ())) == ("body",) and isinstance(error.get("input"), bytes)
        for error in errors
    )
    if not unread:
        return None
    sent = request.headers.get("content-type")
    said = f"Content-Type is {sent}" if sent else "Content-Type is missing"
    return f"{said}: send Content-Type: application/json with the JSON body"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this request's path."""
    return [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(
            envelope(exc.code, exc.message, exc.details), exc.status, headers=exc.headers
        )

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        unavailable = connection_lost(exc)
        if unavailable is None:
            raise exc  # any other database error is a bug: the 500 below
        return await _app_error(request, unavailable)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if unread := unread_json_body(request, errors):
            return JSONResponse(envelope("unsupported_media_type", unread), 415)
        message = "; ".join(describe_validation_error(e) for e in errors[:5])
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors]
        return JSONResponse(envelope("invalid_request", message, details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # Starlette names only the first route on the path
            headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
        code = {
            400: "unreadable_body",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        message = str(exc.detail)
        if exc.status_code == 400:  # FastAPI could not decode the body
            message = f"{message}: {READABLE_BODY}"
        return JSONResponse(envelope(code, message), exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Nothing of the exception in the answer; its request id finds the story in the log.
        request_id = getattr(request.state, "request_id", None)
        log.exception("unhandled_error", error_type=type(exc).__name__, request_id=request_id)
        body = envelope("internal_error", "Internal server error")
        body["error"]["request_id"] = request_id
        headers = {"x-request-id": request_id} if request_id else None
        return JSONResponse(body, 500, headers=headers)
