"""What ResQ's routes get from the app, as typed dependencies: its context (`Ctx`), a unit of
work (`Work`) and the caller (auth rules)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from safewatch.core.auth import TokenIssuer
from safewatch.core.auth.sign_in import BearerRules
from safewatch.core.clock import Clock
from safewatch.core.db import Database
from safewatch.core.ratelimit import RateLimit
from safewatch.core.unit_of_work import UnitOfWork, UnitsOfWork, route_unit_of_work
from safewatch.resq.auth.service import token_issuer
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.settings import ResqSettings


@dataclass
class ResqContext:
    settings: ResqSettings
    units: UnitsOfWork
    ai_limit: RateLimit
    campus: CampusCache
    tokens: TokenIssuer

    @classmethod
    def build(cls, settings: ResqSettings, units: UnitsOfWork) -> ResqContext:
        return cls(
            settings,
            units,
            RateLimit(settings.ai_rate_limit, scope="ai"),
            CampusCache(units.clock, settings.campus_cache_seconds),
            token_issuer(settings),
        )

    # The units of work hold the database and clock; these read them (sign-in uses both).
    @property
    def db(self) -> Database:
        return self.units.db

    @property
    def clock(self) -> Clock:
        return self.units.clock


async def get_context(request: Request) -> ResqContext:
    # async: a sync dependency would cost a thread-pool hop on every request
    context: ResqContext = request.app.state.resq
    return context


Ctx = Annotated[ResqContext, Depends(get_context)]


# The route's changes, jobs and events in one transaction, committed before the answer.
Work = Annotated[UnitOfWork, Depends(route_unit_of_work(get_context), scope="function")]

# Auth rules: current_user ("signed in, any role") and role(...) (other roles get 403).
_rules = BearerRules(get_context)
current_user, role = _rules.current_user, _rules.role
