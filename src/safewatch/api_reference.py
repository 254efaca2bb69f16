"""The API overview: every route of the three services with its summary (which states its auth
rule), read from their OpenAPI schemas. `safewatch api-docs > docs/api.md`; a test keeps the
page current."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from safewatch.core.errors import COMMON_ERRORS

METHODS = ("get", "post", "put", "patch", "delete")
SERVICES = [
    ("ResQ", 8000, "campus dispatch"),
    ("Atlas", 8001, "Atlas Intelligence"),
    ("Halo", 8002, "public incident reporting"),
]


def openapi_schema(service: str) -> dict[str, Any]:
    """One service's OpenAPI schema ("ResQ", "Atlas" or "Halo"), from an app built on scratch
    settings (the schema fuzz tests read it too)."""
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        if service == "ResQ":
            from safewatch.resq.app import build_resq
            from safewatch.resq.settings import ResqSettings

            return build_resq(ResqSettings(data_dir=data)).app.openapi()
        if service == "Atlas":
            from safewatch.atlas.app import build_atlas
            from safewatch.atlas.settings import AtlasSettings

            return build_atlas(AtlasSettings(data_dir=data)).app.openapi()
        from safewatch.halo.app import build_halo
        from safewatch.halo.settings import HaloSettings

        return build_halo(HaloSettings(data_dir=data)).app.openapi()


def _rows(schema: dict[str, Any]) -> list[str]:
    rows = []
    for path, operations in schema["paths"].items():
        for method in METHODS:
            if method in operations:
                operation = operations[method]
                summary = operation.get("summary", "").replace("|", "\\|")
                errors = ", ".join(sorted(c for c in operation["responses"] if c >= "400"))
                rows.append(f"| `{method.upper()} {path}` | {summary} | {errors} |")
    return rows


def _errors() -> list[str]:
    return [
        "## Errors each route answers",
        "",
        'Every error is `{"error": {"code", "message", "details", "request_id"}}` (ResQ\'s',
        '`/api/ai/*` answer the seed\'s `{"error": "..."}`); the message says what to send',
        "instead. The errors column lists every error status the route declares in its OpenAPI",
        "responses, with the reason there; the schema fuzz tests (`tests/fuzz`) fail on any",
        "other. What the common ones mean:",
        "",
        *(f"- {status}: {meaning}" for status, meaning in COMMON_ERRORS.items()),
        "- 409, 415, 503: per route (a conflict, a media type, Atlas unavailable); see `/docs`",
        "",
    ]


def render() -> str:
    schemas = {name: openapi_schema(name) for name, *_ in SERVICES}
    out = [
        "# API overview",
        "",
        "Each service serves its interactive OpenAPI docs at `/docs` and the schema at",
        "`/openapi.json` (hidden when `SAFEWATCH_ENV=production`). Every route's summary says who",
        "may call it. Generated from the schemas: `safewatch api-docs > docs/api.md`.",
        "",
        *_errors(),
    ]
    for name, port, what in SERVICES:
        out += [
            f"## {name} ({what}): http://127.0.0.1:{port}/docs",
            "",
            "| route | what and who | errors |",
            "| --- | --- | --- |",
            *_rows(schemas[name]),
            "",
        ]
    return "\n".join(out)
