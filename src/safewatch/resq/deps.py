"""What ResQ's routes get from the app, as typed dependencies: its context (`Ctx`), a unit of
work (`Work`) and the caller (auth rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from safewatch.core.auth import TokenIssuer
from safewatch.core.auth.sign_in import BearerRules
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.ratelimit import RateLimit
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork
from safewatch.resq.auth.service import token_issuer
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.settings import ResqSettings


@dataclass
class ResqContext:
    settings: ResqSettings
    db: Database
    units: UnitsOfWork
    clock: Clock
    ai_limit: RateLimit
    campus: CampusCache
    tokens: TokenIssuer

    @classmethod
    def build(cls, settings: ResqSettings, units: UnitsOfWork) -> ResqContext:
        clock = units.clock
        return cls(
            settings,
            units.db,
            units,
            clock,
            RateLimit(settings.ai_rate_limit, scope="ai"),
            CampusCache(clock, settings.campus_cache_seconds),
            token_issuer(settings),
        )


async def get_context(request: Request) -> ResqContext:
    # async: a sync dependency would cost a thread-pool hop on every request
    context: ResqContext = request.app.state.resq
    return context


Ctx = Annotated[ResqContext, Depends(get_context)]


async def unit_of_work(ctx: Ctx) -> AsyncIterator[UnitOfWork]:
    async with ctx.units.begin() as uow:
        yield uow


# The route's changes, jobs and events in one transaction. scope="function" commits when the
# route returns, before the response is sent (by default FastAPI runs a yield dependency's exit
# after sending), so a client that reads next sees the change, and a failed commit is the answer.
Work = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]

# Auth rules: current_user ("signed in, any role") and role(...) (other roles get 403).
_rules = BearerRules(get_context)
current_user, role = _rules.current_user, _rules.role
