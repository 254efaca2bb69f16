"""What Halo's routes get from the app: its context, the caller (auth rules) and rate limits."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.atlas_client import AtlasClient
from safewatch.core.auth import TokenIssuer
from safewatch.core.auth.sign_in import BearerRules
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import TooManyRequests, answers
from safewatch.halo.atlas_link import AtlasLink
from safewatch.halo.auth.service import token_issuer
from safewatch.halo.incidents.scrub import KnownNames
from safewatch.halo.intelligence.cache import PatternCache
from safewatch.halo.settings import HaloSettings


@dataclass
class HaloContext:
    settings: HaloSettings
    db: Database
    clock: Clock
    atlas: AtlasClient
    tokens: TokenIssuer
    names: KnownNames
    patterns: PatternCache
    report_limit: RateLimitItem
    limiter: MovingWindowRateLimiter
    atlas_link: AtlasLink

    @classmethod
    def build(
        cls, settings: HaloSettings, db: Database, clock: Clock, atlas: AtlasClient
    ) -> HaloContext:
        # Per-process memory storage: with N processes a client gets up to N x the limit.
        return cls(
            settings,
            db,
            clock,
            atlas,
            token_issuer(settings),
            KnownNames(clock),
            PatternCache(settings.patterns_cache_seconds, settings.patterns_stale_seconds, clock),
            parse(settings.report_rate_limit),
            MovingWindowRateLimiter(MemoryStorage()),
            AtlasLink.of(settings),
        )


async def get_context(request: Request) -> HaloContext:
    context: HaloContext = request.app.state.halo
    return context


# Auth rules: optional_user ("public, or signed in"), current_user ("signed in"), role(...).
_rules = BearerRules(get_context)
optional_user, current_user, role = _rules.optional_user, _rules.current_user, _rules.role


@answers({429: "Too many reports from this address (HALO_REPORT_RATE_LIMIT); see Retry-After"})
async def report_rate_limit(request: Request, ctx: HaloContext = Depends(get_context)) -> None:
    """Reports and uploads per client address: anonymous reporting must not flood Atlas."""
    client = request.client.host if request.client else "unknown"
    if not await ctx.limiter.hit(ctx.report_limit, "report", client):
        stats = await ctx.limiter.get_window_stats(ctx.report_limit, "report", client)
        wait = max(1, math.ceil(stats.reset_time - time.time()))  # limits uses wall time
        raise TooManyRequests(
            f"Too many reports from this address: limit {ctx.settings.report_rate_limit}",
            headers={"Retry-After": str(wait)},
        )
