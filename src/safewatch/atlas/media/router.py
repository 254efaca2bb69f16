"""Media API: analyse an upload, read an analysis back, fetch the sanitised photo."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from fastapi.routing import APIRoute

from safewatch.atlas.deps import Ctx, Product, Work
from safewatch.atlas.media import service
from safewatch.atlas.media.schemas import AnalysisPage
from safewatch.atlas.media.service import MediaRuntime
from safewatch.contracts.atlas.media import AnalysisOut, MediaType
from safewatch.core.errors import NotFound


class SeedFormRoute(APIRoute):
    """The integration plan's client posts its multipart form under its session's default
    `Content-Type: application/json`; a body that opens with a multipart boundary is read as
    the form it is."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def read_form(request: Request) -> Response:
            if request.headers.get("content-type", "").startswith("application/json"):
                body = await request.body()
                first = body[:200].split(b"\r\n", 1)[0]
                if first.startswith(b"--") and len(first) > 2:
                    content_type = b"multipart/form-data; boundary=" + first[2:]
                    scope = dict(request.scope)
                    scope["headers"] = [
                        *((k, v) for k, v in request.scope["headers"] if k != b"content-type"),
                        (b"content-type", content_type),
                    ]
                    request = Request(scope, request.receive)
                    request._body = body  # already read from the socket
            return await handler(request)

        return read_form


router = APIRouter(prefix="/api/v1", tags=["Media analysis"], route_class=SeedFormRoute)


async def get_media(request: Request) -> MediaRuntime:
    runtime: MediaRuntime = request.app.state.media
    return runtime


Media = Annotated[MediaRuntime, Depends(get_media)]


@router.post(
    "/analyze/media",
    response_model=AnalysisOut,
    summary="Analyse a photo, video or audio file and store what it shows (auth: a product key)",
    responses={
        413: {"description": "The file is over ATLAS_MEDIA_MAX_BYTES"},
        415: {"description": "The content is not a supported type for media_type"},
        422: {"description": "Undecodable, too many pixels, too long, or over the time limit"},
    },
)
async def analyze_media(
    file: Annotated[UploadFile, File(description="The photo, video or audio")],
    media_type: Annotated[MediaType, Form(description="photo, video or audio")],
    product: Product,
    ctx: Ctx,
    media: Media,
    uow: Work,
    context: Annotated[
        str | None, Form(description='JSON, e.g. {"latitude": 59.33, "longitude": 18.07}')
    ] = None,
) -> AnalysisOut:
    """Auth rule: a product key. The type comes from the content, not the file name or header.
    EXIF and GPS never reach storage; faces are blurred first when ATLAS_MEDIA_BLUR_FACES is on.
    """
    data = await file.read(media.settings.max_bytes + 1)
    service.check_upload(data, media.settings)
    parsed = service.parse_context(context, product)
    # The unit of work takes its connection at the commit: none is held during the analysis.
    analysis = await media.analyze(data, media_type)
    row = service.store(uow.session, product, data, analysis, parsed, ctx.clock.now())
    return service.to_out(row)


@router.get(
    "/analyses",
    response_model=AnalysisPage,
    summary="Your product's latest media analyses, newest first (auth: a product key)",
)
async def list_analyses(
    product: Product,
    ctx: Ctx,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> AnalysisPage:
    """Auth rule: a product key; each product sees only its own analyses."""
    async with ctx.db.sessions() as session:
        rows = await service.recent(session, product, limit)
    items = [service.to_out(row) for row in rows]
    return AnalysisPage(items=items, count=len(items))


@router.get(
    "/analyses/{analysis_id}",
    response_model=AnalysisOut,
    summary="Read one of your product's media analyses (auth: the product that sent it)",
)
async def get_analysis(
    analysis_id: uuid.UUID,
    product: Product,
    ctx: Ctx,
) -> AnalysisOut:
    """Auth rule: the product that uploaded it; any other product gets 404."""
    async with ctx.db.sessions() as session:
        row = await service.get_owned(session, analysis_id, product)
    if row is None:
        raise NotFound(f"No media analysis {analysis_id} for {product}")
    return service.to_out(row)


@router.get(
    "/analyses/{analysis_id}/media",
    summary="Download the stored, sanitised photo of an analysis (auth: the product that sent it)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
)
async def get_stored_photo(
    analysis_id: uuid.UUID,
    product: Product,
    ctx: Ctx,
) -> Response:
    """Auth rule: the product that uploaded it; others, and analyses with no photo kept, 404."""
    async with ctx.db.sessions() as session:
        stored = await service.stored_photo(session, analysis_id, product)
    if stored is None:
        raise NotFound(f"No stored photo for analysis {analysis_id} of {product}")
    return Response(stored.data, media_type=stored.content_type)
