"""The consoles: static pages that sign in with POST /api/auth/token/ and then use the same API
and /ws as the phone apps, so they see exactly what that user may see and nothing more.

Auth rule: public. The pages hold no data; every request they make carries the user's token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
# Scripts and styles only from this origin; the socket back to it; nothing inline.
POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGES = {"": "dispatcher.html", "guard": "guard.html", "student": "student.html"}

router = APIRouter(prefix="/console", tags=["console"], include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC / name,
        media_type="text/html",
        headers={
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


@router.get("/", summary="Dispatcher console (auth: public page; data needs a dispatcher)")
async def dispatcher_page() -> FileResponse:
    return _page(PAGES[""])


@router.get("/guard", summary="Guard console, phone-sized (auth: public page)")
async def guard_page() -> FileResponse:
    return _page(PAGES["guard"])


@router.get("/student", summary="Student SOS page (auth: public page)")
async def student_page() -> FileResponse:
    return _page(PAGES["student"])


def mount_console(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.get("/console", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/console/")
