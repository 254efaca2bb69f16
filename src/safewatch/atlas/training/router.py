"""Feedback, training stats and the model registry over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from safewatch.atlas.deps import Ctx, Product, Work
from safewatch.atlas.training import registry, service
from safewatch.atlas.training.schemas import ModelOut, ModelsOut, TrainingStats
from safewatch.contracts.atlas.feedback import FeedbackIn, FeedbackOut
from safewatch.core.errors import AppError

router = APIRouter(prefix="/api/v1", tags=["Feedback and models"])


@router.post(
    "/training/feedback",
    response_model=FeedbackOut,
    summary="Say what it really was (auth: the product that sent the threat)",
    responses={404: {"description": "No threat prediction_id for this product"}},
)
async def send_feedback(body: FeedbackIn, product: Product, ctx: Ctx, uow: Work) -> FeedbackOut:
    """Auth rule: the product that got the prediction. Sending the same verdict again changes
    nothing; a different verdict replaces the earlier one. Enough new feedback queues a
    retrain."""
    if body.source_product.strip().lower() != product:
        raise AppError(
            f"source_product is {body.source_product!r} but X-Product is {product!r}",
            status=422,
            code="product_mismatch",
        )
    row, status = await service.record_feedback(uow.session, product, body, uow.now)
    queued = status != "unchanged" and await service.queue_retrain_if_due(uow, ctx.settings)
    return FeedbackOut(
        feedback_id=row.id, prediction_id=row.prediction_id, status=status, retrain_queued=queued
    )


@router.get(
    "/training/stats",
    response_model=TrainingStats,
    summary="How often Atlas is right (auth: a product key; your product's figures)",
)
async def training_stats(product: Product, ctx: Ctx) -> TrainingStats:
    """Auth rule: a product key; each product sees its own feedback figures."""
    async with ctx.db.sessions() as session:
        stats = await service.product_stats(session, product)
        champion = await registry.champion(session)
        fresh = await service.feedback_since(session, champion.created_at if champion else None)
    return TrainingStats(
        products={product: stats},
        champion=champion.version if champion else None,
        feedback_since_champion=fresh,
    )


@router.get(
    "/models",
    response_model=ModelsOut,
    summary="Model versions and their metrics (auth: a product key)",
)
async def list_models(
    _: Product,
    ctx: Ctx,
    limit: Annotated[
        int, Query(ge=1, le=200, description="The newest this many versions, oldest first")
    ] = 50,
) -> ModelsOut:
    """Auth rule: a product key. Every retrain adds a version, promoted or not."""
    async with ctx.db.sessions() as session:
        rows = await registry.versions(session, limit)
    serving = ctx.engine.version
    return ModelsOut(
        serving=serving,
        versions=[
            ModelOut(
                version=r.version,
                status=r.status,
                metrics=r.metrics,
                trained_on=r.trained_on,
                note=r.note,
                created_at=r.created_at,
                promoted_at=r.promoted_at,
                serving=r.version == serving,
            )
            for r in rows
        ],
    )
