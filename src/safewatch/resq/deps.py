"""What ResQ's routes get from the app: its context (settings, database, clock, limiter)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.core.auth import Principal, TokenError, TokenIssuer
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import Forbidden, Unauthorized
from safewatch.resq.auth.service import token_issuer
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.settings import ResqSettings


@dataclass
class ResqContext:
    settings: ResqSettings
    db: Database
    clock: Clock
    ai_limit: RateLimitItem
    limiter: MovingWindowRateLimiter
    campus: CampusCache
    tokens: TokenIssuer

    @classmethod
    def build(cls, settings: ResqSettings, db: Database, clock: Clock) -> ResqContext:
        # Per-process memory storage: with N processes a source gets up to N x the limit.
        return cls(
            settings,
            db,
            clock,
            parse(settings.ai_rate_limit),
            MovingWindowRateLimiter(MemoryStorage()),
            CampusCache(settings.campus_cache_seconds),
            token_issuer(settings),
        )


async def get_context(request: Request) -> ResqContext:
    # async: a sync dependency would cost a thread-pool hop on every request
    context: ResqContext = request.app.state.resq
    return context


_bearer = HTTPBearer(auto_error=False, description="Access token from POST /api/auth/token/")


async def current_user(
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ctx: ResqContext = Depends(get_context),
) -> Principal:
    """Auth rule "signed in": a valid, unexpired access token of any role."""
    if credentials is None:
        raise Unauthorized(
            "Sign in at POST /api/auth/token/ and send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return ctx.tokens.verify(credentials.credentials, ctx.clock.now())
    except TokenError as exc:
        raise Unauthorized(str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


def role(*allowed: str) -> Any:
    """Auth rule "signed in with one of these roles"; other roles get 403."""

    async def check(user: Principal = Depends(current_user)) -> Principal:
        if user.role not in allowed:
            raise Forbidden(f"This needs a {' or '.join(allowed)} account")
        return user

    return Depends(check)
