"""What Atlas's routes get from the app, as typed dependencies: its context (`Ctx`), a unit of
work (`Work`) and the calling product (`Product`, the auth rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from safewatch.atlas.classify.engine import ThreatEngine
from safewatch.atlas.products.keys import KeyRing
from safewatch.atlas.settings import PRODUCTS, AtlasSettings
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import Forbidden, Unauthorized, answers
from safewatch.core.ratelimit import RateLimit
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork, route_unit_of_work


@dataclass
class AtlasContext:
    settings: AtlasSettings
    units: UnitsOfWork
    engine: ThreatEngine
    keys: KeyRing
    rate_limit: RateLimit

    @classmethod
    def build(
        cls, settings: AtlasSettings, units: UnitsOfWork, engine: ThreatEngine
    ) -> AtlasContext:
        return cls(
            settings,
            units,
            engine,
            KeyRing(settings.product_keys()),
            RateLimit(settings.rate_limit, scope="product"),
        )

    # The units of work hold the database and clock; these read them.
    @property
    def db(self) -> Database:
        return self.units.db

    @property
    def clock(self) -> Clock:
        return self.units.clock


async def get_context(request: Request) -> AtlasContext:
    context: AtlasContext = request.app.state.atlas
    return context


Ctx = Annotated[AtlasContext, Depends(get_context)]


# The route's changes, jobs and events in one transaction, committed before the answer.
Work = Annotated[UnitOfWork, Depends(route_unit_of_work(get_context), scope="function")]

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
    key: Annotated[str | None, Depends(_api_key)],
    product: Annotated[str | None, Depends(_product)],
    ctx: Ctx,
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
    await ctx.rate_limit.hit(product, refusal=f"Too many requests from {product}")
    return product


Product = Annotated[str, Depends(calling_product)]
