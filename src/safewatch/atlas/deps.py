"""What Atlas's routes get from the app: its context, and the calling product (auth rule)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.atlas.classify.engine import ThreatEngine
from safewatch.atlas.products.keys import KeyRing
from safewatch.atlas.settings import PRODUCTS, AtlasSettings
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import Forbidden, TooManyRequests, Unauthorized, answers


@dataclass
class AtlasContext:
    settings: AtlasSettings
    db: Database
    clock: Clock
    engine: ThreatEngine
    keys: KeyRing
    rate_limit: RateLimitItem
    limiter: MovingWindowRateLimiter

    @classmethod
    def build(
        cls, settings: AtlasSettings, db: Database, clock: Clock, engine: ThreatEngine
    ) -> AtlasContext:
        # Per-process memory storage: with N processes a product gets up to N x the limit.
        return cls(
            settings,
            db,
            clock,
            engine,
            KeyRing(settings.product_keys()),
            parse(settings.rate_limit),
            MovingWindowRateLimiter(MemoryStorage()),
        )


async def get_context(request: Request) -> AtlasContext:
    context: AtlasContext = request.app.state.atlas
    return context


# Both headers identify the caller; each scheme needs its own name, or OpenAPI keeps only one.
_api_key = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKey",
    auto_error=False,
    description="The product's Atlas API key",
)
_product = APIKeyHeader(
    name="X-Product",
    scheme_name="Product",
    auto_error=False,
    description=f"One of: {', '.join(PRODUCTS)}",
)


@answers(
    {
        401: "X-API-Key or X-Product is missing, or the key is unknown or revoked",
        403: "The key belongs to another product than X-Product",
        429: "The product's rate limit (ATLAS_RATE_LIMIT); see Retry-After",
    }
)
async def calling_product(
    key: str | None = Depends(_api_key),
    product: str | None = Depends(_product),
    ctx: AtlasContext = Depends(get_context),
) -> str:
    """Auth rule "a product": a live key for the product named in X-Product, within its limit."""
    if not key:
        raise Unauthorized("Send your product's key in the X-API-Key header")
    if not product:
        raise Unauthorized(f"Send X-Product: one of {', '.join(PRODUCTS)}", code="missing_product")
    product = product.strip().lower()
    async with ctx.db.sessions() as session:
        owner = await ctx.keys.owner(session, key)
    if owner is None:
        raise Unauthorized("X-API-Key is not a valid Atlas key (unknown or revoked)")
    if owner != product:
        raise Forbidden(f"This key belongs to another product, not {product!r}")
    if not await ctx.limiter.hit(ctx.rate_limit, "product", product):
        stats = await ctx.limiter.get_window_stats(ctx.rate_limit, "product", product)
        wait = max(1, math.ceil(stats.reset_time - time.time()))  # limits uses wall time
        raise TooManyRequests(
            f"Too many requests from {product}: limit {ctx.settings.rate_limit}",
            headers={"Retry-After": str(wait)},
        )
    return product
