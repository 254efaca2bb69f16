"""GET / on Atlas: a static page. Auth rule: public page; everything it shows comes from the API
with the operator's product key, which stays in the tab (sessionStorage) and travels only in
the X-API-Key header, never in a URL."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
router = APIRouter(include_in_schema=False)


@router.get("/")
async def operator_page() -> FileResponse:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html",
        headers={
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


def mount_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="atlas-console-static")
