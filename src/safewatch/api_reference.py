"""The API overview: every route of the three services with its summary (which states its auth
rule), read from their OpenAPI schemas. `safewatch api-docs > docs/api.md`; a test keeps the
page current."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
SERVICES = [
    ("ResQ", 8000, "campus dispatch"),
    ("Atlas", 8001, "Atlas Intelligence"),
    ("Halo", 8002, "public incident reporting"),
]


def _schemas() -> dict[str, dict[str, Any]]:
    from safewatch.atlas.app import build_atlas
    from safewatch.atlas.settings import AtlasSettings
    from safewatch.halo.app import build_halo
    from safewatch.halo.settings import HaloSettings
    from safewatch.resq.app import build_resq
    from safewatch.resq.settings import ResqSettings

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        runtimes = {
            "ResQ": build_resq(ResqSettings(data_dir=data)),
            "Atlas": build_atlas(AtlasSettings(data_dir=data)),
            "Halo": build_halo(HaloSettings(data_dir=data)),
        }
        return {name: runtime.app.openapi() for name, runtime in runtimes.items()}


def _rows(schema: dict[str, Any]) -> list[str]:
    rows = []
    for path, operations in schema["paths"].items():
        for method in METHODS:
            if method in operations:
                summary = operations[method].get("summary", "").replace("|", "\\|")
                rows.append(f"| `{method.upper()} {path}` | {summary} |")
    return rows


def render() -> str:
    schemas = _schemas()
    out = [
        "# API overview",
        "",
        "Each service serves its interactive OpenAPI docs at `/docs` and the schema at",
        "`/openapi.json` (hidden when `SAFEWATCH_ENV=production`). Every route's summary says who",
        "may call it. Generated from the schemas: `safewatch api-docs > docs/api.md`.",
        "",
    ]
    for name, port, what in SERVICES:
        out += [
            f"## {name} ({what}): http://127.0.0.1:{port}/docs",
            "",
            "| route | what and who |",
            "| --- | --- |",
            *_rows(schemas[name]),
            "",
        ]
    return "\n".join(out)
