"""Guards: the lookup several routers share (a router imports no other router), the roster,
duty state and push tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.core.auth import Principal
from safewatch.core.db.dialect import insert_for
from safewatch.core.errors import NotFound
from safewatch.resq.beacons.campus import CampusCache
from safewatch.resq.guards.schemas import DeviceIn, DeviceOut, GuardMe, GuardOnRoster, GuardPatch
from safewatch.resq.models import Guard, PushToken, User

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


async def roster(session: AsyncSession) -> list[GuardOnRoster]:
    rows = await session.execute(
        select(Guard, User.display_name).join(User, User.id == Guard.user_id).order_by(Guard.id)
    )
    return [
        GuardOnRoster(
            id=guard.id,
            name=name,
            on_duty=guard.on_duty,
            current_beacon_id=guard.current_beacon_id,
            last_seen_at=guard.last_seen_at,
        )
        for guard, name in rows.all()
    ]


async def duty_state(session: AsyncSession, guard: Guard, campus: CampusCache) -> GuardMe:
    beacon = None
    if guard.current_beacon_id:
        snapshot = await campus.snapshot(session, require=guard.current_beacon_id)
        beacon = snapshot.beacons.get(guard.current_beacon_id)
    return GuardMe(
        on_duty=guard.on_duty,
        current_beacon_id=guard.current_beacon_id,
        location_name=beacon.location_name if beacon else None,
        last_seen_at=guard.last_seen_at,
    )


async def update_duty(
    session: AsyncSession,
    user: Principal,
    change: GuardPatch,
    *,
    campus: CampusCache,
    now: datetime,
) -> GuardMe:
    """On or off duty, and the beacon the phone hears (an unknown one is 422); seen now."""
    guard = await guard_for(session, user)
    if "current_beacon_id" in change.model_fields_set:
        beacon_id = change.current_beacon_id
        if beacon_id is not None:
            await campus.require_active(session, beacon_id)
        guard.current_beacon_id = beacon_id
    if change.on_duty is not None:
        guard.on_duty = change.on_duty
    guard.last_seen_at = now
    await session.flush()
    return await duty_state(session, guard, campus)


async def register_device(
    session: AsyncSession, user: Principal, device: DeviceIn, *, now: datetime
) -> DeviceOut:
    guard = await guard_for(session, user)
    # A token moves with the phone: if another guard had it, it is now this guard's.
    statement = insert_for(session, PushToken).values(
        guard_id=guard.id, token=device.token, platform=device.platform, created_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=["token"], set_={"guard_id": guard.id, "platform": device.platform}
    ).returning(PushToken.id)
    token_id = (await session.execute(statement)).scalar_one()
    return DeviceOut(id=token_id, platform=device.platform)
