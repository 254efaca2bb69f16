"""Guard lookups that several routers share (a router imports no other router)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.errors import NotFound
from safewatch.resq.models import Guard

# What `guard_for` answers for an account without a guard profile, for routes' `responses=`.
NO_PROFILE: dict[int | str, dict[str, Any]] = {
    404: {"description": "This guard account has no guard profile"}
}


async def guard_for(session: AsyncSession, user: Principal) -> Guard:
    guard = (
        await session.execute(select(Guard).where(Guard.user_id == user.user_id))
    ).scalar_one_or_none()
    if guard is None:
        raise NotFound("No guard profile for this account")
    return guard
