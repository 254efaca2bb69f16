"""GET /api/beacons/: the campus's active beacons (public: model servers and apps need ids)."""

from __future__ import annotations

from fastapi import APIRouter

from safewatch.resq.beacons.schemas import BeaconOut
from safewatch.resq.beacons.service import active_beacons
from safewatch.resq.deps import Work

router = APIRouter(prefix="/api/beacons", tags=["beacons"])


@router.get("/", response_model=list[BeaconOut], summary="Active beacons (auth: public)")
async def list_beacons(uow: Work) -> list[BeaconOut]:
    return await active_beacons(uow.session)
