"""What Halo's routes get from the app: its context, the caller (auth rules) and rate limits."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.atlas.client import AtlasClient
from safewatch.core.auth import Principal, TokenError, TokenIssuer
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import Forbidden, TooManyRequests, Unauthorized
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
            KnownNames(),
            PatternCache(settings.patterns_cache_seconds, settings.patterns_stale_seconds),
            parse(settings.report_rate_limit),
            MovingWindowRateLimiter(MemoryStorage()),
        )


async def get_context(request: Request) -> HaloContext:
    context: HaloContext = request.app.state.halo
    return context


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/token/")


def _verify(credentials: HTTPAuthorizationCredentials, ctx: HaloContext) -> Principal:
    try:
        return ctx.tokens.verify(credentials.credentials, ctx.clock.now())
    except TokenError as exc:
        raise Unauthorized(str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


async def optional_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ctx: HaloContext = Depends(get_context),
) -> Principal | None:
    """Auth rule "public, or signed in": no token is anonymous; a bad token is 401, never
    silently anonymous."""
    return None if credentials is None else _verify(credentials, ctx)


async def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ctx: HaloContext = Depends(get_context),
) -> Principal:
    """Auth rule "signed in": a valid, unexpired access token."""
    if credentials is None:
        raise Unauthorized(
            "Sign in at POST /api/auth/token/ and send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return _verify(credentials, ctx)


def role(*allowed: str) -> Any:
    """Auth rule "signed in with one of these roles"; other roles get 403."""

    async def check(user: Principal = Depends(current_user)) -> Principal:
        if user.role not in allowed:
            raise Forbidden(f"This needs a {' or '.join(allowed)} account")
        return user

    return Depends(check)


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
