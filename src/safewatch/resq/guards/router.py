"""The guard app: duty state, the beacon the phone hears, push tokens (auth: guard)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.db.dialect import insert_for
from safewatch.core.errors import AppError
from safewatch.core.requests import RequestModel
from safewatch.resq.deps import ResqContext, get_context, role
from safewatch.resq.guards.service import NO_PROFILE, guard_for
from safewatch.resq.models import Guard, PushToken, User

router = APIRouter(prefix="/api/guards", tags=["guard app"])
GUARD = role("guard")
DISPATCHER = role("dispatcher")


class GuardPatch(RequestModel):
    model_config = ConfigDict(extra="forbid")

    on_duty: bool | None = None
    current_beacon_id: str | None = Field(default=None, max_length=100)


class GuardMe(BaseModel):
    on_duty: bool
    current_beacon_id: str | None
    location_name: str | None
    last_seen_at: datetime | None


class GuardOnRoster(BaseModel):
    id: int
    name: str
    on_duty: bool
    current_beacon_id: str | None
    last_seen_at: datetime | None


class DeviceIn(RequestModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=512)
    platform: Literal["android", "ios", "web"] = "android"


class DeviceOut(BaseModel):
    id: int
    platform: str


@router.get(
    "/",
    response_model=list[GuardOnRoster],
    summary="Every guard, on duty or not, and where they are (auth: dispatcher)",
)
async def roster(
    user: Principal = DISPATCHER, ctx: ResqContext = Depends(get_context)
) -> list[GuardOnRoster]:
    async with ctx.db.transaction() as session:
        rows = (
            await session.execute(
                select(Guard, User.display_name)
                .join(User, User.id == Guard.user_id)
                .order_by(Guard.id)
            )
        ).all()
    return [
        GuardOnRoster(
            id=guard.id,
            name=name,
            on_duty=guard.on_duty,
            current_beacon_id=guard.current_beacon_id,
            last_seen_at=guard.last_seen_at,
        )
        for guard, name in rows
    ]


@router.get(
    "/me/", response_model=GuardMe, summary="My duty state (auth: guard)", responses=NO_PROFILE
)
async def get_me(user: Principal = GUARD, ctx: ResqContext = Depends(get_context)) -> GuardMe:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        return await _me(session, ctx, guard)


@router.patch(
    "/me/",
    response_model=GuardMe,
    summary="Go on or off duty; report the nearest beacon the phone hears (auth: guard)",
    responses=NO_PROFILE,
)
async def patch_me(
    body: GuardPatch, user: Principal = GUARD, ctx: ResqContext = Depends(get_context)
) -> GuardMe:
    now = ctx.clock.now()
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        if "current_beacon_id" in body.model_fields_set:
            beacon_id = body.current_beacon_id
            if beacon_id is not None and await ctx.campus.active_beacon(session, beacon_id) is None:
                raise AppError(
                    f"Beacon {beacon_id} not found or inactive: use an id from GET /api/beacons/",
                    status=422,
                    code="unknown_beacon",
                )
            guard.current_beacon_id = beacon_id
        if body.on_duty is not None:
            guard.on_duty = body.on_duty
        guard.last_seen_at = now
        await session.flush()
        return await _me(session, ctx, guard)


async def _me(session: AsyncSession, ctx: ResqContext, guard: Guard) -> GuardMe:
    beacon = None
    if guard.current_beacon_id:
        beacon = (await ctx.campus.snapshot(session, require=guard.current_beacon_id)).beacons.get(
            guard.current_beacon_id
        )
    return GuardMe(
        on_duty=guard.on_duty,
        current_beacon_id=guard.current_beacon_id,
        location_name=beacon.location_name if beacon else None,
        last_seen_at=guard.last_seen_at,
    )


@router.post(
    "/me/devices/",
    response_model=DeviceOut,
    status_code=201,
    summary="Register this phone's push token (auth: guard)",
    responses=NO_PROFILE,
)
async def register_device(
    body: DeviceIn, user: Principal = GUARD, ctx: ResqContext = Depends(get_context)
) -> DeviceOut:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        # A token moves with the phone: if another guard had it, it is now this guard's.
        statement = insert_for(session, PushToken).values(
            guard_id=guard.id,
            token=body.token,
            platform=body.platform,
            created_at=ctx.clock.now(),
        )
        statement = statement.on_conflict_do_update(
            index_elements=["token"], set_={"guard_id": guard.id, "platform": body.platform}
        ).returning(PushToken.id)
        token_id = (await session.execute(statement)).scalar_one()
    return DeviceOut(id=token_id, platform=body.platform)
