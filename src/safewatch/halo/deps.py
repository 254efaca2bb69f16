"""What Halo's routes get from the app, as typed dependencies: its context (`Ctx`), a unit of
work (`Work`), the caller (auth rules) and the report rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from safewatch.atlas_client import AtlasClient
from safewatch.core.auth import Principal, TokenIssuer
from safewatch.core.auth.sign_in import BearerRules
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.errors import answers
from safewatch.core.ratelimit import RateLimit
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork, route_unit_of_work
from safewatch.halo.atlas_link import AtlasLink
from safewatch.halo.auth.service import token_issuer
from safewatch.halo.incidents.scrub import KnownNames
from safewatch.halo.intelligence.cache import PatternCache
from safewatch.halo.models import VALIDATOR
from safewatch.halo.settings import HaloSettings


@dataclass
class HaloContext:
    settings: HaloSettings
    units: UnitsOfWork
    atlas: AtlasClient
    tokens: TokenIssuer
    names: KnownNames
    patterns: PatternCache
    report_limit: RateLimit
    atlas_link: AtlasLink

    @classmethod
    def build(cls, settings: HaloSettings, units: UnitsOfWork, atlas: AtlasClient) -> HaloContext:
        clock = units.clock
        return cls(
            settings,
            units,
            atlas,
            token_issuer(settings),
            KnownNames(clock),
            PatternCache(settings.patterns_cache_seconds, settings.patterns_stale_seconds, clock),
            RateLimit(settings.report_rate_limit, scope="report"),
            AtlasLink.of(settings),
        )

    # The units of work hold the database and clock; these read them.
    @property
    def db(self) -> Database:
        return self.units.db

    @property
    def clock(self) -> Clock:
        return self.units.clock


async def get_context(request: Request) -> HaloContext:
    context: HaloContext = request.app.state.halo
    return context


Ctx = Annotated[HaloContext, Depends(get_context)]


# The route's changes, jobs and events in one transaction, committed before the answer.
Work = Annotated[UnitOfWork, Depends(route_unit_of_work(get_context), scope="function")]

# Auth rules: optional_user ("public, or signed in"), current_user ("signed in"), role(...).
_rules = BearerRules(get_context)
optional_user, current_user, role = _rules.optional_user, _rules.current_user, _rules.role
MaybeUser = Annotated[Principal | None, Depends(optional_user)]
Validator = Annotated[Principal, role(VALIDATOR)]


@answers({429: "Too many reports from this address (HALO_REPORT_RATE_LIMIT); see Retry-After"})
async def report_rate_limit(request: Request, ctx: Ctx) -> None:
    """Reports and uploads per client address: anonymous reporting must not flood Atlas."""
    client = request.client.host if request.client else "unknown"
    await ctx.report_limit.hit(client, refusal="Too many reports from this address")
