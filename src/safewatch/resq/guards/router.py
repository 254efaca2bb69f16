"""The guard app: duty state, the beacon the phone hears, push tokens (auth: guard)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from safewatch.core.auth import Principal
from safewatch.resq.deps import ResqContext, get_context, role
from safewatch.resq.guards import service
from safewatch.resq.guards.schemas import DeviceIn, DeviceOut, GuardMe, GuardOnRoster, GuardPatch
from safewatch.resq.guards.service import NO_PROFILE, guard_for

router = APIRouter(prefix="/api/guards", tags=["guard app"])
GUARD = role("guard")
DISPATCHER = role("dispatcher")


@router.get(
    "/",
    response_model=list[GuardOnRoster],
    summary="Every guard, on duty or not, and where they are (auth: dispatcher)",
)
async def roster(
    user: Principal = DISPATCHER, ctx: ResqContext = Depends(get_context)
) -> list[GuardOnRoster]:
    async with ctx.db.transaction() as session:
        return await service.roster(session)


@router.get(
    "/me/", response_model=GuardMe, summary="My duty state (auth: guard)", responses=NO_PROFILE
)
async def get_me(user: Principal = GUARD, ctx: ResqContext = Depends(get_context)) -> GuardMe:
    async with ctx.db.transaction() as session:
        guard = await guard_for(session, user)
        return await service.duty_state(session, guard, ctx.campus)


@router.patch(
    "/me/",
    response_model=GuardMe,
    summary="Go on or off duty; report the nearest beacon the phone hears (auth: guard)",
    responses=NO_PROFILE,
)
async def patch_me(
    body: GuardPatch, user: Principal = GUARD, ctx: ResqContext = Depends(get_context)
) -> GuardMe:
    async with ctx.db.transaction() as session:
        return await service.update_duty(
            session, user, body, campus=ctx.campus, now=ctx.clock.now()
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
        return await service.register_device(session, user, body, now=ctx.clock.now())
