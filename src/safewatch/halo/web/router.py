"""The page at `/` and what only it needs: its map settings and H3 cell outlines.

Auth rule: public, like reporting itself. The page calls the same public API as the phone app.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import h3
from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, StringConstraints

from safewatch.core.errors import AppError
from safewatch.halo.deps import Ctx

STATIC = Path(__file__).parent / "static"
MAX_CELLS = 200
H3_TEXT = "^[0-9a-f]{15}$"  # an H3 index as text; other text made h3 overflow (500)
router = APIRouter(tags=["Web page"])


def _policy(tiles_url: str | None) -> str:
    # Map tiles are the one thing the page may load from elsewhere, and only when configured.
    tiles = f" {tiles_url.split('/{')[0]}" if tiles_url else ""
    return (
        f"default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


class MapConfig(BaseModel):
    tiles_url: str | None
    tiles_attribution: str
    latitude: float
    longitude: float


@router.get("/", include_in_schema=False)
async def page(ctx: Ctx) -> FileResponse:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html",
        headers={
            "Content-Security-Policy": _policy(ctx.settings.map_tiles_url),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


@router.get(
    "/web/config", response_model=MapConfig, summary="The web page's map settings (auth: public)"
)
async def map_config(ctx: Ctx) -> MapConfig:
    settings = ctx.settings
    return MapConfig(
        tiles_url=settings.map_tiles_url,
        tiles_attribution=settings.map_tiles_attribution,
        latitude=settings.map_latitude,
        longitude=settings.map_longitude,
    )


@router.get(
    "/web/cells",
    response_model=dict[str, list[tuple[float, float]]],
    summary="Outlines (lat, lon) of H3 cells, for drawing patterns (auth: public)",
)
async def cell_outlines(
    cell: Annotated[
        list[Annotated[str, StringConstraints(pattern=H3_TEXT)]],
        Query(max_length=MAX_CELLS, description="H3 cell ids, as patterns list them"),
    ],
) -> dict[str, list[tuple[float, float]]]:
    unknown = [c for c in cell if not h3.is_valid_cell(c)]
    if unknown:
        raise AppError(f"Not H3 cell ids: {', '.join(unknown[:5])}", status=422, code="not_h3")
    return {c: [(lat, lon) for lat, lon in h3.cell_to_boundary(c)] for c in cell}


def mount_web(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="halo-web-static")
