"""Classify API: one text, a batch, and reading a stored threat back."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header

from safewatch.atlas.classify import repository, service
from safewatch.atlas.deps import AtlasContext, Ctx, Product
from safewatch.contracts.atlas.classify import BatchOut, BatchRequest, ClassifyRequest, ThreatOut
from safewatch.core.errors import AppError, NotFound

router = APIRouter(prefix="/api/v1", tags=["Threat classification"])
KEY_REUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "This Idempotency-Key was sent with a different request"}
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        # A batch stores `key#index` for each item in a 120-character column.
        max_length=100,
        description="Send the same key when retrying: the first call's threat comes back. "
        "Not remembered for items with options.store false.",
    ),
]


async def _classify(
    ctx: AtlasContext,
    product: str,
    items: list[ClassifyRequest],
    idempotency_key: str | None,
) -> list[ThreatOut]:
    service.check_requests(items, product, ctx.settings)
    now = ctx.clock.now()
    async with ctx.units.begin() as uow:
        session = uow.session
        threats = await service.classify(
            session, ctx.engine, product, items, idempotency_key=idempotency_key, now=now
        )
        results = []
        for item, threat in zip(items, threats, strict=True):
            out = service.to_out(threat, stored=item.options.store)
            if item.options.include_nearby_patterns:
                threshold = item.options.correlation_threshold
                out = await service.enrich(session, out, threat, threshold, ctx.settings, now)
            results.append(out)
    return results


@router.post(
    "/classify/threat",
    response_model=ThreatOut,
    response_model_exclude_none=True,
    summary="Classify one incident text and store it as a threat unless options.store is false "
    "(auth: a product key)",
    responses=KEY_REUSED,
)
async def classify_threat(
    body: ClassifyRequest,
    product: Product,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> ThreatOut:
    """Auth rule: a product key. The answer's `classification` says what it is and how bad;
    with `options.include_nearby_patterns` it also lists activity nearby and correlated threats
    from every product. `options.store: false` answers the same and keeps nothing (`threat_id`
    null): for trying texts out without them becoming threats others see."""
    (result,) = await _classify(ctx, product, [body], idempotency_key)
    return result


@router.post(
    "/classify/threats",
    response_model=BatchOut,
    response_model_exclude_none=True,
    summary="Classify a batch of incident texts (auth: a product key)",
    responses=KEY_REUSED,
)
async def classify_threats(
    body: BatchRequest,
    product: Product,
    ctx: Ctx,
    idempotency_key: IdempotencyKey = None,
) -> BatchOut:
    """Auth rule: a product key. Results come back in the order sent; each item's
    `options.store` decides whether that item is kept."""
    if len(body.items) > ctx.settings.max_batch:
        raise AppError(
            f"items holds {len(body.items)} texts; send at most {ctx.settings.max_batch} per call",
            status=422,
            code="batch_too_large",
        )
    results = await _classify(ctx, product, body.items, idempotency_key)
    return BatchOut(count=len(results), results=results)


@router.get(
    "/threats/{threat_id}",
    response_model=ThreatOut,
    response_model_exclude_none=True,
    summary="Read one of your product's threats (auth: the product that sent it)",
)
async def get_threat(
    threat_id: uuid.UUID,
    product: Product,
    ctx: Ctx,
) -> ThreatOut:
    """Auth rule: the product that classified it; any other product gets 404."""
    async with ctx.db.sessions() as session:
        threat = await repository.get_owned(session, threat_id, product)
    if threat is None:
        raise NotFound(f"No threat {threat_id} for {product}")
    return service.to_out(threat)
