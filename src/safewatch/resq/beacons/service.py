"""The campus's beacons as the public list shows them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safewatch.resq.beacons.schemas import BeaconOut
from safewatch.resq.models import Beacon


async def active_beacons(session: AsyncSession) -> list[BeaconOut]:
    """Active beacons by building, floor and id (inactive ones take no detections)."""
    beacons = await session.execute(
        select(Beacon)
        .where(Beacon.active.is_(True))
        .order_by(Beacon.building, Beacon.floor, Beacon.beacon_id)
    )
    return [BeaconOut.model_validate(b, from_attributes=True) for b in beacons.scalars()]
