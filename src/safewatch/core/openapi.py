"""What each route's OpenAPI says beyond FastAPI's defaults: every error it can answer (in the
envelope's shape), whether signing in is optional, and no "or null" for text parameters. The
schema fuzz tests (tests/fuzz) hold every service to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from safewatch.core.errors import COMMON_ERRORS, Call, ErrorEnvelope

COMPONENTS = "#/components/schemas/"
ENVELOPE = {"application/json": {"schema": {"$ref": COMPONENTS + "ErrorEnvelope"}}}


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


def anonymous_allowed(call: Call) -> Call:
    """Mark an auth dependency that also lets anonymous callers in ("public, or signed in")."""
    call.anonymous_allowed = True  # type: ignore[attr-defined]
    return call


def document_route(route: APIRoute) -> None:
    """Declare in the route's responses every error it can answer, in the envelope's shape
    unless the route gave its own: those its dependencies are marked with
    (`core.errors.answers`), 404 for an id in the path, 400 and 413 for a body, and its
    validation status (`validation_status` on the route class, default 422) for any input, and
    415 (`content_type_status`) for a JSON body sent without its Content-Type.
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
        if not isinstance(route.body_field.field_info, params.Form):
            unread: int = getattr(route, "content_type_status", 415)
            errors.setdefault(unread, COMMON_ERRORS[unread])
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
