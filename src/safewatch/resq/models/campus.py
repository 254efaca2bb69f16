"""Beacons (BLE, one per place) and the walking links between them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.resq.models.base import Base


class Beacon(Base):
    __tablename__ = "beacons"

    beacon_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    location_name: Mapped[str] = mapped_column(String(200))
    building: Mapped[str] = mapped_column(String(100))
    floor: Mapped[int]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime]


class BeaconLink(Base):
    """An undirected walking path between two beacons (stored once, a < b)."""

    __tablename__ = "beacon_links"
    __table_args__ = (
        CheckConstraint("beacon_a < beacon_b", name="ordered"),
        CheckConstraint("distance_m > 0", name="positive_distance"),
    )

    beacon_a: Mapped[str] = mapped_column(ForeignKey("beacons.beacon_id"), primary_key=True)
    beacon_b: Mapped[str] = mapped_column(ForeignKey("beacons.beacon_id"), primary_key=True)
    distance_m: Mapped[float]
