"""What ResQ's routes get from the app: its context (settings, database, clock, limiter)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from safewatch.core.auth import TokenIssuer
from safewatch.core.auth.sign_in import BearerRules
from safewatch.core.clock import Clock
from safewatch.core.db import Database
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
            CampusCache(clock, settings.campus_cache_seconds),
            token_issuer(settings),
        )


async def get_context(request: Request) -> ResqContext:
    # async: a sync dependency would cost a thread-pool hop on every request
    context: ResqContext = request.app.state.resq
    return context


# Auth rules: current_user ("signed in, any role") and role(...) (other roles get 403).
_rules = BearerRules(get_context)
current_user, role = _rules.current_user, _rules.role
