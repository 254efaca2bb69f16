"""GET /api/beacons/: the campus's active beacons (public: model servers and apps need ids)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select

from safewatch.resq.deps import ResqContext, get_context
from safewatch.resq.models import Beacon

router = APIRouter(prefix="/api/beacons", tags=["beacons"])


class BeaconOut(BaseModel):
    beacon_id: str
    location_name: str
    building: str
    floor: int
    latitude: float | None
    longitude: float | None


@router.get("/", response_model=list[BeaconOut], summary="Active beacons (auth: public)")
async def list_beacons(ctx: ResqContext = Depends(get_context)) -> list[BeaconOut]:
    async with ctx.db.transaction() as session:
        beacons = (
            (
                await session.execute(
                    select(Beacon)
                    .where(Beacon.active.is_(True))
                    .order_by(Beacon.building, Beacon.floor, Beacon.beacon_id)
                )
            )
            .scalars()
            .all()
        )
    return [BeaconOut.model_validate(b, from_attributes=True) for b in beacons]
