"""Beacons as model servers and apps read them."""

from __future__ import annotations

from pydantic import BaseModel


class BeaconOut(BaseModel):
    beacon_id: str
    location_name: str
    building: str
    floor: int
    latitude: float | None
    longitude: float | None
