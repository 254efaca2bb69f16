"""The guard app: duty state, the beacon the phone hears, push tokens (auth: guard)."""

from __future__ import annotations

from fastapi import APIRouter

from safewatch.core.auth import Principal
from safewatch.resq.deps import Ctx, Work, role
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
async def roster(uow: Work, user: Principal = DISPATCHER) -> list[GuardOnRoster]:
    return await service.roster(uow.session)


@router.get(
    "/me/", response_model=GuardMe, summary="My duty state (auth: guard)", responses=NO_PROFILE
)
async def get_me(ctx: Ctx, uow: Work, user: Principal = GUARD) -> GuardMe:
    guard = await guard_for(uow.session, user)
    return await service.duty_state(uow.session, guard, ctx.campus)


@router.patch(
    "/me/",
    response_model=GuardMe,
    summary="Go on or off duty; report the nearest beacon the phone hears (auth: guard)",
    responses=NO_PROFILE,
)
async def patch_me(body: GuardPatch, ctx: Ctx, uow: Work, user: Principal = GUARD) -> GuardMe:
    return await service.update_duty(uow.session, user, body, campus=ctx.campus, now=uow.now)


@router.post(
    "/me/devices/",
    response_model=DeviceOut,
    status_code=201,
    summary="Register this phone's push token (auth: guard)",
    responses=NO_PROFILE,
)
async def register_device(body: DeviceIn, uow: Work, user: Principal = GUARD) -> DeviceOut:
    return await service.register_device(uow.session, user, body, now=uow.now)
